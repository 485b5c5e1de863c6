"""What volunteers report themselves: absences, and changes to their own details.

A volunteer's duty (Miessakit's handbook says it plainly) is to report
changes and absences as early as possible, so that a replacement can be
found. An absence is a date range with an optional short reason; a future
absence can be cancelled by the volunteer. A change of details (phone,
postcode area, availability, languages) is applied to the volunteer record
at once - the data are the volunteer's own - and recorded as *which* fields
changed, never the old values. Either way the organisation's coordinators
are notified (in-app and email, without the volunteer's name in the email:
they read it in Tukiverkko).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.notifications import Channel, kind, notify
from tukiverkko.platform.primitives import volunteers
from tukiverkko.platform.primitives.models import Programme, Volunteer, VolunteerStatus
from tukiverkko.platform.primitives.models_reports import VolunteerAbsence, VolunteerChange

# The details a volunteer reports as changed (the rest of the profile is
# corrected through the ordinary edit, without telling anyone).
REPORTABLE_FIELDS = ("phone", "postcode", "availability", "languages")
MAX_ABSENCE_DAYS = 366


def today() -> date:
    return utcnow().date()


def _require_not_ended(volunteer: Volunteer) -> None:
    if volunteer.status == VolunteerStatus.ENDED:
        raise Conflict("The volunteering has ended.", code="volunteer_ended")


def report_absence(
    db: Session,
    volunteer: Volunteer,
    *,
    starts_on: date,
    ends_on: date,
    reason: str,
    reported_by: uuid.UUID,
) -> VolunteerAbsence:
    """Record that the volunteer will be away from `starts_on` to `ends_on` (inclusive)."""
    _require_not_ended(volunteer)
    problems: dict[str, list[str]] = {}
    if ends_on < starts_on:
        problems["ends_on"] = ["On or after the first day."]
    elif ends_on < today():
        problems["ends_on"] = ["The absence has already ended."]
    elif (ends_on - starts_on) > timedelta(days=MAX_ABSENCE_DAYS):
        problems["ends_on"] = ["At most a year: a longer break is a pause."]
    if problems:
        raise ValidationFailed(
            "The dates are not valid.", code="invalid_dates", errors={"json": problems}
        )
    absence = VolunteerAbsence(
        volunteer_id=volunteer.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        reported_by=reported_by,
    )
    db.add(absence)
    db.flush()
    audit.record(
        db,
        "volunteer_absence_reported",
        actor_id=reported_by,
        target_type="volunteer",
        target_id=volunteer.id,
    )
    _tell_coordinators(
        db,
        volunteer,
        "volunteer_absence_reported",
        key=f"volunteer_absence_reported:{absence.id}",
        params={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return absence


def cancel_absence(
    db: Session, absence: VolunteerAbsence, *, actor_id: uuid.UUID
) -> VolunteerAbsence:
    """Cancel an absence that has not started; a started one is history."""
    if absence.cancelled_at is not None:
        raise Conflict("The absence was already cancelled.", code="absence_cancelled")
    if absence.starts_on <= today():
        raise Conflict("Only a future absence can be cancelled.", code="absence_started")
    absence.cancelled_at = utcnow()
    audit.record(
        db,
        "volunteer_absence_cancelled",
        actor_id=actor_id,
        target_type="volunteer",
        target_id=absence.volunteer_id,
    )
    return absence


def absences_query(*, programme_id: uuid.UUID | None = None, current: bool = False) -> Any:
    """Absences for the coordinators' list; `current`: not cancelled and not over."""
    stmt = select(VolunteerAbsence)
    if programme_id is not None:
        stmt = stmt.join(Volunteer, Volunteer.id == VolunteerAbsence.volunteer_id).where(
            Volunteer.programme_id == programme_id
        )
    if current:
        stmt = stmt.where(
            VolunteerAbsence.cancelled_at.is_(None), VolunteerAbsence.ends_on >= today()
        )
    return stmt


def report_change(
    db: Session,
    volunteer: Volunteer,
    changes: dict[str, Any],
    *,
    note: str,
    reported_by: uuid.UUID,
) -> VolunteerChange:
    """Apply the volunteer's changed details and tell the coordinators which ones changed."""
    _require_not_ended(volunteer)
    unknown = sorted(set(changes) - set(REPORTABLE_FIELDS))
    if unknown:
        raise KeyError(unknown[0])  # schemas pass only reportable fields: a programming error
    cleaned = volunteers.clean_profile(changes)
    changed = {k: v for k, v in cleaned.items() if getattr(volunteer, k) != v}
    if not changed:
        raise ValidationFailed(
            "Nothing differs from the details on record.",
            code="nothing_changed",
            errors={"json": {"_schema": ["Give at least one new value."]}},
        )
    volunteers.update_profile(db, volunteer, changed)
    record = VolunteerChange(
        volunteer_id=volunteer.id,
        fields=sorted(changed),
        note=note.strip(),
        reported_by=reported_by,
    )
    db.add(record)
    db.flush()
    audit.record(
        db,
        "volunteer_details_changed",
        actor_id=reported_by,
        target_type="volunteer",
        target_id=volunteer.id,
        fields=sorted(changed),
    )
    _tell_coordinators(
        db,
        volunteer,
        "volunteer_details_changed",
        key=f"volunteer_details_changed:{record.id}",
        params={"fields": sorted(changed)},
    )
    return record


def changes_query(*, programme_id: uuid.UUID | None = None) -> Any:
    stmt = select(VolunteerChange)
    if programme_id is not None:
        stmt = stmt.join(Volunteer, Volunteer.id == VolunteerChange.volunteer_id).where(
            Volunteer.programme_id == programme_id
        )
    return stmt


def coordinators(db: Session) -> list[uuid.UUID]:
    """The active coordinators of the current organisation."""
    return list(
        db.scalars(
            select(User.id)
            .where(User.role == Role.COORDINATOR, User.status == UserStatus.ACTIVE)
            .order_by(User.id)
        )
    )


def _tell_coordinators(
    db: Session, volunteer: Volunteer, kind_name: str, *, key: str, params: dict[str, Any]
) -> None:
    programme_name = db.scalar(select(Programme.name).where(Programme.id == volunteer.programme_id))
    for user_id in coordinators(db):
        notify(
            db,
            kind_name,
            user_id=user_id,
            params={**params, "programme": programme_name or ""},
            delivery_key=f"{key}:{user_id}",
        )


@kind("volunteer_absence_reported", channels=(Channel.EMAIL, Channel.IN_APP))
def _render_absence(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("A volunteer of %(programme)s will be away", programme=params["programme"])
    body = _(
        "Hello,\n\nA volunteer of %(programme)s has reported an absence from %(start)s to "
        "%(end)s. Who it is, and whether a replacement is needed, is in Tukiverkko under "
        "volunteer absences.",
        programme=params["programme"],
        start=params["starts_on"],
        end=params["ends_on"],
    )
    return subject, body


@kind("volunteer_details_changed", channels=(Channel.EMAIL, Channel.IN_APP))
def _render_change(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("A volunteer of %(programme)s changed their details", programme=params["programme"])
    body = _(
        "Hello,\n\nA volunteer of %(programme)s has changed these details: %(fields)s. The "
        "new details are in Tukiverkko under volunteer changes.",
        programme=params["programme"],
        fields=", ".join(params["fields"]),
    )
    return subject, body
