"""Retention: exactly what has expired goes, nothing else; a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from tests.platform.primitives.support import in_tenant
from tests.platform.privacy.support import (
    EMAIL,
    NAME,
    OTHER_NAME,
    find,
    seed,
    texts_of_tenant_tables,
)
from tukiverkko.platform import audit, context
from tukiverkko.platform.audit import AuditEvent
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import (
    BackgroundCheck,
    Participant,
    ParticipantStatus,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.privacy import retention
from tukiverkko.platform.privacy.models import ErasedSubject


def _end(database: Database, org, volunteer_id, participant_id, *, days: int) -> None:  # type: ignore[no-untyped-def]
    """End a volunteering and a case `days` ago (the lifecycle is tested elsewhere)."""
    with in_tenant(database, org) as db:
        when = utcnow() - timedelta(days=days)
        v = db.get(Volunteer, volunteer_id)
        p = db.get(Participant, participant_id)
        assert v is not None and p is not None
        v.status, v.status_changed_at = VolunteerStatus.ENDED, when
        p.status, p.status_changed_at = ParticipantStatus.ENDED, when


def test_retention_erases_exactly_what_has_expired(app: Flask, database: Database) -> None:
    s = seed(database)
    other = seed(database)  # another organisation: its own, shorter periods
    _end(database, s.org, s.volunteer_id, s.participant_id, days=800)  # past 730 days
    _end(database, s.org, s.other_volunteer_id, s.other_participant_id, days=100)  # not yet
    _end(database, other.org, other.volunteer_id, other.participant_id, days=100)
    with in_tenant(database, other.org) as db:
        retention.update_settings(
            db,
            other.org.id,
            {"retention_ended_volunteers_days": 90, "retention_closed_participants_days": 365},
            actor_id=other.org.people[Role.TENANT_ADMIN],
        )
    # Background checks of volunteers still active stay; a sign-in event from two years ago goes.
    with in_tenant(database, s.org) as db:
        db.add(
            BackgroundCheck(
                volunteer_id=s.other_volunteer_id,
                extract_issued_on=utcnow().date(),
                seen_by=s.org.people[Role.COORDINATOR],
            )
        )
        old = audit.record(db, "sign_in", actor_id=s.org.people[Role.VOLUNTEER])
        old.at = utcnow() - timedelta(days=800)
        audit.record(db, "sign_in", actor_id=s.org.people[Role.VOLUNTEER])

    with app.app_context():
        first = retention.run_retention()
    # Matti (800 days) in org 1, and the volunteer of org 2 (100 > 90 days) are erased;
    # org 2's participant (100 < 365) is not, nor anyone of org 1 ended 100 days ago.
    assert first["erased"] == 3
    assert first["sign_in_events"] >= 1

    with context.cross_tenant("test"), database.unit_of_work() as db:
        erased = set(db.scalars(select(ErasedSubject.subject_id)))
        checks = set(db.scalars(select(BackgroundCheck.volunteer_id)))
        sign_ins = db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.tenant_id == s.org.id, AuditEvent.action == "sign_in")
        )
    assert erased == {s.volunteer_id, s.participant_id, other.volunteer_id}
    # Any background check of an ended volunteer is gone, that of an ended-100-days one too.
    assert s.volunteer_id not in checks and other.volunteer_id not in checks
    assert sign_ins == 1
    texts = texts_of_tenant_tables(database)
    # Both Mattis are erased (also from Liisa's note that names him); Liisa, ended
    # only 100 days ago, is still there.
    assert find(texts, [NAME, EMAIL]) == []
    assert find(texts, [OTHER_NAME])

    with app.app_context():
        second = retention.run_retention()
    assert second == {"erased": 0, "checks_deleted": 0, "sessions_deleted": 0, "sign_in_events": 0}


def test_retention_periods_have_bounds(app: Flask, database: Database) -> None:
    import pytest

    from tukiverkko.platform.errors import ValidationFailed

    s = seed(database)
    with in_tenant(database, s.org) as db, pytest.raises(ValidationFailed) as exc:
        retention.update_settings(
            db,
            s.org.id,
            {"retention_sign_in_events_days": 1},
            actor_id=s.org.people[Role.TENANT_ADMIN],
        )
    assert exc.value.code == "retention_out_of_bounds"
