"""Programme models, licences, courses and the orientation folder through the API."""

from __future__ import annotations

import email
import email.policy
import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Org, make_model_owner, make_org, token_for
from tests.platform.primitives.support import (
    activate_match,
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import matching
from tukiverkko.platform.primitives.models import (
    Participant,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import MeetingKind, MeetingLog
from tukiverkko.tenants import licensing
from tukiverkko.tenants.licensing_models import Licence

MIESKAVERIT = {
    "name": "Mieskaverit®",
    "module_key": "mentor_buddy",
    "description": "Aikuinen mies kaveriksi lapselle, joka asuu äitinsä kanssa.",
    "operating_principles": "Toiminta alkaa aina äidin omasta aloitteesta.",
    "curriculum": "Mieskaverikurssi, noin 15 tuntia.",
}


def _licensed_partner(client: FlaskClient, database: Database):  # type: ignore[no-untyped-def]
    """An owner with Mieskaverit® and a partner taken to an active licence via the API."""
    owner, partner = make_model_owner(database), make_org(database)
    staff = token_for(client, owner, Role.OWNER_STAFF)
    admin = token_for(client, partner, Role.TENANT_ADMIN)
    model = client.post("/api/v1/programme-models", json=MIESKAVERIT, headers=staff)
    assert model.status_code == 201, model.text
    model_id = model.json["id"]
    applied = client.post(
        "/api/v1/licences", json={"model_id": model_id, "area": "Turku"}, headers=admin
    )
    assert applied.status_code == 201, applied.text
    assert applied.json["status"] == "applied"
    assert {c["kind"] for c in applied.json["conditions"]} == {
        "course_completed",
        "agreement_signed",
        "resources_declared",
    }
    lid = applied.json["id"]
    for action in ("review", "grant"):
        resp = client.post(f"/api/v1/licences/{lid}/{action}", json={"reason": "ok"}, headers=staff)
        assert resp.status_code == 200, resp.text
    assert resp.json["status"] == "granted"
    resp = client.post(
        f"/api/v1/licences/{lid}/resources",
        json={"resources": "Palkattu ohjaaja, tilat ja työnohjaus."},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    resp = client.post(
        f"/api/v1/licences/{lid}/agreement",
        json={"signed_on": utcnow().date().isoformat()},
        headers=staff,
    )
    assert resp.json["status"] == "granted"
    start = (utcnow() + timedelta(days=20)).replace(microsecond=0)
    course = client.post(
        f"/api/v1/programme-models/{model_id}/courses",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=15)).isoformat(),
            "place": "Helsinki",
            "capacity": 10,
        },
        headers=staff,
    )
    assert course.status_code == 201, course.text
    enrolled = client.post(
        f"/api/v1/licences/{lid}/enrolments",
        json={"course_id": course.json["id"], "user_id": str(partner.people[Role.COORDINATOR])},
        headers=token_for(client, partner, Role.COORDINATOR),
    )
    assert enrolled.status_code == 201, enrolled.text
    done = client.post(f"/api/v1/courses/enrolments/{enrolled.json['id']}/complete", headers=staff)
    assert done.status_code == 200 and done.json["status"] == "completed"
    return owner, partner, staff, admin, model_id, lid


def test_partner_applies_owner_grants_and_course_completion_activates(
    client: FlaskClient, database: Database
) -> None:
    _owner, _partner, staff, admin, _model_id, lid = _licensed_partner(client, database)
    licence = client.get(f"/api/v1/licences/{lid}", headers=admin).json
    assert licence["status"] == "active"
    assert all(c["satisfied"] for c in licence["conditions"])
    events = client.get(f"/api/v1/licences/{lid}/events", headers=staff).json["items"]
    assert events[0]["action"] == "activate"  # newest first
    # A wrong move is a problem with a stable code.
    wrong = client.post(f"/api/v1/licences/{lid}/grant", json={"reason": "x"}, headers=staff)
    assert wrong.status_code == 409 and wrong.json["code"] == "invalid_transition"
    # Statuses are never input fields.
    sneaky = client.patch(
        f"/api/v1/licences/{lid}", json={"how_to_apply": "x", "status": "active"}, headers=admin
    )
    assert sneaky.status_code == 422
    # The partner may not decide its own licence.
    denied = client.post(f"/api/v1/licences/{lid}/suspend", json={"reason": "x"}, headers=admin)
    assert denied.status_code == 403 and denied.json["code"] == "permission_denied"


