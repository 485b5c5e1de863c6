"""Partners publish their own events on the national directory: only under a licence in force."""

from __future__ import annotations

import uuid
from datetime import timedelta

import icalendar
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import Org, make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import event_publishing, events
from tukiverkko.platform.primitives.models import Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import Event, EventKind
from tukiverkko.tenants import directory
from tukiverkko.tenants.licensing import LicenceRequired
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus


def _event(
    database: Database, org: Org, programme_id: uuid.UUID, title: str, days: int
) -> uuid.UUID:
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        return events.create_event(
            db,
            programme,
            kind=EventKind.OUTING,
            title=title,
            description="Retki Ruissaloon, eväät mukaan.",
            starts_at=utcnow() + timedelta(days=days),
            location="Ruissalo",
            capacity=10,
            created_by=org.people[Role.COORDINATOR],
        ).id


def _publish(database: Database, org: Org, event_id: uuid.UUID) -> None:
    with in_tenant(database, org) as db:
        event = db.get(Event, event_id)
        assert event is not None
        programme = db.get(Programme, event.programme_id)
        assert programme is not None
        event_publishing.publish(db, event, programme, actor_id=org.people[Role.COORDINATOR])


def _licence_of(database: Database, org: Org) -> Licence:
    with database.unit_of_work() as db:
        licence = db.scalar(select(Licence).where(Licence.partner_tenant_id == org.id))
        assert licence is not None
        return licence


def _set_licence(database: Database, licence_id: uuid.UUID, status: LicenceStatus) -> None:
    with database.unit_of_work() as db:
        licence = db.get(Licence, licence_id)
        assert licence is not None
        licence.status = status


def _listed(database: Database) -> list[str]:
    with context.cross_tenant("test"), database.unit_of_work() as db:
        return [e["title"] for e in directory.directory(db)["events"]]


def test_published_upcoming_events_of_licensed_partners_are_listed(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    shown = _event(database, org, programme_id, "Kesäretki", 10)
    hidden = _event(database, org, programme_id, "Sisäinen ilta", 5)  # not published
    cancelled = _event(database, org, programme_id, "Peruttu", 7)
    _publish(database, org, shown)
    _publish(database, org, cancelled)
    with in_tenant(database, org) as db:
        event = db.get(Event, cancelled)
        assert event is not None
        events.cancel_event(db, event, actor_id=org.people[Role.COORDINATOR])
        past = db.get(Event, hidden)
        assert past is not None
        with pytest.raises(Conflict):  # a started event cannot be published
            past.starts_at = utcnow() - timedelta(hours=1)
            event_publishing.publish(
                db, past, db.get(Programme, programme_id), actor_id=org.people[Role.COORDINATOR]
            )  # type: ignore[arg-type]
    assert _listed(database) == ["Kesäretki"]
    licence = _licence_of(database, org)
    _set_licence(database, licence.id, LicenceStatus.SUSPENDED)
    assert _listed(database) == []  # off the national site with the licence
    with in_tenant(database, org) as db, pytest.raises(LicenceRequired):
        event = db.get(Event, shown)
        assert event is not None
        event_publishing.publish(
            db, event, db.get(Programme, programme_id), actor_id=org.people[Role.COORDINATOR]
        )  # type: ignore[arg-type]
    _set_licence(database, licence.id, LicenceStatus.ACTIVE)
    with in_tenant(database, org) as db:
        event = db.get(Event, shown)
        assert event is not None
        event_publishing.unpublish(db, event, actor_id=org.people[Role.COORDINATOR])
    assert _listed(database) == []


def test_api_publish_and_the_feeds_show_the_event_never_who_comes(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    event_id = _event(database, org, programme_id, "Kesäretki", 10)
    volunteer_id = make_volunteer(
        database, org, programme_id, approved=True, linked=True, name="Ville Salainen"
    )
    coordinator = token_for(client, org, Role.COORDINATOR)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    signed = client.post(
        f"/api/v1/events/{event_id}/signups",
        json={"volunteer_id": str(volunteer_id)},
        headers=coordinator,
    )
    assert signed.status_code == 201, signed.text
    assert client.post(f"/api/v1/events/{event_id}/publish", headers=volunteer).status_code == 403
    other = token_for(client, make_org(database), Role.COORDINATOR)
    assert client.post(f"/api/v1/events/{event_id}/publish", headers=other).status_code == 404
    published = client.post(f"/api/v1/events/{event_id}/publish", headers=coordinator)
    assert published.status_code == 200 and published.json["published_at"]

    feed = client.get("/directory.json").json
    (item,) = feed["events"]
    assert (item["title"], item["location"], item["town"]) == ("Kesäretki", "Ruissalo", "Turku")
    (activity,) = feed["activities"]
    assert [e["id"] for e in activity["upcoming_events"]] == [str(event_id)]
    page = client.get("/directory?lang=fi", headers={"Accept": "text/html"})
    assert "Kesäretki" in page.text
    ics = client.get("/directory.ics")
    calendar = icalendar.Calendar.from_ical(ics.data)
    uids = [str(e["uid"]) for e in calendar.walk("VEVENT")]
    assert f"event-{event_id}@127.0.0.1:5000" in uids
    for body in (client.get("/directory.json").text, page.text, ics.data.decode()):
        assert "Ville Salainen" not in body and str(volunteer_id) not in body
    with in_tenant(database, org) as db:
        assert db.get(Volunteer, volunteer_id) is not None
    gone = client.post(f"/api/v1/events/{event_id}/unpublish", headers=coordinator)
    assert gone.status_code == 200 and gone.json["published_at"] is None
    assert client.get("/directory.json").json["events"] == []
