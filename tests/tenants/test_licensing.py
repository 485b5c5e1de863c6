"""Licences as service functions: transitions, conditions, history, enforcement."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_licence, make_model_owner, make_org, make_programme_model
from tukiverkko.platform import context
from tukiverkko.platform.audit import AuditEvent
from tukiverkko.platform.db import Database
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.identity.models import Role
from tukiverkko.tenants import licensing
from tukiverkko.tenants.licensing import Actor, LicenceRequired, require_active_licence
from tukiverkko.tenants.licensing_models import ConditionKind, Licence, LicenceStatus


def _setup(database: Database):  # type: ignore[no-untyped-def]
    owner = make_model_owner(database)
    partner = make_org(database)
    model_id = make_programme_model(database, owner)
    owner_actor = Actor(owner.people[Role.OWNER_STAFF], owner.id)
    partner_actor = Actor(partner.people[Role.TENANT_ADMIN], partner.id)
    return owner, partner, model_id, owner_actor, partner_actor


def test_a_licence_becomes_active_when_the_last_condition_is_met(database: Database) -> None:
    owner, partner, model_id, by_owner, by_partner = _setup(database)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = licensing.apply_for_licence(
            db, actor=by_partner, model_id=model_id, area="Turku", note="Meillä on työntekijä."
        )
        licensing.change_status(db, licence, "review", actor=by_owner, reason="Käsittelyssä")
        licensing.change_status(db, licence, "grant", actor=by_owner, reason="Ehdoin")
        assert licence.status == LicenceStatus.GRANTED
        licensing.declare_resources(db, licence, actor=by_partner, resources="Palkattu ohjaaja")
        licensing.record_agreement(db, licence, actor=by_owner, signed_on=licensing.today())
        assert licence.status == LicenceStatus.GRANTED  # the course is still missing
        licensing.satisfy_condition(
            db, licence, ConditionKind.COURSE_COMPLETED, actor=by_owner, note="kurssi"
        )
        assert licence.status == LicenceStatus.ACTIVE
        events = licensing.events_of(db, licence.id)
        licence_id = licence.id
    steps = [(e.action, e.from_status, e.to_status) for e in events]
    assert steps[:3] == [
        ("apply", None, "applied"),
        ("review", "applied", "under_review"),
        ("grant", "under_review", "granted"),
    ]
    assert steps[-1] == ("activate", "granted", "active")
    assert {e.action for e in events} >= {
        "condition:resources_declared",
        "condition:agreement_signed",
        "condition:course_completed",
    }
    grant = next(e for e in events if e.action == "grant")
    assert (grant.actor_id, grant.actor_tenant_id, grant.reason) == (
        by_owner.user_id,
        owner.id,
        "Ehdoin",
    )
    # Both sides are told: the same change in each tenant's audit log.
    for org in (owner, partner):
        with context.bind(tenant_id=org.id), database.unit_of_work() as db:
            actions = db.scalars(
                select(AuditEvent.details).where(
                    AuditEvent.action == "licence_changed",
                    AuditEvent.target_id == str(licence_id),
                )
            ).all()
            assert {d["action_taken"] for d in actions} >= {"apply", "grant", "activate"}


def test_wrong_moves_are_invalid_transitions(database: Database) -> None:
    _, _partner, model_id, by_owner, by_partner = _setup(database)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = licensing.apply_for_licence(db, actor=by_partner, model_id=model_id, area="Oulu")
        for action in ("grant", "suspend", "reinstate", "revoke", "expire", "renew"):
            with pytest.raises(Conflict) as caught:
                licensing.change_status(db, licence, action, actor=by_owner, reason="x")
            assert caught.value.code == "invalid_transition"
        assert licence.status == LicenceStatus.APPLIED


def test_only_the_model_owner_decides(database: Database) -> None:
    _, _partner, model_id, _, by_partner = _setup(database)
    other_owner = make_model_owner(database)
    stranger = Actor(other_owner.people[Role.OWNER_STAFF], other_owner.id)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = licensing.apply_for_licence(db, actor=by_partner, model_id=model_id, area="Pori")
        for actor in (stranger, by_partner):
            with pytest.raises(licensing.Forbidden):
                licensing.change_status(db, licence, "review", actor=actor, reason="x")


def test_suspend_reinstate_revoke_expire_renew(database: Database) -> None:
    _, partner, model_id, by_owner, _ = _setup(database)
    licence_id = make_licence(database, model_id, partner, status="active", satisfied=True)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = db.get(Licence, licence_id)
        assert licence is not None
        licensing.change_status(db, licence, "suspend", actor=by_owner, reason="Ei raportteja")
        licensing.change_status(db, licence, "reinstate", actor=by_owner, reason="Kunnossa")
        licensing.change_status(db, licence, "expire", actor=by_owner, reason="Kausi päättyi")
        until = licensing.today() + timedelta(days=365)
        licensing.change_status(
            db, licence, "renew", actor=by_owner, reason="Jatko", valid_until=until
        )
        # Conditions were met before: renewal goes straight back to active.
        assert (licence.status, licence.valid_until) == (LicenceStatus.ACTIVE, until)
        licensing.change_status(db, licence, "revoke", actor=by_owner, reason="Sopimusrikko")
        with pytest.raises(Conflict):
            licensing.change_status(db, licence, "reinstate", actor=by_owner, reason="x")


def test_licences_past_their_end_date_expire(database: Database) -> None:
    _, partner, model_id, _, _ = _setup(database)
    licence_id = make_licence(database, model_id, partner, status="active", satisfied=True)
    with database.unit_of_work() as db:
        licence = db.get(Licence, licence_id)
        assert licence is not None
        licence.valid_until = licensing.today() - timedelta(days=1)
    # Before the daily job has run, enforcement already refuses it.
    with database.unit_of_work() as db, pytest.raises(LicenceRequired):
        require_active_licence(db, partner.id, "mentor_buddy", "read")
    with context.cross_tenant("test"), database.unit_of_work() as db:
        expired = licensing.expire_due_licences(db)
        assert [lic.id for lic in expired] == [licence_id]
        assert licensing.events_of(db, licence_id)[-1].actor_id is None  # the platform did it


def test_enforcement_needs_an_active_licence_and_suspension_stops_new_work(
    database: Database,
) -> None:
    owner, partner, model_id, by_owner, _ = _setup(database)
    with database.unit_of_work() as db:
        with pytest.raises(LicenceRequired) as caught:
            require_active_licence(db, partner.id, "mentor_buddy", "intake")
        assert caught.value.status == 403 and caught.value.code == "licence_required"
        assert "POST /api/v1/licences" in caught.value.detail  # says how to apply
    licence_id = make_licence(database, model_id, partner, status="active", satisfied=True)
    with database.unit_of_work() as db:
        for operation in ("intake", "match", "directory", "logo", "read"):
            assert (
                require_active_licence(db, partner.id, "mentor_buddy", operation).id == licence_id
            )
        # a licence of one module does not open another
        with pytest.raises(LicenceRequired):
            require_active_licence(db, partner.id, "support_person", "read")
        # nor does another tenant's licence
        with pytest.raises(LicenceRequired):
            require_active_licence(db, owner.id, "mentor_buddy", "read")
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = db.get(Licence, licence_id)
        assert licence is not None
        licensing.change_status(db, licence, "suspend", actor=by_owner, reason="Selvitys")
    with database.unit_of_work() as db:
        for operation in sorted(licensing.NEW_WORK_OPERATIONS):
            with pytest.raises(LicenceRequired) as caught:
                require_active_licence(db, partner.id, "mentor_buddy", operation)
            assert "suspended" in caught.value.detail
        # reads of existing people and history stay allowed
        assert require_active_licence(db, partner.id, "mentor_buddy", "read").id == licence_id


def test_one_live_application_per_model_and_area(database: Database) -> None:
    _, _partner, model_id, _, by_partner = _setup(database)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licensing.apply_for_licence(db, actor=by_partner, model_id=model_id, area="Turku")
    with (
        pytest.raises(Conflict, match="already"),
        context.cross_tenant("test"),
        database.unit_of_work() as db,
    ):
        licensing.apply_for_licence(db, actor=by_partner, model_id=model_id, area="turku")
    with context.cross_tenant("test"), database.unit_of_work() as db:
        other = licensing.apply_for_licence(
            db, actor=by_partner, model_id=model_id, area="Naantali"
        )
        assert other.status == LicenceStatus.APPLIED


def test_transitions_refuse_to_run_outside_cross_tenant(database: Database) -> None:
    _, _, model_id, _, by_partner = _setup(database)
    with pytest.raises(RuntimeError, match="cross_tenant"), database.unit_of_work() as db:
        licensing.apply_for_licence(db, actor=by_partner, model_id=model_id, area="Salo")
    assert uuid.UUID(str(model_id))
