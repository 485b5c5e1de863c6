"""Service problems on pages, in the reader's language: the one registry of problem sentences.

Services raise `Problem`s with a stable `code` and an English `detail` (the
API's words). A page shows the code's sentence from `MESSAGES` instead, so a
Finnish or Swedish reader gets their language; an unknown code falls back to
the service's text. A group of pages whose readers need other words for a code
(the public forms speak to applicants, a module to its own volunteers) passes
its own `words`, looked up first. Field errors come keyed by location
(`{"json": {"area": [...]}}`) and are flattened to the form's field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from tukiverkko.platform.errors import Problem
from tukiverkko.platform.pages.frame import form_problem

Words = Mapping[str, Any]

MESSAGES: dict[str, Any] = {
    "already_enrolled": _l("Already enrolled."),
    "already_signed_up": _l("You are already signed up."),
    "announcement_empty": _l("An announcement needs a subject and a text."),
    "applications_closed": _l("This programme is not taking applications at the moment."),
    "area_required": _l("Name the area."),
    "background_check_acknowledgement_required": _l(
        "This programme asks volunteers to show a criminal-record extract: confirm that you "
        "have read this and agree to it."
    ),
    "background_check_consent_missing": _l(
        "The volunteer has not consented to the background check."
    ),
    "background_check_missing": _l("The background check has not been recorded."),
    "billing_disabled": _l("Billing is off on this installation: every plan is free."),
    "billing_not_self_service": _l(
        "Your organisation is not billed through self-service; the platform operator "
        "arranges its agreement."
    ),
    "billing_unavailable": _l("The payment service cannot be reached. Try again later."),
    "business_id_taken": _l(
        "An organisation with this business ID is already registered. Ask its admin to invite you."
    ),
    "cannot_disable_self": _l("You cannot disable your own account."),
    "consent_required": _l("Your consent is needed to keep your details."),
    "contact_required": _l("Give a phone number or an email address, so that we can call you."),
    "course_closed": _l("This course is no longer open for enrolment."),
    "course_full": _l("The course is full."),
    "email_taken": _l("An account with this email address exists already."),
    "empty_file": _l("The file is empty."),
    "essential_notification": _l("This notification cannot be turned off."),
    "event_cancelled": _l("The event was cancelled."),
    "event_started": _l("The event has already started."),
    "extract_date_in_future": _l("The extract's issue date is in the future."),
    "extract_too_old": _l("The extract is older than this programme accepts. Ask for a new one."),
    "file_too_large": _l("The file is too large (at most 15 MiB)."),
    "intake_source_not_allowed": _l("This programme does not take applications in this way."),
    "invalid_business_id": _l("Not a valid Finnish business ID (Y-tunnus)."),
    "invalid_date": _l("Check the date."),
    "invalid_dates": _l("A course starts in the future and ends after it starts."),
    "invalid_issuer": _l("The issuer must be an https address without a query or fragment."),
    "invalid_link": _l("The link is not valid any more. Sign up again."),
    "invalid_log_date": _l("Check the date."),
    "invalid_plan": _l("No such plan."),
    "invalid_slug": _l("Use lowercase letters, digits and hyphens."),
    "invalid_transition": _l("This step is not possible in the licence's current state."),
    "invalid_year": _l("No report is owed for that year."),
    "last_admin": _l("The organisation needs at least one admin."),
    "licence_exists": _l(
        "Your organisation already has a licence or an application for this model and area."
    ),
    "licence_not_in_force": _l("This licence takes no reports in its current state."),
    "licence_required": _l("Your organisation needs an active licence of the model for this."),
    "match_not_active": _l("Meetings are logged for an active match."),
    "match_status_conflict": _l("The match is no longer waiting for this."),
    "no_subscription": _l("Choose a paid plan first."),
    "not_a_partner": _l("Only partner organisations apply for licences."),
    "not_found": _l("Not found."),
    "not_licensee": _l("Only the organisation holding the licence can do this."),
    "not_model_owner": _l("Only the model owner can do this."),
    "not_trainable": _l("Only coordinators and admins take the model course."),
    "participant_already_matched": _l("The participant already has a match."),
    "participant_ended": _l("The participant's case has ended."),
    "participant_not_eligible": _l("This programme is not meant for the person applied for."),
    "plan_limit_reached": _l("All volunteer places of your plan are in use."),
    "programme_retired": _l("This programme is no longer running."),
    "report_already_submitted": _l("The report on this year has been submitted already."),
    "role_not_allowed": _l("This role does not exist in this organisation."),
    "role_not_grantable": _l("Your role cannot give this role."),
    "session_full": _l("The session is full."),
    "slug_taken": _l("This address is already taken. Choose another."),
    "tenant_read_only": _l(
        "Your organisation is in read-only mode because its subscription has not been paid."
    ),
    "text_required": _l("Say what changed."),
    "too_many_requests": _l("Too many attempts. Try again later."),
    "training_already_completed": _l("This training is already marked done."),
    "training_incomplete": _l("The volunteer has not completed the training."),
    "training_not_attended": _l("The volunteer has not attended a session of this training."),
    "validation_failed": _l("Check the fields marked below."),
    "volunteer_already_approved": _l("The volunteer is already approved."),
    "volunteer_already_paused": _l("You are already on a break."),
    "volunteer_at_capacity": _l("The volunteer has no capacity left."),
    "volunteer_ended": _l("The volunteering has ended."),
    "volunteer_facts_missing": _l(
        "Record the volunteer's gender and year of birth first (Mieskaverit® volunteers are "
        "adult men)."
    ),
    "volunteer_not_approved": _l("The volunteer is not approved."),
    "volunteer_not_eligible": _l("The volunteer does not meet the model's requirements."),
    "volunteer_not_interviewed": _l("Interview the volunteer first."),
    "volunteer_not_paused": _l("You are not on a break."),
    "volunteer_paused": _l("The volunteer is on a break."),
}


def _sentence(code: str, words: Words | None) -> Any:
    if words is not None and code in words:
        return words[code]
    return MESSAGES.get(code)


def problem_message(problem: Problem, words: Words | None = None) -> str:
    """The problem's sentence in the reader's language (the service's text if unknown).

    `words` are a page group's own sentences for some codes, looked up before `MESSAGES`.
    """
    known = _sentence(problem.code, words)
    return str(known) if known is not None else problem.detail


def _flatten(errors: dict[str, Any] | None) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for key, value in (errors or {}).items():
        if isinstance(value, dict):  # {"json": {"area": [...]}}: a location
            for name, messages in value.items():
                flat.setdefault(name, []).extend(
                    messages if isinstance(messages, list) else [messages]
                )
        else:
            flat.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return flat


def show_problem(form: FlaskForm, problem: Problem, words: Words | None = None) -> str:
    """Put `problem` on `form` (field errors by name, in the reader's language); the summary.

    A known code's sentence goes next to each field it names; for an unknown code the
    service's own field messages stay. The form keeps every value the user typed: only
    errors are added.
    """
    message = problem_message(problem, words)
    known = _sentence(problem.code, words) is not None
    fields = {
        name: ([message] if known else [str(m) for m in messages])
        for name, messages in _flatten(problem.errors).items()
    }
    return form_problem(form, Problem(message, code=problem.code, errors=fields))
