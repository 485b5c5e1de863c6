"""Service problems on forms of the admin, owner, inbox and sign-up pages, in the reader's language.

Services raise `Problem`s with a stable `code` and an English `detail` (the
API's words). A page shows the code's message from the catalogue instead, so
a Finnish or Swedish reader gets their language; an unknown code falls back
to the service's text. Field errors come keyed by location (`{"json":
{"area": [...]}}`) and are flattened to the form's field names.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from tukiverkko.platform.errors import Problem
from tukiverkko.platform.pages.frame import form_problem

MESSAGES: dict[str, Any] = {
    "invalid_transition": _l("This step is not possible in the licence's current state."),
    "invalid_date": _l("Check the date."),
    "invalid_dates": _l("A course starts in the future and ends after it starts."),
    "licence_exists": _l(
        "Your organisation already has a licence or an application for this model and area."
    ),
    "area_required": _l("Name the area."),
    "not_a_partner": _l("Only partner organisations apply for licences."),
    "not_licensee": _l("Only the organisation holding the licence can do this."),
    "not_model_owner": _l("Only the model owner can do this."),
    "already_enrolled": _l("This person is already enrolled on the course."),
    "course_closed": _l("This course is no longer open for enrolment."),
    "course_full": _l("The course is full."),
    "not_trainable": _l("Only coordinators and admins take the model course."),
    "empty_file": _l("The file is empty."),
    "file_too_large": _l("The file is too large (at most 15 MiB)."),
    "role_not_grantable": _l("Your role cannot give this role."),
    "role_not_allowed": _l("This role does not exist in this organisation."),
    "email_taken": _l("An account with this email address exists already."),
    "last_admin": _l("The organisation needs at least one admin."),
    "cannot_disable_self": _l("You cannot disable your own account."),
    "invalid_issuer": _l("The issuer must be an https address without a query or fragment."),
    "validation_failed": _l("Check the fields marked below."),
    "announcement_empty": _l("An announcement needs a subject and a text."),
    "essential_notification": _l("This notification cannot be turned off."),
    "licence_required": _l("Your organisation needs an active licence of the model for this."),
    "billing_disabled": _l("Billing is off on this installation: every plan is free."),
    "billing_unavailable": _l("The payment service cannot be reached. Try again later."),
    "billing_not_self_service": _l(
        "Your organisation is not billed through self-service; the platform operator "
        "arranges its agreement."
    ),
    "no_subscription": _l("Choose a paid plan first."),
    "tenant_read_only": _l(
        "Your organisation is in read-only mode because its subscription has not been paid."
    ),
    "plan_limit_reached": _l("All volunteer places of your plan are in use."),
    "slug_taken": _l("This address is already taken. Choose another."),
    "business_id_taken": _l(
        "An organisation with this business ID is already registered. Ask its admin to invite you."
    ),
    "invalid_slug": _l("Use lowercase letters, digits and hyphens."),
    "invalid_business_id": _l("Not a valid Finnish business ID (Y-tunnus)."),
    "invalid_plan": _l("No such plan."),
    "invalid_link": _l("The link is not valid any more. Sign up again."),
    "too_many_requests": _l("Too many attempts. Try again later."),
    "text_required": _l("Say what changed."),
    "licence_not_in_force": _l("This licence takes no reports in its current state."),
    "report_already_submitted": _l("The report on this year has been submitted already."),
    "invalid_year": _l("No report is owed for that year."),
    "not_found": _l("Not found."),
}


def problem_message(problem: Problem) -> str:
    """The problem's message in the reader's language (the service's text if unknown)."""
    known = MESSAGES.get(problem.code)
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


def show_problem(form: FlaskForm, problem: Problem) -> str:
    """Put `problem` on `form` (field errors by name, in the reader's language); the summary.

    The form keeps every value the user typed: only errors are added.
    """
    message = problem_message(problem)
    known = problem.code in MESSAGES
    fields = {
        name: ([message] if known else [str(m) for m in messages])
        for name, messages in _flatten(problem.errors).items()
    }
    return form_problem(form, Problem(message, code=problem.code, errors=fields))
