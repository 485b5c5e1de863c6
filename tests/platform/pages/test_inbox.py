"""The notifications inbox: one's own notifications, marking read, choices per kind and channel."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.factories import make_org, sign_in_web
from tests.platform.pages.webb_support import post_form
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.notifications import Notification, NotificationOptOut


def _notes(database: Database, org, role: Role, count: int) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    ids = []
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        for n in range(count):
            note = Notification(
                user_id=org.people[role],
                kind="announcement",
                params={"subject": f"Tiedote {n}", "body": f"Sisältö {n}", "organisation": "X"},
                delivery_key=f"test:{uuid.uuid4()}",
            )
            db.add(note)
            db.flush()
            ids.append(note.id)
    return ids


def test_a_volunteer_reads_and_marks_their_notifications(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)  # the factory gives the volunteer one notification ("Tervetuloa")
    sign_in_web(client, org, Role.VOLUNTEER)
    page = client.get(f"/t/{org.slug}/inbox?lang=en")
    assert page.status_code == 200
    assert "Tervetuloa" in page.text
    assert "Notifications (1 unread)" in page.text  # the menu item carries the count
    url = f"/t/{org.slug}/inbox/{org.notification_id}/read"
    resp = post_form(client, url, {"back": f"/t/{org.slug}/inbox"}, page=f"/t/{org.slug}/inbox")
    assert resp.status_code == 302
    page = client.get(f"/t/{org.slug}/inbox?lang=en")
    assert "Notifications (1 unread)" not in page.text and "Mark read" not in page.text
    assert "Tervetuloa" not in client.get(f"/t/{org.slug}/inbox?unread=1").text


def test_no_one_sees_another_persons_or_organisations_notifications(
    client: FlaskClient, database: Database
) -> None:
    a, b = make_org(database), make_org(database)
    _notes(database, a, Role.COORDINATOR, 1)
    sign_in_web(client, b, Role.VOLUNTEER)
    # another organisation's notification id: 404, and not marked read
    page = client.get(f"/t/{b.slug}/inbox").text
    resp = post_form(
        client, f"/t/{b.slug}/inbox/{a.notification_id}/read", {}, page=f"/t/{b.slug}/inbox"
    )
    assert resp.status_code == 404
    assert "Tiedote 0" not in page
    # a colleague's in the same organisation: 404 too
    colleague = _notes(database, b, Role.COORDINATOR, 1)[0]
    resp = post_form(client, f"/t/{b.slug}/inbox/{colleague}/read", {}, page=f"/t/{b.slug}/inbox")
    assert resp.status_code == 404
    with context.bind(tenant_id=a.id), database.unit_of_work() as db:
        assert db.get(Notification, a.notification_id).read_at is None  # type: ignore[union-attr]


def test_the_inbox_pages_and_its_queries_do_not_grow_with_the_page(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    sign_in_web(client, org, Role.COORDINATOR)
    engine = app.extensions["tukiverkko.db"].engine
    counts = []
    for total in (2, 30):
        _notes(database, org, Role.COORDINATOR, total - (2 if total == 30 else 0))
        statements: list[str] = []

        def count(*args, _into=statements, **kwargs):  # type: ignore[no-untyped-def]
            _into.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            page = client.get(f"/t/{org.slug}/inbox")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert 'rel="next"' in page.text  # 30 > one page of 25
    next_url = page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "Tiedote" in client.get(next_url.replace("&amp;", "&")).text


def test_turning_a_kind_off_per_channel_and_essential_ones_stay(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    sign_in_web(client, org, Role.VOLUNTEER)
    url = f"/t/{org.slug}/inbox/preferences"
    page = client.get(url + "?lang=en")
    assert page.status_code == 200
    assert "cannot be turned off" in page.text
    assert 'name="invitation__email"' not in page.text  # essential: no checkbox
    # Keep announcements in the app, not by email (an unchecked box is "off").
    resp = post_form(client, url, {"announcement__in_app": "y"})
    assert resp.status_code == 302
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        off = db.execute(
            select(NotificationOptOut.kind, NotificationOptOut.channel).where(
                NotificationOptOut.user_id == org.people[Role.VOLUNTEER]
            )
        ).all()
    assert ("announcement", "email") in off and ("announcement", "in_app") not in off
    page = client.get(url).text
    boxes = {
        name: tag
        for tag, name in re.findall(r'(<input[^>]*name="(announcement__\w+)"[^>]*>)', page)
    }
    assert "checked" in boxes["announcement__in_app"]
    assert "checked" not in boxes["announcement__email"]
