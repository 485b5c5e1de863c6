"""In-app inbox, preferences and announcements (through the outbox, in-process)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_org, token_for
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.identity.service import create_user
from tukiverkko.platform.notifications import Notification, announce


def _recipients(app: Flask) -> list[str]:
    folder: Path = app.config["TUKIVERKKO_SETTINGS"].mail_dir
    return sorted(
        str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"])
        for p in folder.glob("*.eml")
    )


def test_inbox_lists_marks_read_and_hides_colleagues_notifications(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    page = client.get("/api/v1/notifications?limit=1", headers=volunteer)
    assert page.status_code == 200, page.text
    (item,) = page.json["items"]
    assert item["id"] == str(org.notification_id) and item["read_at"] is None
    assert item["title"] == "Tervetuloa" and "Hei!" in item["body"]
    read = client.post(f"/api/v1/notifications/{org.notification_id}/read", headers=volunteer)
    assert read.status_code == 200 and read.json["read_at"]
    unread = client.get("/api/v1/notifications?unread=true", headers=volunteer)
    assert unread.json["items"] == []
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert client.get("/api/v1/notifications", headers=coordinator).json["items"] == []
    other = client.post(f"/api/v1/notifications/{org.notification_id}/read", headers=coordinator)
    assert other.status_code == 404 and other.json["code"] == "not_found"


def test_preferences_turn_off_optional_kinds_only(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    headers = token_for(client, org, Role.VOLUNTEER)
    prefs = {
        p["kind"]: p
        for p in client.get("/api/v1/notifications/preferences", headers=headers).json["items"]
    }
    assert prefs["announcement"] == {
        "kind": "announcement", "essential": False, "email": True, "in_app": True
    }  # fmt: skip
    assert prefs["password_reset"]["essential"] is True
    changed = client.patch(
        "/api/v1/notifications/preferences",
        json={"kind": "announcement", "email": False},
        headers=headers,
    )
    assert changed.status_code == 200
    assert {p["kind"]: p for p in changed.json["items"]}["announcement"]["email"] is False
    refused = client.patch(
        "/api/v1/notifications/preferences",
        json={"kind": "password_reset", "email": False},
        headers=headers,
    )
    assert refused.status_code == 409 and refused.json["code"] == "essential_notification"
    unknown = client.patch(
        "/api/v1/notifications/preferences", json={"kind": "nope"}, headers=headers
    )
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_notification_kind"


def test_an_announcement_reaches_every_volunteer_once_except_who_opted_out(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        for i in range(5):
            create_user(
                s, tenant_id=org.id, email=f"v{i}@example.fi", name=f"V {i}",
                role=Role.VOLUNTEER, password="salasana-pitka-1",
                language=("fi", "sv", "en")[i % 3],
            )  # fmt: skip
        s.execute(
            User.__table__.update()
            .where(User.email == "v4@example.fi")
            .values(status=UserStatus.DISABLED.value)
        )
    out = token_for(client, org, Role.VOLUNTEER)
    client.patch(
        "/api/v1/notifications/preferences",
        json={"kind": "announcement", "email": False},
        headers=out,
    )
    with app.app_context(), context.bind(tenant_id=org.id), database.unit_of_work() as s:
        announce(
            s,
            author_id=org.people[Role.COORDINATOR],
            organisation="Tsemppi",
            subject="Kevätretki",
            body="Lähdemme retkelle lauantaina.",
        )
    assert _recipients(app) == [f"v{i}@example.fi" for i in range(4)]
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        inbox = s.scalars(select(Notification).where(Notification.kind == "announcement")).all()
    # four new volunteers + the one who opted out of email only (+ the factory's entry)
    assert len(inbox) == 6
