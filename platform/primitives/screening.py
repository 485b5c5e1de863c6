"""Background checks of volunteers working with children (Act 148/2014).

The organisation may ask a volunteer to *show* a criminal-record extract. It
records only that the extract was shown, the extract's issue date, who saw
it and when: there is no way to store a copy or its contents, here or in the
API. Checking rests on the volunteer's consent, and the organisation keeps a
written list of the tasks that need the check (`CheckTask`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.primitives import consents
from tukiverkko.platform.primitives.models import (
    BackgroundCheck,
    CheckTask,
    ConsentPurpose,
    ConsentSubject,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.volunteers import refresh_stage

# The extract's age is counted in calendar days where it is shown: Finland.
LOCAL_ZONE = ZoneInfo("Europe/Helsinki")


def extract_age_days(extract_issued_on: date, seen_at: datetime) -> int:
    """Whole days between the extract's issue date and the day it was shown."""
    return (seen_at.astimezone(LOCAL_ZONE).date() - extract_issued_on).days


def record_check(
    db: Session,
    volunteer: Volunteer,
    programme: Programme,
    *,
    extract_issued_on: date,
    seen_by: uuid.UUID,
    now: datetime | None = None,
) -> BackgroundCheck:
    """Record that `seen_by` saw the volunteer's extract now.

    Refused when the volunteer has not consented, when the extract is dated
    in the future, or when it is older than the programme accepts on the day
    it is shown.
    """
    seen_at = now or utcnow()
    if volunteer.status == VolunteerStatus.ENDED:
        raise Conflict("The volunteering has ended.", code="volunteer_ended")
    if not consents.has_consent(db, volunteer.id, ConsentPurpose.BACKGROUND_CHECK):
        raise Conflict(
            "The volunteer has not consented to the background check.",
            code="background_check_consent_missing",
        )
    age = extract_age_days(extract_issued_on, seen_at)
    if age < 0:
        raise ValidationFailed(
            "The extract's issue date is in the future.",
            code="extract_date_in_future",
            errors={"json": {"extract_issued_on": ["Not after today."]}},
        )
    if age > programme.extract_max_age_days:
        raise ValidationFailed(
            f"The extract is {age} days old; this programme accepts at most "
            f"{programme.extract_max_age_days} days. Ask for a new one.",
            code="extract_too_old",
            errors={"json": {"extract_issued_on": ["Too old."]}},
        )
    check = BackgroundCheck(
        volunteer_id=volunteer.id,
        extract_issued_on=extract_issued_on,
        seen_by=seen_by,
        seen_at=seen_at,
    )
    db.add(check)
    volunteer.check_recorded_at = seen_at
    refresh_stage(volunteer, programme)
    audit.record(
        db,
        "background_check_recorded",
        actor_id=seen_by,
        target_type="volunteer",
        target_id=volunteer.id,
    )
    return check


def give_check_consent(
    db: Session, volunteer: Volunteer, *, given_by: str, recorded_by: uuid.UUID | None
) -> None:
    """Record the volunteer's consent to the check (e.g. given later, on paper)."""
    if not consents.has_consent(db, volunteer.id, ConsentPurpose.BACKGROUND_CHECK):
        consents.record_consent(
            db,
            subject_type=ConsentSubject.VOLUNTEER,
            subject_id=volunteer.id,
            purpose=ConsentPurpose.BACKGROUND_CHECK,
            given_by=given_by,
            recorded_by=recorded_by,
        )


def create_task(db: Session, *, name: str, description: str, actor_id: uuid.UUID) -> CheckTask:
    """Add a task to the organisation's written list of tasks that need the check."""
    task = CheckTask(name=name, description=description)
    db.add(task)
    db.flush()
    audit.record(
        db, "check_task_added", actor_id=actor_id, target_type="check_task", target_id=task.id
    )
    return task


def retire_task(db: Session, task: CheckTask, *, actor_id: uuid.UUID) -> CheckTask:
    """Take a task off the current list; the record stays for the history."""
    if task.retired_at is None:
        task.retired_at = utcnow()
        audit.record(
            db, "check_task_retired", actor_id=actor_id, target_type="check_task", target_id=task.id
        )
    return task