def test_orientation_folder_logo_needs_an_active_licence(
    client: FlaskClient, database: Database
) -> None:
    _owner, partner, staff, _admin, model_id, lid = _licensed_partner(client, database)
    uploads = {}
    for kind, name, body in (
        ("logo", "mieskaverit-logo.png", b"\x89PNG logo"),
        ("training", "koulutusrunko.pdf", b"%PDF koulutus"),
    ):
        resp = client.post(
            f"/api/v1/programme-models/{model_id}/materials",
            query_string={"kind": kind, "title": name},
            data={"file": (io.BytesIO(body), name)},
            headers=staff,
            content_type="multipart/form-data",
        )
        assert resp.status_code == 201, resp.text
        uploads[kind] = (resp.json["id"], body)
    coordinator = token_for(client, partner, Role.COORDINATOR)
    listed = client.get(f"/api/v1/programme-models/{model_id}/materials", headers=coordinator)
    assert {m["kind"] for m in listed.json["items"]} == {"logo", "training"}
    for kind, (material_id, body) in uploads.items():
        link = client.get(f"/api/v1/materials/{material_id}/link", headers=coordinator)
        assert link.status_code == 200, link.text
        url = urlsplit(link.json["url"])
        downloaded = client.get(url.path)  # the signed link itself is the permission
        assert downloaded.status_code == 200 and downloaded.data == body, kind
        assert "attachment" in downloaded.headers["Content-Disposition"]
    tampered = client.get(url.path[:-3] + "AAA")
    assert tampered.status_code == 404

    client.post(f"/api/v1/licences/{lid}/suspend", json={"reason": "Selvitys"}, headers=staff)
    logo = client.get(f"/api/v1/materials/{uploads['logo'][0]}/link", headers=coordinator)
    assert logo.status_code == 403 and logo.json["code"] == "licence_required"
    assert "suspended" in logo.json["detail"]
    training = client.get(f"/api/v1/materials/{uploads['training'][0]}/link", headers=coordinator)
    assert training.status_code == 200  # reads stay allowed while suspended

    client.post(f"/api/v1/licences/{lid}/revoke", json={"reason": "Loppu"}, headers=staff)
    gone = client.get(f"/api/v1/materials/{uploads['training'][0]}/link", headers=coordinator)
    assert gone.status_code == 403 and gone.json["code"] == "licence_required"


def test_owner_sees_counts_and_never_the_partners_people(
    client: FlaskClient, database: Database
) -> None:
    _owner, partner, staff, admin, model_id, lid = _licensed_partner(client, database)
    seeded = _seed_partner_activity(database, partner)
    overview = client.get(f"/api/v1/programme-models/{model_id}/overview", headers=staff)
    assert overview.status_code == 200, overview.text
    (row,) = overview.json["items"]
    assert row["status"] == "active"
    # The owner sees counts about people under 5 as "<5"; its own course completions as they are.
    assert row["counts"] == {
        "trained_coordinators": "1",
        "active_volunteers": "<5",
        "active_matches": "<5",
        "meetings_last_90_days": "<5",
        "trained_volunteers_this_year": "<5",
    }
    # The exact figures behind them (what the partner itself sees in its yearly report).
    with context.cross_tenant("test: exact counts"), database.unit_of_work() as db:
        licence = db.get(Licence, uuid.UUID(lid))
        assert licence is not None
        assert licensing.partner_figures(db, licence)["counts"] == {
            "trained_coordinators": 1,
            "active_volunteers": 2,  # approved or active; not paused, ended or still applying
            "active_matches": 1,
            "meetings_last_90_days": 2,  # not the one 120 days ago, nor the withdrawn one
            "trained_volunteers_this_year": 3,  # not last year's, nor the untrained
        }
    assert row["partner_name"].startswith("Yhdistys")
    # Every person record of the partner is out of reach: 404 by id, absent from lists.
    for role, user_id in partner.people.items():
        resp = client.get(f"/api/v1/users/{user_id}", headers=staff)
        assert resp.status_code == 404, role
    for collection, ids in seeded["ids"].items():
        for record_id in ids:
            resp = client.get(f"/api/v1/{collection}/{record_id}", headers=staff)
            assert resp.status_code == 404, f"{collection}/{record_id}: {resp.status_code}"
    for text in seeded["personal"]:
        assert text not in overview.text, text
    secrets = (
        {str(u) for u in partner.people.values()}
        | set(partner.emails.values())
        | seeded["personal"]
        | {str(i) for ids in seeded["ids"].values() for i in ids}
    )
    for path in (
        "/api/v1/users",
        "/api/v1/licences",
        f"/api/v1/licences/{lid}",
        f"/api/v1/licences/{lid}/events",
        f"/api/v1/licences/{lid}/enrolments",
        f"/api/v1/programme-models/{model_id}/overview",
        f"/api/v1/programme-models/{model_id}/courses",
    ):
        resp = client.get(path, headers=staff)
        assert resp.status_code == 200, path
        leaked = [s for s in secrets if s in resp.text]
        # the admin's id may appear as who declared the resources; never anyone else
        leaked = [s for s in leaked if s != str(partner.people[Role.TENANT_ADMIN])]
        assert not leaked, f"{path} shows {leaked}"
    # A partner cannot see another partner's licence, nor the overview.
    other = make_org(database)
    other_admin = token_for(client, other, Role.TENANT_ADMIN)
    assert client.get(f"/api/v1/licences/{lid}", headers=other_admin).status_code == 404
    assert client.get("/api/v1/licences", headers=other_admin).json["items"] == []
    forbidden = client.get(f"/api/v1/programme-models/{model_id}/overview", headers=admin)
    assert forbidden.status_code == 403


