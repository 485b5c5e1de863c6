"""Mieskaverit® through the API: only the mother starts, adult men only, the staged start."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask.testing import FlaskClient

from tests.factories import Org, license_module, make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database, utcnow
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


def _active_match(database: Database, org: Org, programme_id: uuid.UUID | None = None) -> str:
    programme_id = programme_id or make_programme(database, org)
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


def test_a_man_under_18_cannot_be_approved_as_a_mieskaveri(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id, headers = _programme(client, database, org)
    vid = make_volunteer(database, org, uuid.UUID(programme_id))
    with in_tenant(database, org) as db:  # interviewed, checked and trained: only age is left
        volunteer = db.get(Volunteer, vid)
        assert volunteer is not None
        volunteer.check_recorded_at = volunteer.training_completed_at = utcnow()
    client.post(f"/api/v1/volunteers/{vid}/interview-notes", json={"text": "ok"}, headers=headers)
    facts = client.put(
        f"/api/v1/mentor-buddy/volunteers/{vid}/facts",
        json={"gender": "man", "birth_year": today().year - 17, "adult_confirmed": True},
        headers=headers,
    )
    assert facts.status_code == 200
    refused = client.post(f"/api/v1/volunteers/{vid}/approve", headers=headers)
    assert refused.status_code == 409 and refused.json["code"] == "volunteer_not_eligible"
    assert "18" in refused.json["detail"]
    assert client.get(f"/api/v1/volunteers/{vid}", headers=headers).json["status"] != "approved"


def test_outings_for_all_buddies_and_children(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    match_id = _active_match(database, org)
    coordinator = token_for(client, org, Role.COORDINATOR)
    with in_tenant(database, org) as db:
        from tukiverkko.platform.primitives.models import Match

        match = db.get(Match, uuid.UUID(match_id))
        assert match is not None
        programme_id, volunteer_id = match.programme_id, match.volunteer_id
    url = f"/api/v1/mentor-buddy/programmes/{programme_id}/outings"
    body = {
        "title": "Keilaamaan",
        "starts_at": (utcnow() + timedelta(days=10)).isoformat(),
        "location": "Turun keilahalli",
        "capacity": 3,
    }
    outing = client.post(url, json=body, headers=coordinator)
    assert outing.status_code == 201, outing.text
    assert outing.json["kind"] == "outing"  # preset: the coordinator does not choose it
    # Another kind of event of the programme is not in the outings list.
    client.post(
        "/api/v1/events",
        json={**body, "programme_id": str(programme_id), "kind": "other", "title": "Kokous"},
        headers=coordinator,
    )
    listed = client.get(url, headers=coordinator).json["items"]
    assert [e["title"] for e in listed] == ["Keilaamaan"]
    # The buddy and his child come together: two places at once.
    signups = f"/api/v1/mentor-buddy/outings/{outing.json['id']}/match-signups"
    together = client.post(signups, json={"match_id": match_id}, headers=coordinator)
    assert together.status_code == 201, together.text
    assert [s["status"] for s in together.json["items"]] == ["confirmed", "confirmed"]
    assert together.json["items"][0]["volunteer_id"] == str(volunteer_id)
    assert together.json["items"][1]["participant_id"] is not None
    # One place left: a second pair is refused rather than split, and nothing is written.
    second = _active_match(database, org, programme_id=programme_id)
    split = client.post(signups, json={"match_id": second}, headers=coordinator)
    assert split.status_code == 409 and split.json["code"] == "outing_needs_two_places"
    event_signups = client.get(
        f"/api/v1/events/{outing.json['id']}/signups", headers=coordinator
    ).json["items"]
    assert len(event_signups) == 2
    # The buddy himself sees his programme's outings.
    with in_tenant(database, org) as db:
        volunteer = db.get(Volunteer, volunteer_id)
        assert volunteer is not None
        volunteer.user_id = org.people[Role.VOLUNTEER]
    me = token_for(client, org, Role.VOLUNTEER)
    assert [e["title"] for e in client.get(url, headers=me).json["items"]] == ["Keilaamaan"]
    assert client.post(url, json=body, headers=me).status_code == 403
    # Not an outing, not a Mieskaverit® programme: refused.
    other = make_programme(database, org, module_key="support_person", name="Kaveri")
    wrong = client.post(
        f"/api/v1/mentor-buddy/programmes/{other}/outings", json=body, headers=coordinator
    )
    assert wrong.status_code == 409 and wrong.json["code"] == "not_a_mentor_buddy_programme"


def test_supervision_groups_for_the_volunteers(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    group = client.post(
        "/api/v1/supervision/groups",
        json={
            "programme_id": str(programme_id),
            "name": "Mieskaverien työnohjaus",
            "supervisor_name": "Työnohjaaja",
        },
        headers=coordinator,
    )
    assert group.status_code == 201, group.text
    member = client.post(
        f"/api/v1/supervision/groups/{group.json['id']}/members",
        json={"volunteer_id": str(volunteer_id)},
        headers=coordinator,
    )
    assert member.status_code == 201, member.text
    me = token_for(client, org, Role.VOLUNTEER)
    mine = client.get("/api/v1/supervision/groups", headers=me).json["items"]
    assert [g["name"] for g in mine] == ["Mieskaverien työnohjaus"]
