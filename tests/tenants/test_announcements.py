"""A model owner announces to all its licensed partners' coordinators, learning only counts."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import (
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
    token_for,
)
from tukiverkko.platform import context
from tukiverkko.platform.audit import AuditEvent
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import create_user
from tukiverkko.platform.notifications import Notification
from tukiverkko.tenants.models import TenantStatus


def _mailed(app: Flask) -> list[str]:
    folder: Path = app.config["TUKIVERKKO_SETTINGS"].mail_dir
    return sorted(
        str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"])
        for p in folder.glob("*.eml")
    )


def test_owner_announcement_reaches_licensed_partners_coordinators_only(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    owner, other_owner = make_model_owner(database), make_model_owner(database)
    model = make_programme_model(database, owner)
    turku, oulu, rejected, elsewhere, suspended_org = (make_org(database) for _ in range(5))
    make_licence(database, model, turku, status="active", satisfied=True)
    make_licence(database, model, oulu, status="granted")
    make_licence(database, model, rejected, status="rejected")
    make_licence(database, make_programme_model(database, other_owner), elsewhere, status="active")
    make_licence(database, model, suspended_org, status="active")
    with context.cross_tenant("test"), database.unit_of_work() as s:
        from tukiverkko.tenants.models import Tenant

        tenant = s.get(Tenant, suspended_org.id)
        assert tenant is not None
        tenant.status = TenantStatus.SUSPENDED
    with context.bind(tenant_id=oulu.id), database.unit_of_work() as s:
        create_user(
            s, tenant_id=oulu.id, email="toinen@oulu.example", name="Toinen",
            role=Role.COORDINATOR, password="salasana-pitka-1", language="sv",
        )  # fmt: skip

    headers = token_for(client, owner, Role.OWNER_STAFF)
    sent = client.post(
        "/api/v1/announcements",
        json={"subject": "Valtakunnallinen tapaaminen", "body": "Tervetuloa Helsinkiin 5.5."},
        headers=headers,
    )
    assert sent.status_code == 202, sent.text
    # Counts, never who.
    assert sent.json == {"organisations": 2, "recipients": 3}
    assert _mailed(app) == sorted(
        [turku.emails[Role.COORDINATOR], oulu.emails[Role.COORDINATOR], "toinen@oulu.example"]
    )
    for org in (turku, oulu):
        with context.bind(tenant_id=org.id), database.unit_of_work() as s:
            inbox = s.scalars(select(Notification).where(Notification.kind == "announcement"))
            # (the factory's welcome entry of the volunteer is an announcement too)
            entries = [n for n in inbox if n.params["subject"] == "Valtakunnallinen tapaaminen"]
        assert org.people[Role.COORDINATOR] in {n.user_id for n in entries}
        assert org.people[Role.VOLUNTEER] not in {n.user_id for n in entries}
    with context.bind(tenant_id=owner.id), database.unit_of_work() as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "announcement_sent"))
    assert event.details == {"organisations": 2, "recipients": 3}


def test_only_owner_staff_may_announce_and_blank_text_is_refused(
    client: FlaskClient, database: Database
) -> None:
    owner, partner = make_model_owner(database), make_org(database)
    body = {"subject": "Hei", "body": "Tervetuloa"}
    for role in (Role.TENANT_ADMIN, Role.COORDINATOR, Role.VOLUNTEER):
        refused = client.post(
            "/api/v1/announcements", json=body, headers=token_for(client, partner, role)
        )
        assert refused.status_code == 403, (role, refused.text)
    headers = token_for(client, owner, Role.OWNER_STAFF)
    blank = client.post("/api/v1/announcements", json={**body, "body": "   "}, headers=headers)
    assert blank.status_code == 422 and blank.json["code"] == "announcement_empty"
    alone = client.post("/api/v1/announcements", json=body, headers=headers)
    assert alone.status_code == 202 and alone.json == {"organisations": 0, "recipients": 0}
