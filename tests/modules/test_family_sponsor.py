"""Perhekummi through the API: the family's own sense of need, neuvola age, the guidance."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import Volunteer
from tukiverkko.tenants.licensing import today


def test_intake_records_the_familys_own_need_for_coordinators_only(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key="family_sponsor", name="Perhekummit")
    coordinator = token_for(client, org, Role.COORDINATOR)
    year = today().year
    base = {
        "programme_id": str(programme_id),
        "kind": "family",
        "name": "Perhe Virtanen",
        "source": "referrer",
        "referrer_organisation": "Turun kaupungin perhetyö",
        "consent_given_by": "Äiti Liisa",
        "need_scale": 4,
        "need_text": "Kaipaamme aikuista juttuseuraa ja apua arjen jaksamiseen.",
        "children_birth_years": [year - 2, year - 9],
    }

    def intake(**changes: object) -> tuple[int, str | None, dict]:  # type: ignore[type-arg]
        resp = client.post(
            "/api/v1/family-sponsor/intakes", json={**base, **changes}, headers=coordinator
        )
        return resp.status_code, None if resp.status_code == 201 else resp.json["code"], resp.json

    # The core's intake cannot bypass the question of need.
    plain = {k: v for k, v in base.items() if k not in ("need_scale", "need_text")}
    plain.pop("children_birth_years")
    bypass = client.post("/api/v1/participants", json=plain, headers=coordinator)
    assert bypass.status_code == 422 and bypass.json["code"] == "family_need_required"
    # Neuvola age: at least one child under seven.
    assert intake(children_birth_years=[year - 9, year - 12])[:2] == (
        422,
        "participant_not_eligible",
    )
    assert intake(need_scale=0)[:2] == (422, "validation_failed")
    # Who starts it: a municipal worker or the family itself, not the guardian as such.
    assert intake(source="guardian")[:2] == (422, "intake_source_not_allowed")
    status, _code, family = intake()
    assert status == 201, family
    assert intake(source="self", referrer_organisation="")[0] == 201
    need = client.get(
        f"/api/v1/family-sponsor/participants/{family['id']}/need", headers=coordinator
    )
    assert need.status_code == 200
    assert (need.json["need_scale"], need.json["need_text"]) == (4, base["need_text"])
    assert need.json["children_birth_years"] == sorted(base["children_birth_years"])  # type: ignore[type-var]
    # Coordinators only: a volunteer never reads the family's words.
    volunteer = token_for(client, org, Role.VOLUNTEER)
    assert (
        client.get(
            f"/api/v1/family-sponsor/participants/{family['id']}/need", headers=volunteer
        ).status_code
        == 404
    )


def test_a_sponsor_acknowledges_she_is_not_a_babysitter_or_home_help_before_approval(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key="family_sponsor", name="Perhekummit")
    vid = make_volunteer(database, org, programme_id, linked=True)
    with in_tenant(database, org) as db:  # interviewed, checked and trained
        volunteer = db.get(Volunteer, vid)
        assert volunteer is not None
        volunteer.check_recorded_at = volunteer.training_completed_at = utcnow() - timedelta(days=1)
    coordinator = token_for(client, org, Role.COORDINATOR)
    me = token_for(client, org, Role.VOLUNTEER)
    client.post(
        f"/api/v1/volunteers/{vid}/interview-notes", json={"text": "ok"}, headers=coordinator
    )
    refused = client.post(f"/api/v1/volunteers/{vid}/approve", headers=coordinator)
    assert refused.status_code == 409 and refused.json["code"] == "guidance_not_acknowledged"
    english = {**me, "Accept-Language": "en"}
    guidance = client.get("/api/v1/family-sponsor/guidance", headers=english).json
    assert any("babysitter" in line and "home help" in line for line in guidance["guidance"])
    url = f"/api/v1/family-sponsor/volunteers/{vid}/guidance-acknowledgement"
    stale = client.post(url, json={"version": "old"}, headers=me)
    assert stale.status_code == 409 and stale.json["code"] == "guidance_version_outdated"
    done = client.post(url, json={"version": guidance["version"]}, headers=me)
    assert done.status_code == 201 and done.json["acknowledged_at"]
    approved = client.post(f"/api/v1/volunteers/{vid}/approve", headers=coordinator)
    assert approved.status_code == 200, approved.text
    # The module lists the guidance among its requirements.
    modules = client.get("/api/v1/modules", headers=coordinator).json
    items = modules["items"] if isinstance(modules, dict) else modules
    sponsor = next(m for m in items if m["key"] == "family_sponsor")
    assert any("babysitter" in r for r in sponsor["volunteer_requirements"])
