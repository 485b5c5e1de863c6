"""Rules of Mieskaverit®, as plain functions over a session."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.modules.mentor_buddy.models import Gender, StartStep, VolunteerFacts
from tukiverkko.platform import audit
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.plugins import Refusal
from tukiverkko.platform.primitives import events
from tukiverkko.platform.primitives.models import (
    Match,
    MatchStatus,
    Participant,
    ParticipantKind,
    Programme,
    Volunteer,
)
from tukiverkko.platform.primitives.models_followup import Event, EventKind, EventSignup
from tukiverkko.tenants.licensing import today

KEY = "mentor_buddy"
ADULT_AGE = 18
STEPS = {
    1: "volunteer, mother and coordinator, without the child",
    2: "volunteer, mother and coordinator, with the child",
    3: "buddy and child alone",
}


def require_mentor_buddy(programme: Programme) -> None:
    """Module endpoints act only on the module's own programmes."""
    if programme.module_key != KEY:
        raise Conflict("This is not a Mieskaverit® programme.", code="not_a_mentor_buddy_programme")


def volunteer_is_adult_man(
    db: Session, programme: Programme, volunteer: Volunteer
) -> Refusal | None:
    """Approval rule: the volunteer stated he is a man, and he is 18 or over."""
    facts = db.scalar(select(VolunteerFacts).where(VolunteerFacts.volunteer_id == volunteer.id))
    if facts is None:
        return Refusal(
            "volunteer_facts_missing",
            "Record the volunteer's gender and year of birth first (Mieskaverit® volunteers"
            " are adult men).",
            "gender",
        )
    if facts.gender != Gender.MAN:
        return Refusal("volunteer_not_eligible", "Mieskaverit® volunteers are men.", "gender")
    age_by_year = today().year - facts.birth_year
    if age_by_year < ADULT_AGE or (age_by_year == ADULT_AGE and not facts.adult_confirmed):
        return Refusal(
            "volunteer_not_eligible",
            "Mieskaverit® volunteers are adults: the volunteer must be 18 or over.",
            "birth_year",
        )
    return None


def participant_is_child(
    db: Session, programme: Programme, intake: Mapping[str, Any]
) -> Refusal | None:
    """Intake rule: the participant is the child (the mother is the contact)."""
    if intake.get("kind") != ParticipantKind.CHILD:
        return Refusal(
            "participant_not_eligible", "Mieskaverit® participants are children.", "kind"
        )
    return None


def record_facts(
    db: Session,
    volunteer: Volunteer,
    *,
    gender: Gender,
    birth_year: int,
    adult_confirmed: bool,
    actor_id: uuid.UUID,
) -> VolunteerFacts:
    """Record (or correct) what the volunteer stated at application."""
    if birth_year > today().year:
        raise ValidationFailed(
            "The year of birth is in the future.",
            code="invalid_birth_year",
            errors={"json": {"birth_year": ["Not in the future."]}},
        )
    facts = db.scalar(select(VolunteerFacts).where(VolunteerFacts.volunteer_id == volunteer.id))
    if facts is None:
        facts = VolunteerFacts(volunteer_id=volunteer.id, recorded_by=actor_id)
        db.add(facts)
    facts.gender = gender
    facts.birth_year = birth_year
    facts.adult_confirmed = adult_confirmed
    facts.recorded_by = actor_id
    db.flush()
    audit.record(
        db,
        "mentor_buddy_facts_recorded",
        actor_id=actor_id,
        target_type="volunteer",
        target_id=volunteer.id,
    )
    return facts


def steps_of(db: Session, match_id: uuid.UUID) -> list[StartStep]:
    return list(
        db.scalars(select(StartStep).where(StartStep.match_id == match_id).order_by(StartStep.step))
    )


def record_step(
    db: Session, match: Match, *, step: int, held_on: date, note: str, actor_id: uuid.UUID
) -> StartStep:
    """Record one step of the staged start: in order, each on or after the one before."""
    if match.status != MatchStatus.ACTIVE:
        raise Conflict(
            "The staged start is recorded for an active match (accepted by both sides).",
            code="match_not_active",
        )
    done = steps_of(db, match.id)
    expected = len(done) + 1
    if expected > len(STEPS):
        raise Conflict("All three steps are already recorded.", code="start_complete")
    if step != expected:
        raise Conflict(
            f"Record step {expected} ({STEPS[expected]}) first.",
            code="start_step_out_of_order",
            errors={"json": {"step": [f"Next is {expected}."]}},
        )
    if held_on > today():
        raise ValidationFailed(
            "Record a meeting once it has been held.",
            code="start_step_in_future",
            errors={"json": {"held_on": ["Not in the future."]}},
        )
    if done and held_on < done[-1].held_on:
        raise ValidationFailed(
            "A step cannot be held before the step before it.",
            code="start_step_before_previous",
            errors={"json": {"held_on": [f"On or after {done[-1].held_on.isoformat()}."]}},
        )
    row = StartStep(
        match_id=match.id, step=step, held_on=held_on, note=note.strip(), recorded_by=actor_id
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        "mentor_buddy_start_step",
        actor_id=actor_id,
        target_type="match",
        target_id=match.id,
        step=step,
    )
    return row


# --- outings for all buddies and children ------------------------------------


def create_outing(
    db: Session,
    programme: Programme,
    *,
    title: str,
    description: str,
    starts_at: datetime,
    location: str,
    capacity: int,
    created_by: uuid.UUID,
) -> Event:
    """An outing of the programme: the core's event with the kind preset to `outing`."""
    return events.create_event(
        db,
        programme,
        kind=EventKind.OUTING,
        title=title,
        description=description,
        starts_at=starts_at,
        location=location,
        capacity=capacity,
        created_by=created_by,
    )


def require_outing(db: Session, event: Event) -> Programme:
    """The event is an outing of a Mieskaverit® programme; returns the programme."""
    programme = db.get(Programme, event.programme_id)
    assert programme is not None
    require_mentor_buddy(programme)
    if event.kind != EventKind.OUTING:
        raise Conflict("This event is not an outing.", code="not_an_outing")
    return programme


def sign_up_match(
    db: Session, event: Event, match: Match, *, signed_up_by: uuid.UUID
) -> list[EventSignup]:
    """Sign up a buddy and his child together: both get a place, or both wait.

    A buddy with a place and his child on the waiting list (or the other way
    round) would leave one of them at home, so when only one place is left the
    whole request is refused and nothing is written.
    """
    require_outing(db, event)
    if match.programme_id != event.programme_id:
        raise Conflict(
            "The match belongs to another programme.", code="person_of_another_programme"
        )
    if match.status != MatchStatus.ACTIVE:
        raise Conflict("Only an active match goes on outings.", code="match_not_active")
    volunteer = db.get(Volunteer, match.volunteer_id)
    child = db.get(Participant, match.participant_id)
    assert volunteer is not None and child is not None
    buddy = events.sign_up(db, event, volunteer=volunteer, signed_up_by=signed_up_by)
    with_child = events.sign_up(db, event, participant=child, signed_up_by=signed_up_by)
    if buddy.status != with_child.status:
        raise Conflict(
            "Only one place is left: a buddy and his child come together.",
            code="outing_needs_two_places",
        )
    return [buddy, with_child]
