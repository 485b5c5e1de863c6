"""Training: curricula of a programme, course sessions, enrolment, attendance, completion.

A volunteer's training is complete once every current curriculum of their
programme is completed; completion needs attendance at a session of that
curriculum. Approval is gated on it (`volunteers.approve`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.primitives import programmes
from tukiverkko.platform.primitives.models import (
    Curriculum,
    Enrolment,
    EnrolmentStatus,
    Programme,
    TrainingCompletion,
    TrainingSession,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.volunteers import refresh_stage

# Enrolments that take a seat.
SEATED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED, EnrolmentStatus.ABSENT)


def create_curriculum(
    db: Session, programme: Programme, *, name: str, description: str, hours: int
) -> Curriculum:
    programmes.require_open(programme)
    curriculum = Curriculum(
        programme_id=programme.id, name=name, description=description, hours=hours
    )
    db.add(curriculum)
    db.flush()
    return curriculum


def retire_curriculum(db: Session, curriculum: Curriculum) -> Curriculum:
    """No longer required of new volunteers; completions stay."""
    if curriculum.retired_at is None:
        curriculum.retired_at = utcnow()
    return curriculum


def create_session(
    db: Session, curriculum: Curriculum, *, starts_at: datetime, location: str, capacity: int
) -> TrainingSession:
    if curriculum.retired_at is not None:
        raise Conflict("The curriculum has been retired.", code="curriculum_retired")
    session = TrainingSession(
        curriculum_id=curriculum.id, starts_at=starts_at, location=location, capacity=capacity
    )
    db.add(session)
    db.flush()
    return session


def cancel_session(db: Session, session: TrainingSession) -> TrainingSession:
    if session.cancelled_at is None:
        session.cancelled_at = utcnow()
    return session


def enrol(db: Session, session: TrainingSession, volunteer: Volunteer) -> Enrolment:
    """Take a seat in a session, if the volunteer's programme teaches it and a seat is free."""
    # Lock the session row so two enrolments cannot both take the last seat
    # (PostgreSQL; SQLite serialises writers anyway).
    db.refresh(session, with_for_update=True)
    curriculum = db.get(Curriculum, session.curriculum_id)
    assert curriculum is not None
    if curriculum.programme_id != volunteer.programme_id:
        raise Conflict(
            "The session belongs to another programme.", code="session_of_another_programme"
        )
    if volunteer.status == VolunteerStatus.ENDED:
        raise Conflict("The volunteering has ended.", code="volunteer_ended")
    if session.cancelled_at is not None:
        raise Conflict("The session has been cancelled.", code="session_cancelled")
    existing = db.scalar(
        select(Enrolment).where(
            Enrolment.session_id == session.id, Enrolment.volunteer_id == volunteer.id
        )
    )
    if existing is not None and existing.status != EnrolmentStatus.CANCELLED:
        raise Conflict("Already enrolled.", code="already_enrolled")
    taken = db.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.session_id == session.id, Enrolment.status.in_(SEATED)
        )
    )
    if (taken or 0) >= session.capacity:
        raise Conflict("The session is full.", code="session_full")
    if existing is not None:  # re-enrolling after a cancellation keeps one row
        existing.status = EnrolmentStatus.ENROLLED
        return existing
    enrolment = Enrolment(
        session_id=session.id, volunteer_id=volunteer.id, status=EnrolmentStatus.ENROLLED
    )
    db.add(enrolment)
    db.flush()
    return enrolment


def cancel_enrolment(db: Session, enrolment: Enrolment) -> Enrolment:
    if enrolment.status == EnrolmentStatus.ATTENDED:
        raise Conflict("Attendance is already recorded.", code="attendance_recorded")
    enrolment.status = EnrolmentStatus.CANCELLED
    return enrolment


def record_attendance(db: Session, enrolment: Enrolment, *, attended: bool) -> Enrolment:
    if enrolment.status == EnrolmentStatus.CANCELLED:
        raise Conflict("The enrolment was cancelled.", code="enrolment_cancelled")
    enrolment.status = EnrolmentStatus.ATTENDED if attended else EnrolmentStatus.ABSENT
    return enrolment


def complete(
    db: Session,
    volunteer: Volunteer,
    curriculum: Curriculum,
    programme: Programme,
    *,
    recorded_by: uuid.UUID,
) -> TrainingCompletion:
    """Record that the volunteer completed a curriculum (after attending a session of it)."""
    if curriculum.programme_id != volunteer.programme_id:
        raise Conflict(
            "The curriculum belongs to another programme.",
            code="curriculum_of_another_programme",
        )
    if volunteer.status == VolunteerStatus.ENDED:
        raise Conflict("The volunteering has ended.", code="volunteer_ended")
    attended = db.scalar(
        select(Enrolment.id)
        .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
        .where(
            Enrolment.volunteer_id == volunteer.id,
            Enrolment.status == EnrolmentStatus.ATTENDED,
            TrainingSession.curriculum_id == curriculum.id,
        )
        .limit(1)
    )
    if attended is None:
        raise Conflict(
            "The volunteer has not attended a session of this curriculum.",
            code="training_not_attended",
        )
    done = db.scalar(
        select(TrainingCompletion.id).where(
            TrainingCompletion.volunteer_id == volunteer.id,
            TrainingCompletion.curriculum_id == curriculum.id,
        )
    )
    if done is not None:
        raise Conflict("Already completed.", code="training_already_completed")
    completion = TrainingCompletion(
        volunteer_id=volunteer.id, curriculum_id=curriculum.id, recorded_by=recorded_by
    )
    db.add(completion)
    db.flush()
    if training_complete(db, volunteer, programme):
        volunteer.training_completed_at = utcnow()
        refresh_stage(volunteer, programme)
    audit.record(
        db,
        "training_completed",
        actor_id=recorded_by,
        target_type="volunteer",
        target_id=volunteer.id,
        curriculum_id=str(curriculum.id),
    )
    return completion


def training_complete(db: Session, volunteer: Volunteer, programme: Programme) -> bool:
    """Every current curriculum of the programme completed (and there is at least one)."""
    required = set(
        db.scalars(
            select(Curriculum.id).where(
                Curriculum.programme_id == programme.id, Curriculum.retired_at.is_(None)
            )
        )
    )
    if not required:
        return False
    completed = set(
        db.scalars(
            select(TrainingCompletion.curriculum_id).where(
                TrainingCompletion.volunteer_id == volunteer.id
            )
        )
    )
    return required <= completed
