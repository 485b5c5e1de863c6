"""The start page `/t/<slug>/`: what each role needs first, at a constant number of queries."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import make_model_owner, make_org, sign_in_web
from tests.platform.primitives.support import make_participant, make_programme, make_volunteer
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role


def test_each_role_gets_its_own_start_page(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    pid = make_programme(database, org)
    make_volunteer(database, org, pid, linked=True)
    make_participant(database, org, pid, name="Eetu")
    sign_in_web(client, org, Role.VOLUNTEER)
    own = client.get(f"/t/{org.slug}/?lang=en")
    assert "Application received" in own.text and "Stop volunteering" in own.text
    assert "Eetu" not in own.text  # a volunteer never sees participants who are not his match

    coordinator = client.application.test_client()
    sign_in_web(coordinator, org, Role.COORDINATOR)
    work = coordinator.get(f"/t/{org.slug}/?lang=en")
    assert "Hello, coordinator" in work.text and "Eetu" in work.text
    assert "waiting for an interview" in work.text

    owner = make_model_owner(database)
    staff = client.application.test_client()
    sign_in_web(staff, owner, Role.OWNER_STAFF)
    start = staff.get(f"/t/{owner.slug}/?lang=en")
    assert start.status_code == 200 and "Eetu" not in start.text


def _count_queries(app: Flask, fetch) -> int:  # type: ignore[no-untyped-def]
    engine = app.extensions["tukiverkko.db"].engine
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert fetch().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_work_queue_costs_the_same_queries_for_3_or_30_people(
    app: Flask, database: Database
) -> None:
    counts = []
    for size in (3, 30):
        org = make_org(database)
        pid = make_programme(database, org)
        for _ in range(size):
            make_volunteer(database, org, pid)
            make_participant(database, org, pid)
        client = app.test_client()
        sign_in_web(client, org, Role.COORDINATOR)
        for path in ("work/", "work/volunteers", "work/participants"):
            url = f"/t/{org.slug}/{path}"
            counts.append(_count_queries(app, lambda c=client, u=url: c.get(u)))
    assert counts[:3] == counts[3:], counts
