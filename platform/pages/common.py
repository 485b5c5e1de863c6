"""Small helpers the public, volunteer and coordinator pages share.

- `show_problem(form, problem)`: a service's `Problem` on a form, its field
  errors (which services key by location, `{"json": {field: [...]}}`, as
  the API reports them) next to the fields, and the summary in the reader's
  language where the problem's code has a translated text.
- `problem_text(problem)`: the translated sentence for a problem code.
- `page_of(...)`: one keyset page for a page list (the API's `paginate`),
  with the cursor read from `?cursor=`.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Select
from sqlalchemy.orm import Session

from tukiverkko.platform.errors import Problem
from tukiverkko.platform.pages.frame import form_problem
from tukiverkko.platform.pagination import paginate

PAGE_SIZE = 25

# Sentences for the problem codes people meet on these pages, in their language.
# Services speak English (the API's `detail`); a page shows the translation.
PROBLEM_TEXTS: dict[str, Any] = {
    "consent_required": _l("Your consent is needed to keep your details."),
    "background_check_acknowledgement_required": _l(
        "This programme asks volunteers to show a criminal-record extract: confirm that you "
        "have read this and agree to it."
    ),
    "applications_closed": _l("This programme is not taking applications at the moment."),
    "contact_required": _l("Give a phone number or an email address, so that we can call you."),
    "too_many_requests": _l("Too many applications from this address. Please try again later."),
    "intake_source_not_allowed": _l("This programme does not take applications in this way."),
    "participant_not_eligible": _l("This programme is not meant for the person applied for."),
    "licence_required": _l("The organisation cannot take new people into this programme now."),
    "programme_retired": _l("This programme is no longer running."),
    "validation_failed": _l("Check the fields marked below."),
    "volunteer_not_interviewed": _l("Interview the volunteer first."),
    "training_incomplete": _l("The volunteer has not completed the training."),
    "background_check_missing": _l("The background check has not been recorded."),
    "volunteer_already_approved": _l("The volunteer is already approved."),
    "volunteer_paused": _l("The volunteer is on a break."),
    "volunteer_ended": _l("The volunteering has ended."),
    "volunteer_already_paused": _l("You are already on a break."),
    "volunteer_not_paused": _l("You are not on a break."),
    "volunteer_facts_missing": _l(
        "Record the volunteer's gender and year of birth first (Mieskaverit® volunteers are "
        "adult men)."
    ),
    "volunteer_not_eligible": _l("The volunteer does not meet the model's requirements."),
    "background_check_consent_missing": _l(
        "The volunteer has not consented to the background check."
    ),
    "extract_date_in_future": _l("The extract's issue date is in the future."),
    "extract_too_old": _l("The extract is older than this programme accepts. Ask for a new one."),
    "training_not_attended": _l("The volunteer has not attended a session of this training."),
    "training_already_completed": _l("This training is already marked done."),
    "session_full": _l("The session is full."),
    "already_enrolled": _l("Already enrolled."),
    "participant_already_matched": _l("The participant already has a match."),
    "volunteer_not_approved": _l("The volunteer is not approved."),
    "volunteer_at_capacity": _l("The volunteer has no capacity left."),
    "match_status_conflict": _l("The match is no longer waiting for this."),
    "match_not_active": _l("Meetings are logged for an active match."),
    "invalid_log_date": _l("Check the date."),
    "already_signed_up": _l("You are already signed up."),
    "event_started": _l("The event has already started."),
    "event_cancelled": _l("The event was cancelled."),
    "participant_ended": _l("The participant's case has ended."),
}


def problem_text(problem: Problem) -> str:
    """The reader's-language sentence for `problem` (its English detail if none)."""
    text = PROBLEM_TEXTS.get(problem.code)
    return str(text) if text is not None else problem.detail


def show_problem(form: FlaskForm, problem: Problem) -> str:
    """Put `problem` on `form` (field errors by name) and return the summary to show."""
    errors = problem.errors or {}
    flat: dict[str, Any] = {}
    for key, value in errors.items():
        # The API nests field errors by location ("json", "query"); pages name fields directly.
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    translated = {name: [problem_text(problem)] for name in flat if hasattr(form, name)}
    carrier = Problem(problem_text(problem), code=problem.code, errors=translated)
    return form_problem(form, carrier)


def page_of(
    db: Session, stmt: Select[Any], *, created: Any, ident: Any, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """One page (newest first) of `stmt`, continuing from `?cursor=`; one query."""
    cursor = request.args.get("cursor") or None
    return paginate(db, stmt, created=created, ident=ident, limit=limit, cursor=cursor)


def when(value: Any) -> str:
    """A time as people in Finland read it: local time, day.month.year hours:minutes."""
    from zoneinfo import ZoneInfo

    if value is None:
        return ""
    local = value.astimezone(ZoneInfo("Europe/Helsinki"))
    return f"{local.day}.{local.month}.{local.year} {local:%H:%M}"


def register_filters(blp: Any) -> None:
    """Template filters of these pages (registered app-wide by each blueprint: idempotent)."""
    blp.add_app_template_filter(when, "wa_when")
