"""Supervision groups (työnohjaus) and events with a waiting list: services, then the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.platform.primitives import events, supervision
from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import (
    Event,
    EventKind,
    EventSignup,
    SignupStatus,
    SupervisionGroup,
)


def test_supervision_members_sessions_and_attendance(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    other_programme = make_programme(database, org, name="Perhekummit")
    member_id = make_volunteer(database, org, programme_id, approved=True)
    outsider_id = make_volunteer(database, org, other_programme, approved=True)
    coordinator = org.people[Role.COORDINATOR]
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        member, outsider = db.get(Volunteer, member_id), db.get(Volunteer, outsider_id)
        assert programme and member and outsider
        group = supervision.create_group(
            db, programme, name="Ryhmä 1", supervisor_name="Työnohjaaja"
        )
        membership = supervision.add_member(db, group, member)
        with pytest.raises(Problem) as twice:
            supervision.add_member(db, group, member)
        assert twice.value.code == "already_member"
        with pytest.raises(Problem) as foreign:
            supervision.add_member(db, group, outsider)
        assert foreign.value.code == "volunteer_of_another_programme"
        session = supervision.schedule_session(db, group, starts_at=utcnow(), location="Tsemppi")
        row = supervision.record_attendance(
            db, session, member, attended=False, recorded_by=coordinator
        )
        corrected = supervision.record_attendance(
            db, session, member, attended=True, recorded_by=coordinator
        )
        assert corrected.id == row.id and corrected.attended
        with pytest.raises(Problem) as not_member:
            supervision.record_attendance(
                db, session, outsider, attended=True, recorded_by=coordinator
            )
        assert not_member.value.code == "not_a_member"
        supervision.leave(db, membership)
        supervision.close_group(db, group)
        with pytest.raises(Problem) as closed:
            supervision.schedule_session(db, group, starts_at=utcnow(), location="")
        assert closed.value.code == "group_closed"
        group_id = group.id
    with in_tenant(database, org) as db:
        kept = db.get(SupervisionGroup, group_id)
        assert kept is not None and kept.closed_at is not None  # closed, never deleted


def _event(database: Database, org, programme_id: uuid.UUID, capacity: int) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        return events.create_event(
            db,
            programme,
            kind=EventKind.OUTING,
            title="Linnanmäki",
            description="",
            starts_at=utcnow() + timedelta(days=7),
            location="Helsinki",
            capacity=capacity,
            created_by=org.people[Role.COORDINATOR],
        ).id


def test_full_event_queues_and_a_freed_place_promotes_the_first_waiting(
    database: Database,
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    event_id = _event(database, org, programme_id, capacity=2)
    people = [make_volunteer(database, org, programme_id, approved=True) for _ in range(3)]
    people.append(make_volunteer(database, org, programme_id, approved=True, linked=True))
    child = make_participant(database, org, programme_id)
    coordinator = org.people[Role.COORDINATOR]
    signups = []
    for volunteer_id in people:
        with in_tenant(database, org) as db:
            event, volunteer = db.get(Event, event_id), db.get(Volunteer, volunteer_id)
            assert event and volunteer
            signups.append(events.sign_up(db, event, volunteer=volunteer, signed_up_by=coordinator))
    assert [s.status for s in signups] == [
        SignupStatus.CONFIRMED,
        SignupStatus.CONFIRMED,
        SignupStatus.WAITING,
        SignupStatus.WAITING,
    ]
    with in_tenant(database, org) as db:
        event, participant = db.get(Event, event_id), db.get(Participant, child)
        assert event and participant
        waiting_child = events.sign_up(db, event, participant=participant, signed_up_by=coordinator)
        assert waiting_child.status == SignupStatus.WAITING
        with pytest.raises(Problem) as twice:
            events.sign_up(
                db, event, volunteer=db.get(Volunteer, people[0]), signed_up_by=coordinator
            )
        assert twice.value.code == "already_signed_up"

    # Cancelling a waiting place frees nothing; a confirmed one promotes the first waiting.
    with in_tenant(database, org) as db:
        assert events.cancel_signup(db, db.get(EventSignup, signups[2].id)) is None  # type: ignore[arg-type]
    with in_tenant(database, org) as db:
        promoted = events.cancel_signup(db, db.get(EventSignup, signups[0].id))  # type: ignore[arg-type]
        assert promoted is not None and promoted.id == signups[3].id
        assert promoted.status == SignupStatus.CONFIRMED and promoted.promoted_at is not None
        # The promoted volunteer has an account: told in the same transaction.
        message = db.scalar(
            select(OutboxMessage).where(OutboxMessage.delivery_key.like("event_place:%"))
        )
        assert message is not None and message.payload["kind"] == "event_place_confirmed"
    with in_tenant(database, org) as db:
        statuses = {
            s.id: s.status
            for s in db.scalars(select(EventSignup).where(EventSignup.event_id == event_id))
        }
        assert statuses[signups[0].id] == SignupStatus.CANCELLED  # kept, not deleted
        assert statuses[waiting_child.id] == SignupStatus.WAITING
        # Re-signing up after cancelling goes to the end of the queue, same row.
        again = events.sign_up(
            db,
            db.get(Event, event_id),
            volunteer=db.get(Volunteer, people[0]),
            signed_up_by=coordinator,  # type: ignore[arg-type]
        )
        assert again.id == signups[0].id and again.status == SignupStatus.WAITING
        confirmed = db.get(EventSignup, signups[1].id)
        assert confirmed is not None
        events.record_attendance(db, confirmed, attended=True)
        with pytest.raises(Problem) as waiting:
            events.record_attendance(db, again, attended=True)
        assert waiting.value.code == "signup_not_confirmed"


def test_api_events_signup_waiting_list_and_attendance(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    own = make_volunteer(database, org, programme_id, approved=True, linked=True)
    other = make_volunteer(database, org, programme_id, approved=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    created = client.post(
        "/api/v1/events",
        json={
            "programme_id": str(programme_id),
            "kind": "outing",
            "title": "Keilailu",
            "starts_at": (utcnow() + timedelta(days=3)).isoformat(),
            "capacity": 1,
        },
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    event_id = created.json["id"]
    assert (
        client.post(
            "/api/v1/events", json={**created.json, "status": "cancelled"}, headers=coordinator
        ).status_code
        == 422
    )
    first = client.post(
        f"/api/v1/events/{event_id}/signups", json={"volunteer_id": str(other)}, headers=coordinator
    )
    assert first.status_code == 201 and first.json["status"] == "confirmed"
    mine = client.post(f"/api/v1/events/{event_id}/signups", json={}, headers=volunteer)
    assert mine.status_code == 201 and mine.json["status"] == "waiting"
    assert mine.json["volunteer_id"] == str(own)
    not_me = client.post(
        f"/api/v1/events/{event_id}/signups", json={"volunteer_id": str(other)}, headers=volunteer
    )
    assert not_me.status_code == 422
    # A volunteer sees only their own sign-ups, and not others' sign-up ids.
    listed = client.get(f"/api/v1/events/{event_id}/signups", headers=volunteer)
    assert [s["id"] for s in listed.json["items"]] == [mine.json["id"]]
    assert (
        client.post(
            f"/api/v1/events/signups/{first.json['id']}/cancel", headers=volunteer
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/events/signups/{first.json['id']}/cancel", headers=coordinator
        ).status_code
        == 200
    )
    promoted = client.get(f"/api/v1/events/{event_id}/signups", headers=volunteer).json["items"]
    assert promoted[0]["status"] == "confirmed" and promoted[0]["promoted_at"]
    attended = client.post(
        f"/api/v1/events/signups/{mine.json['id']}/attendance",
        json={"attended": True},
        headers=coordinator,
    )
    assert attended.status_code == 200 and attended.json["status"] == "attended"
    cancelled = client.post(f"/api/v1/events/{event_id}/cancel", headers=coordinator)
    assert cancelled.status_code == 200 and cancelled.json["cancelled_at"]
    assert client.get(f"/api/v1/events/{event_id}", headers=volunteer).status_code == 200


def test_api_supervision_groups_members_sessions(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    own = make_volunteer(database, org, programme_id, approved=True, linked=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    group = client.post(
        "/api/v1/supervision/groups",
        json={"programme_id": str(programme_id), "name": "Kevät", "supervisor_name": "Työnohjaaja"},
        headers=coordinator,
    )
    assert group.status_code == 201, group.text
    gid = group.json["id"]
    # Not yet a member: the volunteer neither lists nor opens the group.
    assert client.get("/api/v1/supervision/groups", headers=volunteer).json["items"] == []
    assert client.get(f"/api/v1/supervision/groups/{gid}", headers=volunteer).status_code == 404
    member = client.post(
        f"/api/v1/supervision/groups/{gid}/members",
        json={"volunteer_id": str(own)},
        headers=coordinator,
    )
    assert member.status_code == 201
    unknown = client.post(
        f"/api/v1/supervision/groups/{gid}/members",
        json={"volunteer_id": str(uuid.uuid4())},
        headers=coordinator,
    )
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_volunteer"
    session = client.post(
        f"/api/v1/supervision/groups/{gid}/sessions",
        json={"starts_at": utcnow().isoformat(), "location": "Tsemppi"},
        headers=coordinator,
    )
    assert session.status_code == 201
    sid = session.json["id"]
    assert [
        g["id"] for g in client.get("/api/v1/supervision/groups", headers=volunteer).json["items"]
    ] == [gid]
    sessions = client.get(f"/api/v1/supervision/groups/{gid}/sessions", headers=volunteer)
    assert [s["id"] for s in sessions.json["items"]] == [sid]
    attendance = client.post(
        f"/api/v1/supervision/sessions/{sid}/attendance",
        json={"volunteer_id": str(own), "attended": True},
        headers=coordinator,
    )
    assert attendance.status_code == 200 and attendance.json["attended"] is True
    assert (
        client.post(
            f"/api/v1/supervision/sessions/{sid}/attendance",
            json={"volunteer_id": str(own), "attended": True},
            headers=volunteer,
        ).status_code
        == 403
    )
    left = client.post(f"/api/v1/supervision/members/{member.json['id']}/leave", headers=volunteer)
    assert left.status_code == 200 and left.json["left_at"]
    closed = client.post(f"/api/v1/supervision/groups/{gid}/close", headers=coordinator)
    assert closed.status_code == 200
    again = client.post(f"/api/v1/supervision/groups/{gid}/close", headers=coordinator)
    assert again.status_code == 409 and again.json["code"] == "group_closed"
