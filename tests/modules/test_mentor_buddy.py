"""Mieskaverit® through the API: only the mother starts, adult men only, the staged start."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient

from tests.factories import Org, license_module, make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import matching
from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer
from tukiverkko.tenants.licensing import today

APPLICATION = {
    "name": "Matti Mieskaveri",
    "email": "matti@example.org",
    "consent_processing": True,
    "consent_background_check": True,
    "background_check_notice_acknowledged": True,
}


def _programme(client: FlaskClient, database: Database, org: Org) -> tuple[str, dict[str, str]]:
    license_module(database, org, "mentor_buddy")
    headers = token_for(client, org, Role.COORDINATOR)
    created = client.post(
        "/api/v1/programmes",
        json={
            "module_key": "mentor_buddy",
            "name": "Mieskaverit Turku",
            "training_required": False,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json["intake_sources"] == ["guardian"]
    assert created.json["background_check_required"] is True
    assert (created.json["meetings_per_month_min"], created.json["meetings_per_month_max"]) == (
        2,
        4,
    )
    return created.json["id"], headers


def test_a_referral_is_refused_with_the_models_reason(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id, headers = _programme(client, database, org)
    intake = {
        "programme_id": programme_id,
        "kind": "child",
        "name": "Eetu",
        "consent_given_by": "Äiti Anna",
    }
    referral = client.post(
        "/api/v1/participants",
        json={**intake, "source": "referrer", "referrer_organisation": "Koulu"},
        headers=headers,
    )
    assert referral.status_code == 422
    assert referral.json["code"] == "intake_source_not_allowed"
    assert "mother" in referral.json["detail"]
    mother = client.post(
        "/api/v1/participants", json={**intake, "source": "guardian"}, headers=headers
    )
    assert mother.status_code == 201, mother.text
    # Nor can the programme be opened to referrals: a model rule, not a local setting.
    widened = client.patch(
        f"/api/v1/programmes/{programme_id}",
        json={"intake_sources": ["guardian", "referrer"]},
        headers=headers,
    )
    assert widened.status_code == 422 and widened.json["code"] == "settings_break_model_rules"
    unchecked = client.patch(
        f"/api/v1/programmes/{programme_id}",
        json={"background_check_required": False},
        headers=headers,
    )
    assert unchecked.status_code == 422 and unchecked.json["code"] == "settings_break_model_rules"


def test_only_an_adult_man_can_be_approved(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id, headers = _programme(client, database, org)
    vid = client.post(
        "/api/v1/volunteers", json={**APPLICATION, "programme_id": programme_id}, headers=headers
    ).json["id"]
    client.post(f"/api/v1/volunteers/{vid}/interview-notes", json={"text": "ok"}, headers=headers)
    check = client.post(
        f"/api/v1/volunteers/{vid}/background-checks",
        json={"extract_issued_on": (date.today() - timedelta(days=10)).isoformat()},
        headers=headers,
    )
    assert check.status_code == 201, check.text

    def approve() -> tuple[int, str | None]:
        resp = client.post(f"/api/v1/volunteers/{vid}/approve", headers=headers)
        return resp.status_code, resp.json.get("code")

    def facts(**values: object) -> None:
        resp = client.put(
            f"/api/v1/mentor-buddy/volunteers/{vid}/facts", json=values, headers=headers
        )
        assert resp.status_code == 200, resp.text

    assert approve() == (409, "volunteer_facts_missing")
    year = today().year
    facts(gender="man", birth_year=year - 17)
    assert approve() == (409, "volunteer_not_eligible")
    facts(gender="man", birth_year=year - 18)  # may still be 17: the year cannot tell
    assert approve() == (409, "volunteer_not_eligible")
    facts(gender="woman", birth_year=year - 40)
    assert approve() == (409, "volunteer_not_eligible")
    facts(gender="man", birth_year=year - 18, adult_confirmed=True)
    assert approve() == (200, None)


def test_facts_and_steps_are_staff_only_and_need_the_licence(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, linked=True)
    me = token_for(client, org, Role.VOLUNTEER)
    body = {"gender": "man", "birth_year": 1980}
    url = f"/api/v1/mentor-buddy/volunteers/{volunteer_id}/facts"
    assert client.put(url, json=body, headers=me).status_code == 403
    # A programme of another module is not Mieskaverit's to extend.
    other_programme = make_programme(database, org, module_key="support_person")
    other = make_volunteer(database, org, other_programme)
    coordinator = token_for(client, org, Role.COORDINATOR)
    wrong = client.put(
        f"/api/v1/mentor-buddy/volunteers/{other}/facts", json=body, headers=coordinator
    )
    assert wrong.status_code == 409 and wrong.json["code"] == "not_a_mentor_buddy_programme"
    unknown = client.put(url, json={**body, "ssn": "010180-123A"}, headers=coordinator)
    assert unknown.status_code == 422


def _active_match(database: Database, org: Org) -> str:
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True)
    participant_id = make_participant(database, org, programme_id)
    coordinator = org.people[Role.COORDINATOR]
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        participant = db.get(Participant, participant_id)
        volunteer = db.get(Volunteer, volunteer_id)
        assert programme and participant and volunteer
        match = matching.propose(db, programme, participant, volunteer, actor_id=coordinator)
        matching.accept_as_volunteer(db, match, actor_id=coordinator)
        matching.accept_for_participant(db, match, given_by="Äiti Anna", actor_id=coordinator)
        return str(match.id)


def test_the_staged_start_is_recorded_step_by_step_in_order(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    match_id = _active_match(database, org)
    headers = token_for(client, org, Role.COORDINATOR)
    url = f"/api/v1/mentor-buddy/matches/{match_id}/start-steps"
    first_day = today() - timedelta(days=20)

    def step(n: int, held_on: date) -> tuple[int, str | None]:
        resp = client.post(url, json={"step": n, "held_on": held_on.isoformat()}, headers=headers)
        return resp.status_code, None if resp.status_code == 201 else resp.json["code"]

    assert client.get(url, headers=headers).json == {"items": [], "next_step": 1}
    # The child is not met before the mother and the coordinator have met the volunteer.
    assert step(2, first_day) == (409, "start_step_out_of_order")
    assert step(3, first_day) == (409, "start_step_out_of_order")
    assert step(1, first_day) == (201, None)
    assert step(1, first_day) == (409, "start_step_out_of_order")
    assert step(2, first_day - timedelta(days=1)) == (422, "start_step_before_previous")
    assert step(2, today() + timedelta(days=1)) == (422, "start_step_in_future")
    assert step(2, first_day + timedelta(days=7)) == (201, None)
    assert step(3, first_day + timedelta(days=14)) == (201, None)
    assert step(3, today()) == (409, "start_complete")
    listed = client.get(url, headers=headers).json
    assert [s["step"] for s in listed["items"]] == [1, 2, 3] and listed["next_step"] is None
    assert listed["items"][0]["held_on"] == first_day.isoformat()
