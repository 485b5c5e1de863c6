"""Supervision (työnohjaus): groups of a programme's volunteers, sessions, attendance.

A group belongs to one programme and has members (volunteers of that
programme); sessions are scheduled for it and attendance is recorded per
member. Groups close, members leave and sessions are cancelled: nothing is
deleted, so a volunteer's supervision history stays readable.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.primitives import programmes
from tukiverkko.platform.primitives.models import Programme, Volunteer, VolunteerStatus
from tukiverkko.platform.primitives.models_followup import (
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionMember,
    SupervisionSession,
)


def _require_open(group: SupervisionGroup) -> None:
    if group.closed_at is not None:
        raise Conflict("The group has been closed.", code="group_closed")


def create_group(
    db: Session, programme: Programme, *, name: str, supervisor_name: str
) -> SupervisionGroup:
    programmes.require_open(programme)
    group = SupervisionGroup(
        programme_id=programme.id, name=name.strip(), supervisor_name=supervisor_name.strip()
    )
    db.add(group)
    db.flush()
    return group


def close_group(db: Session, group: SupervisionGroup) -> SupervisionGroup:
    """Close a group; its members and sessions stay as history."""
    _require_open(group)
    group.closed_at = utcnow()
    return group


def add_member(db: Session, group: SupervisionGroup, volunteer: Volunteer) -> SupervisionMember:
    """Add a volunteer of the group's programme; one current membership per person."""
    _require_open(group)
    if volunteer.programme_id != group.programme_id:
        raise Conflict(
            "The volunteer belongs to another programme.", code="volunteer_of_another_programme"
        )
    if volunteer.status == VolunteerStatus.ENDED:
        raise Conflict("The volunteering has ended.", code="volunteer_ended")
    current = db.scalar(
        select(SupervisionMember.id).where(
            SupervisionMember.group_id == group.id,
            SupervisionMember.volunteer_id == volunteer.id,
            SupervisionMember.left_at.is_(None),
        )
    )
    if current is not None:
        raise Conflict("Already a member.", code="already_member")
    member = SupervisionMember(group_id=group.id, volunteer_id=volunteer.id)
    db.add(member)
    db.flush()
    return member


def leave(db: Session, member: SupervisionMember) -> SupervisionMember:
    """End a membership (the volunteer's own wish, or the coordinator's); the row stays."""
    if member.left_at is not None:
        raise Conflict("The member has already left.", code="already_left")
    member.left_at = utcnow()
    return member


def schedule_session(
    db: Session, group: SupervisionGroup, *, starts_at: datetime, location: str
) -> SupervisionSession:
    _require_open(group)
    session = SupervisionSession(group_id=group.id, starts_at=starts_at, location=location.strip())
    db.add(session)
    db.flush()
    return session


def cancel_session(db: Session, session: SupervisionSession) -> SupervisionSession:
    if session.cancelled_at is not None:
        raise Conflict("The session was already cancelled.", code="session_cancelled")
    session.cancelled_at = utcnow()
    return session


def record_attendance(
    db: Session,
    session: SupervisionSession,
    volunteer: Volunteer,
    *,
    attended: bool,
    recorded_by: uuid.UUID,
) -> SupervisionAttendance:
    """Whether a member attended; a second record for the same person corrects the first."""
    if session.cancelled_at is not None:
        raise Conflict("The session was cancelled.", code="session_cancelled")
    member = db.scalar(
        select(SupervisionMember.id).where(
            SupervisionMember.group_id == session.group_id,
            SupervisionMember.volunteer_id == volunteer.id,
        )
    )
    if member is None:
        raise Conflict("The volunteer is not a member of the group.", code="not_a_member")
    row = db.scalar(
        select(SupervisionAttendance).where(
            SupervisionAttendance.session_id == session.id,
            SupervisionAttendance.volunteer_id == volunteer.id,
        )
    )
    if row is None:
        row = SupervisionAttendance(
            session_id=session.id,
            volunteer_id=volunteer.id,
            attended=attended,
            recorded_by=recorded_by,
        )
        db.add(row)
    else:
        row.attended, row.recorded_by = attended, recorded_by
    db.flush()
    return row
