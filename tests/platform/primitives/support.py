"""Test data for the primitives: programmes, volunteers at any stage, participants."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from tests.factories import Org
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
    overrides.setdefault("accepts_applications", True)
    with in_tenant(database, org) as db:
        programme = programmes.create_programme(
            db,
            module_key=overrides.pop("module_key", "mentor_buddy"),
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
