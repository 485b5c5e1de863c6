"""Vertaisvanhemmuus through the API: venues per locality, the activity calendar, volunteer
families signing up to visits (places limited), visit reports with numbers and no names."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import make_org, token_for
from tests.modules.support import add_volunteer_account
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import Volunteer
from tukiverkko.platform.primitives.models_followup import Event

KEY = "peer_parents"


def test_calendar_signups_and_reports(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key=KEY, name="Vertaisvanhemmat")
    coordinator = token_for(client, org, Role.COORDINATOR)
    base = f"/api/v1/peer-parents/programmes/{programme_id}"
    venues = {}
    for locality, name, kind in (
        ("Turku", "Runosmäen neuvola", "neuvola"),
        ("Turku", "Puolalan koulu", "school"),
        ("Salo", "Avoin perhekerho", "club"),
    ):
        made = client.post(
            f"{base}/venues",
            json={"locality": locality, "name": name, "kind": kind},
            headers=coordinator,
        )
        assert made.status_code == 201, made.text
        venues[name] = made.json["id"]
    visits = {}
    for days, venue, transition, title in (
        (5, "Runosmäen neuvola", "expecting", "Perhevalmennus"),
        (12, "Puolalan koulu", "school", "Vanhempainilta ekaluokkalaisille"),
        (8, "Avoin perhekerho", "day_care", "Kerhoaamu"),
    ):
        made = client.post(
            f"{base}/visits",
            json={
                "venue_id": venues[venue],
                "transition": transition,
                "title": title,
                "starts_at": (utcnow() + timedelta(days=days)).isoformat(),
                "capacity": 1,
            },
            headers=coordinator,
        )
        assert made.status_code == 201, made.text
        assert made.json["venue"]["locality"] in ("Turku", "Salo")
        visits[title] = made.json["event_id"]
    # The calendar of one locality.
    turku = client.get(f"{base}/visits", query_string={"locality": "Turku"}, headers=coordinator)
    assert [v["event"]["title"] for v in turku.json["items"]] == [
        "Vanhempainilta ekaluokkalaisille",
        "Perhevalmennus",
    ]
    assert len(client.get(f"{base}/visits", headers=coordinator).json["items"]) == 3
    # A venue of another programme is not one of this programme's.
    other = make_programme(database, org, module_key=KEY, name="Toinen")
    foreign = client.post(
        f"/api/v1/peer-parents/programmes/{other}/visits",
        json={
            "venue_id": venues["Puolalan koulu"],
            "transition": "school",
            "title": "X",
            "starts_at": (utcnow() + timedelta(days=3)).isoformat(),
            "capacity": 1,
        },
        headers=coordinator,
    )
    assert foreign.status_code == 422 and foreign.json["code"] == "unknown_venue"

    # Volunteer families sign up through the core's events: one place, the next one waits.
    family = make_volunteer(database, org, programme_id, approved=True, linked=True)
    me = token_for(client, org, Role.VOLUNTEER)
    other_user, other_family = add_volunteer_account(client, database, org, "Perhe")
    second = make_volunteer(database, org, programme_id, approved=True)
    with in_tenant(database, org) as db:
        volunteer = db.get(Volunteer, second)
        assert volunteer is not None
        volunteer.user_id = other_user
    visit = visits["Perhevalmennus"]
    mine = client.post(f"/api/v1/events/{visit}/signups", json={}, headers=me)
    assert mine.status_code == 201 and mine.json["status"] == "confirmed"
    theirs = client.post(f"/api/v1/events/{visit}/signups", json={}, headers=other_family)
    assert theirs.status_code == 201 and theirs.json["status"] == "waiting"
    assert mine.json["volunteer_id"] == str(family)

    # The report, once the visit has taken place: numbers, no names or contact details.
    report_url = f"/api/v1/peer-parents/visits/{visit}/report"
    report = {
        "what_happened": "Kerroimme vauva-arjesta.",
        "parents_reached": 14,
        "families_present": 1,
    }
    early = client.put(report_url, json=report, headers=me)
    assert early.status_code == 409 and early.json["code"] == "visit_not_held"
    with in_tenant(database, org) as db:  # the visit is now in the past
        event = db.get(Event, uuid.UUID(visit))
        assert event is not None
        event.starts_at = utcnow() - timedelta(hours=2)
    named = client.put(
        report_url,
        json={**report, "what_happened": "Soita Liisalle 040 123 4567"},
        headers=me,
    )
    assert named.status_code == 422 and named.json["code"] == "report_has_contact_details"
    extra = client.put(report_url, json={**report, "parent_names": ["Liisa"]}, headers=me)
    assert extra.status_code == 422 and "parent_names" in extra.json["errors"]["json"]
    # Only a family that held a place (or staff) reports it.
    waiting = client.put(report_url, json=report, headers=other_family)
    assert waiting.status_code == 403
    written = client.put(report_url, json=report, headers=me)
    assert written.status_code == 200, written.text
    assert written.json["parents_reached"] == 14
    read = client.get(report_url, headers=coordinator).json
    assert read["what_happened"] == "Kerroimme vauva-arjesta." and read["families_present"] == 1
    # Not a visit: an ordinary event has no report.
    plain = client.post(
        "/api/v1/events",
        json={
            "programme_id": str(programme_id),
            "kind": "other",
            "title": "Kokous",
            "starts_at": (utcnow() + timedelta(days=2)).isoformat(),
            "capacity": 5,
        },
        headers=coordinator,
    )
    not_visit = client.get(
        f"/api/v1/peer-parents/visits/{plain.json['id']}/report", headers=coordinator
    )
    assert not_visit.status_code == 409 and not_visit.json["code"] == "not_a_peer_parents_visit"
