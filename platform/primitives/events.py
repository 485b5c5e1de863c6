"""Events: outings and group meetings with sign-up, capacity, waiting list and attendance.

One sign-up is one place, for a volunteer or a participant. When the event
is full a sign-up joins the waiting list in order (`queued_at`). A freed
place - a cancelled sign-up - goes to the first person waiting, in the same
transaction, and that person is told. Sign-ups lock the event row first, so
two cannot take the last place at once (PostgreSQL; SQLite serialises
writers anyway). Cancelling never deletes: the sign-up keeps its history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.notifications import Channel, kind, notify
from tukiverkko.platform.primitives import programmes
from tukiverkko.platform.primitives.models import (
    Participant,
    ParticipantStatus,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import (
    HOLDS_PLACE,
    Event,
    EventKind,
    EventSignup,
    SignupStatus,
)


def create_event(
    db: Session,
    programme: Programme,
    *,
    kind: EventKind,
    title: str,
    description: str,
    starts_at: datetime,
    location: str,
    capacity: int,
    created_by: uuid.UUID,
) -> Event:
    programmes.require_open(programme)
    if capacity < 1:
        raise ValidationFailed(
            "At least one place.",
            code="validation_failed",
            errors={"json": {"capacity": ["At least 1."]}},
        )
    event = Event(
        programme_id=programme.id,
        kind=kind,
        title=title.strip(),
        description=description,
        starts_at=starts_at,
        location=location.strip(),
        capacity=capacity,
        created_by=created_by,
    )
    db.add(event)
    db.flush()
    return event


def cancel_event(db: Session, event: Event, *, actor_id: uuid.UUID) -> Event:
    """Cancel the event; sign-ups stay as they were (the list shows who was coming)."""
    if event.cancelled_at is not None:
        raise Conflict("The event was already cancelled.", code="event_cancelled")
    event.cancelled_at = utcnow()
    audit.record(db, "event_cancelled", actor_id=actor_id, target_type="event", target_id=event.id)
    return event


def places_taken(db: Session, event: Event) -> int:
    return int(
        db.scalar(
            select(func.count(EventSignup.id)).where(
                EventSignup.event_id == event.id, EventSignup.status.in_(HOLDS_PLACE)
            )
        )
        or 0
    )


def sign_up(
    db: Session,
    event: Event,
    *,
    volunteer: Volunteer | None = None,
    participant: Participant | None = None,
    signed_up_by: uuid.UUID,
    now: datetime | None = None,
) -> EventSignup:
    """Take a place, or a place on the waiting list when the event is full."""
    if (volunteer is None) == (participant is None):
        raise ValidationFailed(
            "Name either a volunteer or a participant.",
            code="validation_failed",
            errors={"json": {"volunteer_id": ["Either this or participant_id."]}},
        )
    now = now or utcnow()
    db.refresh(event, with_for_update=True)  # serialise sign-ups of this event
    if event.cancelled_at is not None:
        raise Conflict("The event was cancelled.", code="event_cancelled")
    if event.starts_at <= now:
        raise Conflict("The event has already started.", code="event_started")
    person = volunteer or participant
    assert person is not None
    if person.programme_id != event.programme_id:
        raise Conflict(
            "The person belongs to another programme.", code="person_of_another_programme"
        )
    if (volunteer is not None and volunteer.status == VolunteerStatus.ENDED) or (
        participant is not None and participant.status == ParticipantStatus.ENDED
    ):
        raise Conflict("Their participation has ended.", code="participation_ended")
    column = EventSignup.volunteer_id if volunteer is not None else EventSignup.participant_id
    existing = db.scalar(
        select(EventSignup).where(EventSignup.event_id == event.id, column == person.id)
    )
    if existing is not None and existing.status != SignupStatus.CANCELLED:
        raise Conflict("Already signed up.", code="already_signed_up")
    status = (
        SignupStatus.CONFIRMED if places_taken(db, event) < event.capacity else SignupStatus.WAITING
    )
    if existing is not None:  # signing up again after cancelling: one row, last in the queue
        existing.status, existing.queued_at, existing.promoted_at = status, now, None
        existing.signed_up_by = signed_up_by
        db.flush()
        return existing
    signup = EventSignup(
        event_id=event.id,
        volunteer_id=volunteer.id if volunteer else None,
        participant_id=participant.id if participant else None,
        status=status,
        queued_at=now,
        signed_up_by=signed_up_by,
    )
    db.add(signup)
    db.flush()
    return signup


def cancel_signup(db: Session, signup: EventSignup) -> EventSignup | None:
    """Cancel a sign-up; a freed place goes to the first person waiting, now.

    Returns the promoted sign-up, if any.
    """
    if signup.status == SignupStatus.CANCELLED:
        raise Conflict("The sign-up was already cancelled.", code="signup_cancelled")
    if signup.status in (SignupStatus.ATTENDED, SignupStatus.ABSENT):
        raise Conflict("Attendance is already recorded.", code="attendance_recorded")
    event = db.get(Event, signup.event_id)
    assert event is not None
    db.refresh(event, with_for_update=True)
    freed = signup.status == SignupStatus.CONFIRMED
    signup.status = SignupStatus.CANCELLED
    db.flush()
    if not freed or event.cancelled_at is not None:
        return None
    return promote_waiting(db, event)


def promote_waiting(db: Session, event: Event) -> EventSignup | None:
    """Give a free place to the first person waiting (queue order), and tell them."""
    if places_taken(db, event) >= event.capacity:
        return None
    first = db.scalar(
        select(EventSignup)
        .where(EventSignup.event_id == event.id, EventSignup.status == SignupStatus.WAITING)
        .order_by(EventSignup.queued_at, EventSignup.id)
        .limit(1)
    )
    if first is None:
        return None
    first.status = SignupStatus.CONFIRMED
    first.promoted_at = utcnow()
    db.flush()
    _tell_promoted(db, event, first)
    return first


def _tell_promoted(db: Session, event: Event, signup: EventSignup) -> None:
    """Notify a promoted volunteer who has an account (participants are told by staff)."""
    if signup.volunteer_id is None:
        return
    volunteer = db.get(Volunteer, signup.volunteer_id)
    if volunteer is None or volunteer.user_id is None:
        return
    promoted = signup.promoted_at.isoformat() if signup.promoted_at else ""
    notify(
        db,
        "event_place_confirmed",
        user_id=volunteer.user_id,
        params={"title": event.title, "starts_at": event.starts_at.isoformat()},
        # One message per promotion of this sign-up.
        delivery_key=f"event_place:{signup.id}:{promoted}",
    )


@kind("event_place_confirmed", channels=(Channel.EMAIL, Channel.IN_APP))
def _render_place_confirmed(params: dict[str, Any]) -> tuple[str, str]:
    from flask_babel import gettext as _

    subject = _("You have a place: %(title)s", title=params["title"])
    body = _(
        "Hello,\n\nA place became free and it is yours: %(title)s, starting %(starts_at)s. "
        "If you cannot come, cancel your sign-up in Tukiverkko so that the next person "
        "waiting gets the place.",
        title=params["title"],
        starts_at=params["starts_at"],
    )
    return subject, body


def record_attendance(db: Session, signup: EventSignup, *, attended: bool) -> EventSignup:
    """Attended or absent, for a confirmed place (corrections allowed)."""
    if signup.status not in HOLDS_PLACE:
        raise Conflict("Only a confirmed place has attendance.", code="signup_not_confirmed")
    signup.status = SignupStatus.ATTENDED if attended else SignupStatus.ABSENT
    return signup
