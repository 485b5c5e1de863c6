"""Helpers for the modules' demo data (`<module>/demo.py`, loaded by `make run`).

Each module's `demo.load(session, programme, actor_id)` fills one programme
with a few people through the real services, so the demo obeys the same
rules as real use (a demo volunteer is approved by `volunteers.approve`,
which runs the module's own rules).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform.db import utcnow
from tukiverkko.platform.identity.models import User
from tukiverkko.platform.primitives import followup, matching, screening, volunteers
from tukiverkko.platform.primitives.models import Match, Participant, Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import MeetingKind


def approved_volunteer(
    db: Session,
    programme: Programme,
    actor_id: uuid.UUID,
    *,
    name: str,
    email: str,
    before_approval: Callable[[Volunteer], object] | None = None,
    **profile: object,
) -> Volunteer:
    """A volunteer who applied, was interviewed, showed the extract, took the course, approved.

    An account with the same email in the organisation is linked, so the demo
    volunteer can sign in and see his own work.
    """
    volunteer = volunteers.apply_as_volunteer(
        db,
        programme,
        name=name,
        email=email,
        consent_processing=True,
        consent_background_check=True,
        background_check_notice_acknowledged=True,
        **profile,
    )
    volunteers.add_interview_note(
        db, volunteer, programme, author_id=actor_id, text="Haastattelu: motivoitunut."
    )
    if programme.background_check_required:
        screening.record_check(
            db,
            volunteer,
            programme,
            extract_issued_on=utcnow().date() - timedelta(days=20),
            seen_by=actor_id,
        )
    # The model course is taken as done here; training is its own demo elsewhere.
    volunteer.training_completed_at = utcnow() - timedelta(days=10)
    volunteers.refresh_stage(volunteer, programme)
    if before_approval is not None:
        before_approval(volunteer)
    volunteers.approve(db, volunteer, programme, actor_id=actor_id)
    volunteer.user_id = db.scalar(select(User.id).where(User.email == email))
    db.flush()
    return volunteer


def active_match(
    db: Session,
    programme: Programme,
    participant: Participant,
    volunteer: Volunteer,
    actor_id: uuid.UUID,
    *,
    given_by: str,
    days_ago: int = 45,
    meetings: int = 4,
) -> Match:
    """A match accepted by both sides `days_ago` days ago, with a few meetings logged."""
    match = matching.propose(db, programme, participant, volunteer, actor_id=actor_id)
    matching.accept_as_volunteer(db, match, actor_id=actor_id)
    matching.accept_for_participant(db, match, given_by=given_by, actor_id=actor_id)
    # Demo history: the match started some weeks ago.
    match.activated_at = utcnow() - timedelta(days=days_ago)
    for n in range(meetings):
        followup.log_meeting(
            db,
            match,
            met_on=(utcnow() - timedelta(days=days_ago - 2 - n * 10)).date(),
            minutes=120,
            kind=MeetingKind.OUTING if n % 2 else MeetingKind.MEETING,
            note="Mukava tapaaminen.",
            logged_by=actor_id,
        )
    db.flush()
    return match
