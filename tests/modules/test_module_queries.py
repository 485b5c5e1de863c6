"""The modules' lists run the same number of SQL queries for 3 rows as for 30."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models_followup import Event, EventKind


def test_module_lists_run_the_same_number_of_queries_for_3_and_30_rows(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    from tukiverkko.modules.mens_peer_groups.models import (
        GroupMeeting,
        GroupMember,
        PeerGroup,
        PhoneShift,
        ShiftSignup,
        SignupStatus,
    )
    from tukiverkko.modules.peer_parents.models import Transition, Venue, VenueKind, Visit

    org = make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    line = make_programme(database, org, module_key="mens_peer_groups", name="Luuri")
    parents = make_programme(database, org, module_key="peer_parents", name="Vanhemmat")
    buddies = make_programme(database, org)
    leader = make_volunteer(database, org, line, approved=True)
    with in_tenant(database, org) as db:
        group = PeerGroup(programme_id=line, name="S", theme="T", leader_volunteer_id=leader)
        start = utcnow() + timedelta(days=5)
        shift = PhoneShift(
            programme_id=line, starts_at=start, ends_at=start, places=100, created_by=coordinator
        )
        db.add_all([group, shift])
        db.flush()
        group_id, shift_id = group.id, shift.id
    grown = 0

    def grow_to(n: int) -> None:
        nonlocal grown
        with in_tenant(database, org) as db:
            for i in range(grown, n):
                later = utcnow() + timedelta(days=10 + i)
                db.add(GroupMember(group_id=group_id, display_name=f"Mies{i}"))
                db.add(
                    GroupMeeting(
                        group_id=group_id,
                        held_on=(utcnow() - timedelta(days=i)).date(),
                        present=0,
                        recorded_by=coordinator,
                    )
                )
                db.add(
                    PhoneShift(
                        programme_id=line,
                        starts_at=later,
                        ends_at=later + timedelta(hours=3),
                        places=2,
                        created_by=coordinator,
                    )
                )
                venue = Venue(
                    programme_id=parents, locality="Turku", name=f"V{i}", kind=VenueKind.CLUB
                )
                visit_event = Event(
                    programme_id=parents, kind=EventKind.OTHER, title=f"K{i}", starts_at=later,
                    capacity=5, created_by=coordinator,
                )  # fmt: skip
                outing = Event(
                    programme_id=buddies, kind=EventKind.OUTING, title=f"R{i}", starts_at=later,
                    capacity=5, created_by=coordinator,
                )  # fmt: skip
                db.add_all([venue, visit_event, outing])
                db.flush()
                db.add(
                    Visit(event_id=visit_event.id, venue_id=venue.id, transition=Transition.SCHOOL)
                )
                db.flush()
        for _ in range(grown, n):
            volunteer = make_volunteer(database, org, line, approved=True)
            with in_tenant(database, org) as db:
                db.add(
                    ShiftSignup(
                        shift_id=shift_id, volunteer_id=volunteer, status=SignupStatus.SIGNED_UP
                    )
                )
        grown = n

    lists = [
        f"/api/v1/mens-peer-groups/groups/{group_id}/members",
        f"/api/v1/mens-peer-groups/groups/{group_id}/meetings",
        f"/api/v1/mens-peer-groups/programmes/{line}/shifts",
        f"/api/v1/mens-peer-groups/shifts/{shift_id}/signups",
        f"/api/v1/peer-parents/programmes/{parents}/venues",
        f"/api/v1/peer-parents/programmes/{parents}/visits",
        f"/api/v1/mentor-buddy/programmes/{buddies}/outings",
    ]
    headers = token_for(client, org, Role.COORDINATOR)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def measure(n: int) -> dict[str, int]:
        grow_to(n)
        counts = {}
        for url in lists:
            statements.clear()
            resp = client.get(url, headers=headers)
            assert resp.status_code == 200, (url, resp.text)
            assert len(resp.json["items"]) >= n, url
            counts[url] = len(statements)
        return counts

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        small, large = measure(3), measure(30)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert small == large, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