def _seed_partner_activity(database: Database, partner: Org) -> dict[str, Any]:
    """Volunteers, participants, matches and meetings of the partner with known counts."""
    programme_id = make_programme(database, partner)
    this_year = datetime(licensing.today().year, 6, 1, tzinfo=UTC)
    last_year = this_year.replace(year=this_year.year - 1)
    people = {
        key: {"name": f"Henkilö {key} {uuid.uuid4().hex[:6]}", "email": f"{uuid.uuid4().hex}@ex.fi"}
        for key in ("free", "matched", "paused", "applying", "ended")
    }
    vol = {
        key: make_volunteer(database, partner, programme_id, approved=key != "applying", **who)
        for key, who in people.items()
    }
    participants = {
        key: make_participant(
            database, partner, programme_id, name=f"Lapsi {uuid.uuid4().hex[:6]}",
            contact_name=f"Äiti {uuid.uuid4().hex[:6]}", contact_email=f"{uuid.uuid4().hex}@ex.fi",
        )
        for key in ("active", "proposed")
    }  # fmt: skip
    coordinator = partner.people[Role.COORDINATOR]
    with in_tenant(database, partner) as db:
        programme = db.get(Programme, programme_id)
        matches = {
            key: matching.propose(
                db,
                programme,
                db.get(Participant, participants[key]),
                db.get(Volunteer, vol[volunteer]),
                actor_id=coordinator,
            ).id
            for key, volunteer in (("active", "matched"), ("proposed", "free"))
        }
    activate_match(database, partner, matches["active"], days_ago=200)
    today = licensing.today()
    with in_tenant(database, partner) as db:
        for key, status, trained in (
            ("free", VolunteerStatus.APPROVED, this_year),
            ("matched", VolunteerStatus.ACTIVE, this_year),
            ("paused", VolunteerStatus.PAUSED, this_year),
            ("applying", VolunteerStatus.APPLIED, None),
            ("ended", VolunteerStatus.ENDED, last_year),
        ):
            volunteer = db.get(Volunteer, vol[key])
            assert volunteer is not None
            volunteer.status, volunteer.training_completed_at = status, trained
        for days_ago, withdrawn in ((0, False), (30, False), (45, True), (120, False)):
            db.add(
                MeetingLog(
                    match_id=matches["active"],
                    volunteer_id=vol["matched"],
                    met_on=today - timedelta(days=days_ago),
                    minutes=60,
                    kind=MeetingKind.MEETING,
                    note="Kävimme uimahallissa.",
                    logged_by=coordinator,
                    withdrawn_at=utcnow() if withdrawn else None,
                )
            )
    personal = {who[f] for who in people.values() for f in ("name", "email")}
    with in_tenant(database, partner) as db:
        for pid in participants.values():
            p = db.get(Participant, pid)
            assert p is not None
            personal |= {p.name, p.contact_name, p.contact_email}
    return {
        "ids": {
            "volunteers": list(vol.values()),
            "participants": list(participants.values()),
            "matches": list(matches.values()),
        },
        "personal": personal,
    }


def _licence_news(client: FlaskClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    page = client.get("/api/v1/notifications?limit=100", headers=headers)
    assert page.status_code == 200, page.text
    return [n for n in page.json["items"] if n["kind"] == "licence_changed"]


def _mail_to(app: Flask, address: str) -> list[str]:
    folder: Path = app.config["TUKIVERKKO_SETTINGS"].mail_dir
    found = []
    for path in folder.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(message["To"]) == address:
            found.append(str(message["Subject"]))
    return found


def test_licence_decisions_reach_both_sides(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    owner, partner, staff, admin, _model_id, lid = _licensed_partner(client, database)
    resp = client.post(
        f"/api/v1/licences/{lid}/suspend", json={"reason": "Vuosiraportti puuttuu"}, headers=staff
    )
    assert resp.status_code == 200, resp.text
    for who, headers in (("partner admin", admin), ("owner staff", staff)):
        news = _licence_news(client, headers)
        # applied, under review, granted, active, suspended: one each, newest first
        assert len(news) == 5, f"{who}: {[n['title'] for n in news]}"
        latest = news[0]
        # in the recipient's language (Finnish, the default): "keskeytetty" = suspended
        assert "Mieskaverit®" in latest["title"] and "keskeytetty" in latest["title"], who
        assert "Vuosiraportti puuttuu" in latest["body"] and "Turku" in latest["body"], who
    # Email too, per the kind's channels, to the same people.
    for address in (partner.emails[Role.TENANT_ADMIN], owner.emails[Role.OWNER_STAFF]):
        subjects = _mail_to(app, address)
        assert sum("keskeytetty" in s for s in subjects) == 1, (address, subjects)
    # No one else hears of it: the partner's coordinator and volunteer, another partner.
    assert _licence_news(client, token_for(client, partner, Role.COORDINATOR)) == []
    other = make_org(database)
    assert _licence_news(client, token_for(client, other, Role.TENANT_ADMIN)) == []
