"""Toiminnan Miehet through the API: the anonymous call log takes four fields and no more;
the phone line's shifts, absences and replacements; peer groups by first name; support
contacts counted; community meetings; rights and duties acknowledged first."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import Org, license_module, make_org, token_for
from tests.modules.support import add_volunteer_account, emails_sent
from tests.platform.primitives.support import make_programme, make_volunteer
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.tenants.licensing import FINLAND, today

CALL = {"duration_minutes": 25, "topic": "divorce", "referred_onward": True}


@pytest.mark.parametrize(
    "extra",
    [
        {"caller_name": "Pekka"},
        {"phone_number": "+358401234567"},
        {"note": "kertoi nimensä"},
        {"started_at": "2026-01-01T19:03:00+02:00"},
        {"volunteer_id": "00000000-0000-0000-0000-000000000001"},
    ],
    ids=lambda extra: next(iter(extra)),
)
def test_the_call_log_rejects_any_unknown_field(
    client: FlaskClient, database: Database, extra: dict[str, str]
) -> None:
    org = make_org(database)
    license_module(database, org, "mens_peer_groups")
    headers = token_for(client, org, Role.VOLUNTEER)
    body = {**CALL, "shift_date": today().isoformat(), **extra}
    resp = client.post("/api/v1/mens-peer-groups/calls", json=body, headers=headers)
    assert resp.status_code == 422 and resp.json["code"] == "validation_failed"
    assert next(iter(extra)) in resp.json["errors"]["json"]


def test_calls_are_logged_and_read_only_as_a_summary(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    body = {**CALL, "shift_date": today().isoformat()}
    # No licence, no phone line.
    refused = client.post("/api/v1/mens-peer-groups/calls", json=body, headers=volunteer)
    assert refused.status_code == 403 and refused.json["code"] == "licence_required"
    license_module(database, org, "mens_peer_groups")
    logged = client.post("/api/v1/mens-peer-groups/calls", json=body, headers=volunteer)
    assert logged.status_code == 201 and set(logged.json) == {"id"}
    other = {**body, "topic": "loneliness", "referred_onward": False, "duration_minutes": 10}
    assert (
        client.post("/api/v1/mens-peer-groups/calls", json=other, headers=volunteer).status_code
        == 201
    )
    future = {**body, "shift_date": (today() + timedelta(days=1)).isoformat()}
    late = client.post("/api/v1/mens-peer-groups/calls", json=future, headers=volunteer)
    assert late.status_code == 422 and late.json["code"] == "shift_in_future"
    assert (
        client.get("/api/v1/mens-peer-groups/calls/summary", headers=volunteer).status_code == 403
    )
    staff = token_for(client, org, Role.COORDINATOR)
    summary = client.get("/api/v1/mens-peer-groups/calls/summary", headers=staff).json["items"]
    assert summary == [
        {"topic": "divorce", "calls": 1, "minutes": 25, "referred_onward": 1},
        {"topic": "loneliness", "calls": 1, "minutes": 10, "referred_onward": 0},
    ]


# --- rights and duties, phone-line shifts --------------------------------------------


def _line(database: Database, org: Org) -> uuid.UUID:
    return make_programme(database, org, module_key="mens_peer_groups", name="MIESluuri")


def _weekly(client: FlaskClient, programme_id: uuid.UUID, headers: dict[str, str], **body: Any):  # type: ignore[no-untyped-def]
    pattern = {
        "weekdays": [1, 3],  # Tuesday and Thursday evenings
        "starts": "18:00",
        "ends": "21:00",
        "first_day": (today() + timedelta(days=1)).isoformat(),
        "weeks": 2,
        **body,
    }
    return client.post(
        f"/api/v1/mens-peer-groups/programmes/{programme_id}/shifts/weekly",
        json=pattern,
        headers=headers,
    )


def _acknowledge(client: FlaskClient, programme_id: uuid.UUID, headers: dict[str, str]) -> Any:
    url = f"/api/v1/mens-peer-groups/programmes/{programme_id}/rights-and-duties"
    version = client.get(url, headers=headers).json["version"]
    return client.post(f"{url}/acknowledgement", json={"version": version}, headers=headers)


def test_rights_and_duties_are_acknowledged_before_the_first_shift_or_group(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = _line(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    me = token_for(client, org, Role.VOLUNTEER)

    # The coordinator lays out the weekly pattern: two evenings a week, no more, no less.
    assert _weekly(client, programme_id, coordinator, weekdays=[1]).json["code"] == (
        "two_evenings_a_week"
    )
    assert _weekly(client, programme_id, me).status_code == 403
    created = _weekly(client, programme_id, coordinator)
    assert created.status_code == 201, created.text
    shifts = created.json["items"]
    assert len(shifts) == 4  # two evenings a week, for two weeks
    assert {datetime.fromisoformat(s["starts_at"]).astimezone(FINLAND).hour for s in shifts} == {18}
    assert {
        datetime.fromisoformat(s["starts_at"]).astimezone(FINLAND).weekday() for s in shifts
    } == {
        1,
        3,
    }
    # Running the pattern again adds nothing twice.
    assert _weekly(client, programme_id, coordinator).json["items"] == []
    listed = client.get(
        f"/api/v1/mens-peer-groups/programmes/{programme_id}/shifts", headers=me
    ).json["items"]
    assert len(listed) == 4 and {s["taken"] for s in listed} == {0}
    shift_id = shifts[0]["id"]

    # Neither a shift nor a group before the rights and duties are acknowledged.
    signup_url = f"/api/v1/mens-peer-groups/shifts/{shift_id}/signups"
    early = client.post(signup_url, json={}, headers=me)
    assert early.status_code == 409 and early.json["code"] == "rights_not_acknowledged"
    group_body = {"name": "Isäsakki", "theme": "Isyys", "leader_volunteer_id": str(volunteer_id)}
    groups_url = f"/api/v1/mens-peer-groups/programmes/{programme_id}/groups"
    lead = client.post(groups_url, json=group_body, headers=coordinator)
    assert lead.status_code == 409 and lead.json["code"] == "rights_not_acknowledged"

    shown = client.get(
        f"/api/v1/mens-peer-groups/programmes/{programme_id}/rights-and-duties",
        headers={**me, "Accept-Language": "en"},
    ).json
    assert shown["acknowledged_at"] is None
    assert any("decline" in r for r in shown["rights"])
    assert any("absences" in d for d in shown["duties"])
    stale = client.post(
        f"/api/v1/mens-peer-groups/programmes/{programme_id}/rights-and-duties/acknowledgement",
        json={"version": "1999-1"},
        headers=me,
    )
    assert stale.status_code == 409 and stale.json["code"] == "rights_version_outdated"
    acknowledged = _acknowledge(client, programme_id, me)
    assert acknowledged.status_code == 201 and acknowledged.json["acknowledged_at"]
    again = client.get(
        f"/api/v1/mens-peer-groups/programmes/{programme_id}/rights-and-duties", headers=me
    ).json
    assert again["acknowledged_at"] == acknowledged.json["acknowledged_at"]

    signed = client.post(signup_url, json={}, headers=me)
    assert signed.status_code == 201 and signed.json["status"] == "signed_up"
    assert client.post(signup_url, json={}, headers=me).json["code"] == "already_signed_up"
    taken = {
        s["id"]: s["taken"]
        for s in client.get(
            f"/api/v1/mens-peer-groups/programmes/{programme_id}/shifts", headers=me
        ).json["items"]
    }
    assert taken[shift_id] == 1
    assert client.post(groups_url, json=group_body, headers=coordinator).status_code == 201


def test_an_absence_asks_the_other_phone_volunteers_for_a_replacement(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = _line(database, org)
    coordinator = token_for(client, org, Role.COORDINATOR)
    shift = _weekly(client, programme_id, coordinator, places=2).json["items"][0]
    people: dict[str, tuple[uuid.UUID, dict[str, str]]] = {
        "me": (org.people[Role.VOLUNTEER], token_for(client, org, Role.VOLUNTEER))
    }
    for name in ("Pekka", "Jari", "Uusi"):
        people[name] = add_volunteer_account(client, database, org, name)
    for name, (user_id, headers) in people.items():
        from tests.platform.primitives.support import in_tenant
        from tukiverkko.platform.primitives.models import Volunteer

        vid = make_volunteer(database, org, programme_id, approved=name != "Uusi")
        with in_tenant(database, org) as db:
            volunteer = db.get(Volunteer, vid)
            assert volunteer is not None
            volunteer.user_id = user_id
        if name != "Uusi":  # not yet approved: not a phone volunteer, not asked
            assert _acknowledge(client, programme_id, headers).status_code == 201
    signups = f"/api/v1/mens-peer-groups/shifts/{shift['id']}/signups"
    for name in ("me", "Pekka"):
        assert client.post(signups, json={}, headers=people[name][1]).status_code == 201
    full = client.post(signups, json={}, headers=people["Jari"][1])
    assert full.status_code == 409 and full.json["code"] == "shift_full"

    # A volunteer reports only his own absence.
    not_mine = client.post(
        f"/api/v1/mens-peer-groups/shifts/{shift['id']}/absence",
        json={"volunteer_id": str(uuid.uuid4())},
        headers=people["me"][1],
    )
    assert not_mine.status_code == 422
    absent = client.post(
        f"/api/v1/mens-peer-groups/shifts/{shift['id']}/absence", json={}, headers=people["me"][1]
    )
    assert absent.status_code == 200, absent.text
    assert absent.json["signup"]["status"] == "absent"
    # Only Jari is asked: Pekka is on the shift, Uusi is not approved, and not the absent one.
    assert absent.json["replacement_asked_from"] == 1
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        asked = db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "notify",
                OutboxMessage.delivery_key.like("mens_peer_groups.%"),
            )
        ).all()
    # One request, to Jari (the payload is emptied once sent: the key names the person).
    assert [m.delivery_key.split(":")[-1] for m in asked] == [str(people["Jari"][0])]
    # The request reaches Jari's mailbox (in his language, Finnish), and no one else's.
    sent = [(to, subject) for to, subject in emails_sent(app) if "MIESluuri" in subject]
    assert len(sent) == 1 and sent[0][0].startswith("jari-"), sent
    # Jari takes the freed place; the staff see who is on the shift.
    assert client.post(signups, json={}, headers=people["Jari"][1]).status_code == 201
    on_shift = client.get(signups, headers=coordinator).json["items"]
    assert sorted(s["status"] for s in on_shift) == ["absent", "signed_up", "signed_up"]
    own = client.get(signups, headers=people["Pekka"][1]).json["items"]
    assert len(own) == 1


def test_shift_reminders_go_out_the_day_before_once(app: Flask, database: Database) -> None:
    from tests.platform.primitives.support import in_tenant
    from tukiverkko.modules.mens_peer_groups import service
    from tukiverkko.modules.mens_peer_groups.models import PhoneShift, ShiftSignup, SignupStatus
    from tukiverkko.workers.scheduled import DAILY_TASKS

    assert "mens_peer_groups.shift_reminders" in DAILY_TASKS
    org = make_org(database)
    programme_id = _line(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    tomorrow = today() + timedelta(days=1)
    with in_tenant(database, org) as db:
        for day in (tomorrow, tomorrow + timedelta(days=1)):
            start = datetime.combine(day, time(18), FINLAND)
            shift = PhoneShift(
                programme_id=programme_id,
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                places=2,
                created_by=org.people[Role.COORDINATOR],
            )
            db.add(shift)
            db.flush()
            db.add(
                ShiftSignup(
                    shift_id=shift.id, volunteer_id=volunteer_id, status=SignupStatus.SIGNED_UP
                )
            )
    with app.app_context():
        assert service.send_shift_reminders() == 1  # tomorrow's shift, not the one after
        assert service.send_shift_reminders() == 0  # the same day's scan again: nothing new
    mine = [s for to, s in emails_sent(app) if to == org.emails[Role.VOLUNTEER]]
    # In the volunteer's language (Finnish): "your shift tomorrow at 18:00".
    assert any("huomenna" in s and "18:00" in s for s in mine), mine


# --- peer groups, support contacts, community meetings --------------------------------


def test_peer_groups_keep_first_names_and_attendance(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = _line(database, org)
    leader_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    leader = token_for(client, org, Role.VOLUNTEER)
    assert _acknowledge(client, programme_id, leader).status_code == 201
    group = client.post(
        f"/api/v1/mens-peer-groups/programmes/{programme_id}/groups",
        json={"name": "Erosakki", "theme": "Eron jälkeen", "leader_volunteer_id": str(leader_id)},
        headers=coordinator,
    )
    assert group.status_code == 201, group.text
    members_url = f"/api/v1/mens-peer-groups/groups/{group.json['id']}/members"
    # First names or pseudonyms, nothing more: no surname, no email, no phone, no other field.
    for bad in ("Pekka Virtanen", "pekka@example.org", "0401234567"):
        refused = client.post(members_url, json={"display_name": bad}, headers=leader)
        assert refused.status_code == 422 and refused.json["code"] == "not_a_first_name", bad
    extra = client.post(
        members_url, json={"display_name": "Pekka", "birth_year": 1970}, headers=leader
    )
    assert extra.status_code == 422 and "birth_year" in extra.json["errors"]["json"]
    ids = []
    for name in ("Pekka", "Jukka-Pekka", "Karhu"):
        added = client.post(members_url, json={"display_name": name}, headers=leader)
        assert added.status_code == 201, added.text
        ids.append(added.json["id"])
    meetings_url = f"/api/v1/mens-peer-groups/groups/{group.json['id']}/meetings"
    held = client.post(
        meetings_url,
        json={"held_on": today().isoformat(), "present": ids[:2]},
        headers=leader,
    )
    assert held.status_code == 201 and held.json["present"] == 2
    twice = client.post(
        meetings_url, json={"held_on": today().isoformat(), "present": []}, headers=leader
    )
    assert twice.status_code == 409 and twice.json["code"] == "meeting_recorded"
    stranger = client.post(
        meetings_url,
        json={"held_on": (today() - timedelta(days=7)).isoformat(), "present": [str(uuid.uuid4())]},
        headers=leader,
    )
    assert stranger.status_code == 422 and stranger.json["code"] == "not_a_member"
    assert [m["present"] for m in client.get(meetings_url, headers=coordinator).json["items"]] == [
        2
    ]
    # Another volunteer does not lead the group: it does not exist for him.
    _other, other_headers = add_volunteer_account(client, database, org, "Toinen")
    assert client.get(members_url, headers=other_headers).status_code == 404


def test_support_contacts_are_counted_with_nothing_identifying(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = _line(database, org)
    make_volunteer(database, org, programme_id, approved=True, linked=True)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    url = f"/api/v1/mens-peer-groups/programmes/{programme_id}/support-contacts"
    contact = {"contact_on": today().isoformat(), "channel": "chat", "referred_onward": True}
    for extra in ({"name": "Pekka"}, {"email": "p@example.org"}, {"note": "soitti taas"}):
        refused = client.post(url, json={**contact, **extra}, headers=volunteer)
        assert refused.status_code == 422 and next(iter(extra)) in refused.json["errors"]["json"]
    assert client.post(url, json=contact, headers=volunteer).status_code == 201
    other = {**contact, "channel": "face_to_face", "referred_onward": False}
    assert client.post(url, json=other, headers=volunteer).status_code == 201
    assert client.post(url, json=other, headers=volunteer).status_code == 201
    assert client.get(f"{url}/summary", headers=volunteer).status_code == 403
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert client.get(f"{url}/summary", headers=coordinator).json["items"] == [
        {"channel": "chat", "contacts": 1, "referred_onward": 1},
        {"channel": "face_to_face", "contacts": 2, "referred_onward": 0},
    ]


def test_community_meetings_twice_regional_and_once_national_a_year(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = _line(database, org)
    make_volunteer(database, org, programme_id, approved=True, linked=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    url = f"/api/v1/mens-peer-groups/programmes/{programme_id}/community-meetings"
    year = today().year + 1
    spring = datetime(year, 4, 20, 17, tzinfo=FINLAND).isoformat()
    created = client.post(
        url,
        json={
            "scope": "regional",
            "title": "Kevään aluetapaaminen",
            "starts_at": spring,
            "location": "Turku",
            "capacity": 40,
        },
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    assert created.json["event"]["kind"] == "group_meeting"
    the_year = client.get(url, query_string={"year": year}, headers=coordinator).json
    assert the_year["expected"] == {"regional": 2, "national": 1}
    assert the_year["planned"] == {"regional": 1, "national": 0}
    # A volunteer sees the meetings and signs up through the core's events.
    volunteer = token_for(client, org, Role.VOLUNTEER)
    listed = client.get(url, query_string={"year": year}, headers=volunteer).json["items"]
    assert [m["scope"] for m in listed] == ["regional"]
    joined = client.post(
        f"/api/v1/events/{created.json['event']['id']}/signups", json={}, headers=volunteer
    )
    assert joined.status_code == 201 and joined.json["status"] == "confirmed"
