"""Test data for the primitives: programmes, volunteers at any stage, participants."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from tests.factories import Org, license_module
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import intake, programmes, volunteers
from tukiverkko.platform.primitives.models import (
    IntakeSource,
    ParticipantKind,
    Volunteer,
    VolunteerStatus,
)


@contextlib.contextmanager
def in_tenant(database: Database, org: Org) -> Iterator[Session]:
    """A unit of work of `org`, the tenant bound first (as the services expect)."""
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        yield db


def make_programme(database: Database, org: Org, **overrides: Any) -> uuid.UUID:
    """A programme of a module (mentor_buddy unless told), its licence granted first."""
    overrides.setdefault("accepts_applications", True)
    module_key = overrides.pop("module_key", "mentor_buddy")
    license_module(database, org, module_key)
    with in_tenant(database, org) as db:
        programme = programmes.create_programme(
            db,
            module_key=module_key,
            name=overrides.pop("name", "Mieskaverit Turku"),
            actor_id=org.people.get(Role.COORDINATOR),
            **overrides,
        )
        return programme.id


def make_volunteer(
    database: Database,
    org: Org,
    programme_id: uuid.UUID,
    *,
    approved: bool = False,
    linked: bool = False,
    **profile: Any,
) -> uuid.UUID:
    """A volunteer who applied with full consent; `approved` fast-forwards the journey.

    The fast-forward sets the recorded facts directly: the journey itself is
    tested step by step in test_volunteers.py.
    """
    profile.setdefault("name", f"Vapaaehtoinen {uuid.uuid4().hex[:4]}")
    profile.setdefault("email", f"{uuid.uuid4().hex[:8]}@example.org")
    with in_tenant(database, org) as db:
        from tukiverkko.platform.primitives.models import Programme

        programme = db.get(Programme, programme_id)
        assert programme is not None
        volunteer = volunteers.apply_as_volunteer(
            db,
            programme,
            consent_processing=True,
            consent_background_check=True,
            background_check_notice_acknowledged=True,
            **profile,
        )
        if linked:
            volunteer.user_id = org.people[Role.VOLUNTEER]
        if approved:
            now = utcnow()
            volunteer.check_recorded_at = now - timedelta(days=1)
            volunteer.training_completed_at = now - timedelta(days=1)
            volunteer.approved_at = now
            volunteer.status = VolunteerStatus.APPROVED
        return volunteer.id


def make_participant(
    database: Database, org: Org, programme_id: uuid.UUID, **fields: Any
) -> uuid.UUID:
    fields.setdefault("name", "Eetu")
    fields.setdefault("kind", ParticipantKind.CHILD)
    fields.setdefault("source", IntakeSource.GUARDIAN)
    fields.setdefault("consent_given_by", "Äiti Anna")
    fields.setdefault("contact_name", "Anna Äiti")
    fields.setdefault("contact_phone", "+358401234567")
    fields.setdefault("contact_email", "anna@example.org")
    with in_tenant(database, org) as db:
        from tukiverkko.platform.primitives.models import Programme

        programme = db.get(Programme, programme_id)
        assert programme is not None
        return intake.start_intake(db, programme, recorded_by=None, **fields).id


def volunteer_status(database: Database, org: Org, volunteer_id: uuid.UUID) -> VolunteerStatus:
    with in_tenant(database, org) as db:
        volunteer = db.get(Volunteer, volunteer_id)
        assert volunteer is not None
        return volunteer.status


def activate_match(database: Database, org: Org, match_id: uuid.UUID, *, days_ago: int) -> None:
    """Make a proposed match active as of `days_ago` days (the lifecycle is tested elsewhere)."""
    from tukiverkko.platform.primitives.models import Match, MatchStatus

    with in_tenant(database, org) as db:
        match = db.get(Match, match_id)
        assert match is not None
        at = utcnow() - timedelta(days=days_ago)
        match.status = MatchStatus.ACTIVE
        match.volunteer_accepted_at = match.participant_accepted_at = match.activated_at = at


def make_active_match(
    database: Database,
    org: Org,
    programme_id: uuid.UUID,
    *,
    days_ago: int,
    linked: bool = False,
) -> uuid.UUID:
    """An active match of a new approved volunteer (`linked`: to the org's volunteer account)."""
    from tukiverkko.platform.primitives import matching
    from tukiverkko.platform.primitives.models import Participant, Programme

    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=linked)
    participant_id = make_participant(database, org, programme_id)
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        participant = db.get(Participant, participant_id)
        volunteer = db.get(Volunteer, volunteer_id)
        assert programme and participant and volunteer
        match_id = matching.propose(
            db, programme, participant, volunteer, actor_id=org.people[Role.COORDINATOR]
        ).id
    activate_match(database, org, match_id, days_ago=days_ago)
    return match_id


def make_followup_objects(
    database: Database,
    org: Org,
    programme_id: uuid.UUID,
    volunteer_id: uuid.UUID,
    match_id: uuid.UUID,
) -> dict[str, uuid.UUID]:
    """One object of each kind of follow-up, supervision, events and feedback (rows directly)."""
    from tukiverkko.platform.primitives.models_followup import (
        Event,
        EventKind,
        EventSignup,
        FeedbackForm,
        FormAudience,
        FormStatus,
        MeetingKind,
        MeetingLog,
        SignupStatus,
        SupervisionGroup,
        SupervisionMember,
        SupervisionSession,
        VolunteerHours,
    )

    coordinator = org.people[Role.COORDINATOR]
    today = utcnow().date()
    with in_tenant(database, org) as db:
        meeting = MeetingLog(
            match_id=match_id,
            volunteer_id=volunteer_id,
            met_on=today,
            minutes=90,
            kind=MeetingKind.MEETING,
            logged_by=coordinator,
        )
        hours = VolunteerHours(
            volunteer_id=volunteer_id,
            worked_on=today,
            minutes=120,
            activity="Puhelinvuoro",
            logged_by=coordinator,
        )
        group = SupervisionGroup(programme_id=programme_id, name="Työnohjaus", supervisor_name="T")
        event = Event(
            programme_id=programme_id,
            kind=EventKind.OUTING,
            title="Retki",
            starts_at=utcnow() + timedelta(days=10),
            capacity=5,
            created_by=coordinator,
        )
        form = FeedbackForm(
            title="Palaute",
            questions=[{"key": "mood", "kind": "scale", "label": "?", "required": True,
                        "min": 1, "max": 5}],
            anonymous=True,
            audience=FormAudience.PUBLIC,
            status=FormStatus.OPEN,
            created_by=coordinator,
        )  # fmt: skip
        db.add_all([meeting, hours, group, event, form])
        db.flush()
        member = SupervisionMember(group_id=group.id, volunteer_id=volunteer_id)
        session = SupervisionSession(group_id=group.id, starts_at=utcnow())
        signup = EventSignup(
            event_id=event.id,
            volunteer_id=volunteer_id,
            status=SignupStatus.CONFIRMED,
            signed_up_by=coordinator,
        )
        db.add_all([member, session, signup])
        db.flush()
        return {
            "meeting_id": meeting.id,
            "volunteer_hours_id": hours.id,
            "supervision_group_id": group.id,
            "supervision_member_id": member.id,
            "supervision_session_id": session.id,
            "event_id": event.id,
            "event_signup_id": signup.id,
            "feedback_form_id": form.id,
        }
