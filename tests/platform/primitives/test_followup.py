"""Follow-up: meeting logs, hours, replies, check-ins, the cadence list and its daily warning."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import Org, make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_active_match,
    make_programme,
)
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.notifications import Notification
from tukiverkko.platform.primitives import followup, matching
from tukiverkko.platform.primitives.models import Match, Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import MeetingKind, MeetingLog


def _log(database: Database, org: Org, match_id: uuid.UUID, days_ago: int) -> MeetingLog:
    with in_tenant(database, org) as db:
        match = db.get(Match, match_id)
        assert match is not None
        return followup.log_meeting(
            db,
            match,
            met_on=utcnow().date() - timedelta(days=days_ago),
            minutes=60,
            kind=MeetingKind.OUTING,
            note="Uimahalli",
            logged_by=org.people[Role.VOLUNTEER],
        )


def test_meetings_are_logged_only_for_an_active_match_and_a_plausible_day(
    database: Database,
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    match_id = make_active_match(database, org, programme_id, days_ago=40)
    log = _log(database, org, match_id, days_ago=3)
    assert log.kind == MeetingKind.OUTING and log.minutes == 60
    for days_ago, code in ((-1, "invalid_log_date"), (41, "invalid_log_date")):
        with pytest.raises(Problem) as refused:
            _log(database, org, match_id, days_ago=days_ago)
        assert refused.value.code == code
    with in_tenant(database, org) as db:
        match = db.get(Match, match_id)
        programme = db.get(Programme, programme_id)
        assert match and programme
        matching.close_match(db, match, programme, reason="moved", note="", actor_id=log.logged_by)
    with pytest.raises(Problem) as closed:
        _log(database, org, match_id, days_ago=1)
    assert closed.value.code == "match_not_active"


def test_below_cadence_lists_oldest_silence_first_and_pages_by_keyset(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)  # 2-4 meetings a month
    relaxed = make_programme(database, org, meetings_per_month_min=0)
    silent_long = make_active_match(database, org, programme_id, days_ago=90)
    _log(database, org, silent_long, days_ago=60)
    once_recently = make_active_match(database, org, programme_id, days_ago=90)
    _log(database, org, once_recently, days_ago=5)
    on_track = make_active_match(database, org, programme_id, days_ago=90)
    _log(database, org, on_track, days_ago=5)
    _log(database, org, on_track, days_ago=12)
    never_met = make_active_match(database, org, programme_id, days_ago=20)  # past the 14-day grace
    young = make_active_match(database, org, programme_id, days_ago=5)  # within the grace
    make_active_match(database, org, relaxed, days_ago=90)  # expects nothing
    withdrawn = make_active_match(database, org, programme_id, days_ago=90)
    for days in (2, 3):
        log = _log(database, org, withdrawn, days_ago=days)
        if days == 3:
            with in_tenant(database, org) as db:
                followup.withdraw_meeting(db, db.get(MeetingLog, log.id), actor_id=log.logged_by)  # type: ignore[arg-type]

    with in_tenant(database, org) as db:
        page = followup.below_cadence(db, limit=50, cursor=None)
    order = [row.match.id for row in page["items"]]
    # silent_long (60 days), never_met (20), withdrawn (2 days, one counted), once_recently (5)…
    assert order[0] == silent_long
    assert set(order) == {silent_long, once_recently, never_met, withdrawn}
    assert on_track not in order and young not in order
    first = page["items"][0]
    assert first.days_silent == 60 and first.meetings_in_window == 0 and first.expected_min == 2
    days = [row.days_silent for row in page["items"]]
    assert days == sorted(days, reverse=True)
    # Keyset pages of one, in the same order.
    seen, cursor = [], None
    while True:
        with in_tenant(database, org) as db:
            page = followup.below_cadence(db, limit=1, cursor=cursor)
        seen += [row.match.id for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == order


def test_daily_task_warns_coordinators_once_a_day(app: Flask, database: Database) -> None:
    from tukiverkko.workers.scheduled import DAILY_TASKS

    assert DAILY_TASKS["cadence_warnings"] is followup.send_cadence_warnings
    org, calm = make_org(database), make_org(database)
    make_active_match(database, org, make_programme(database, org), days_ago=60)
    make_active_match(database, calm, make_programme(database, calm), days_ago=3)
    with app.app_context():
        assert followup.send_cadence_warnings() == 1
        assert followup.send_cadence_warnings() == 0  # same day: nothing new
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        inbox = db.scalars(select(Notification).where(Notification.kind == "cadence_warning")).all()
    assert [(n.user_id, n.params["count"]) for n in inbox] == [(org.people[Role.COORDINATOR], 1)]


def test_api_volunteer_logs_own_meetings_and_hours_coordinator_follows_up(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    match_id = make_active_match(database, org, programme_id, days_ago=60, linked=True)
    other_match = make_active_match(database, org, programme_id, days_ago=60)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    coordinator = token_for(client, org, Role.COORDINATOR)
    today = utcnow().date()

    listed = client.get("/api/v1/follow-up/below-cadence", headers=coordinator)
    assert listed.status_code == 200
    assert {i["match_id"] for i in listed.json["items"]} == {str(match_id), str(other_match)}
    assert client.get("/api/v1/follow-up/below-cadence", headers=volunteer).status_code == 403

    body = {"met_on": today.isoformat(), "minutes": 90, "kind": "meeting", "note": "Pulkkamäki"}
    logged = client.post(
        f"/api/v1/follow-up/matches/{match_id}/meetings", json=body, headers=volunteer
    )
    assert logged.status_code == 201, logged.text
    meeting_id = logged.json["id"]
    # Someone else's match is invisible to the volunteer; staff do not log for them.
    assert (
        client.post(
            f"/api/v1/follow-up/matches/{other_match}/meetings", json=body, headers=volunteer
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/follow-up/matches/{match_id}/meetings", json=body, headers=coordinator
        ).status_code
        == 403
    )
    bad = client.post(
        f"/api/v1/follow-up/matches/{match_id}/meetings",
        json={**body, "met_on": (today + timedelta(days=2)).isoformat()},
        headers=volunteer,
    )
    assert bad.status_code == 422 and bad.json["code"] == "invalid_log_date"
    # Input never carries an owner or a status.
    assert (
        client.post(
            f"/api/v1/follow-up/matches/{match_id}/meetings",
            json={**body, "volunteer_id": str(uuid.uuid4())},
            headers=volunteer,
        ).status_code
        == 422
    )

    replied = client.post(
        f"/api/v1/follow-up/meetings/{meeting_id}/replies",
        json={"text": "Kiva kuulla!"},
        headers=coordinator,
    )
    assert replied.status_code == 201
    replies = client.get(f"/api/v1/follow-up/meetings/{meeting_id}/replies", headers=volunteer)
    assert [r["text"] for r in replies.json["items"]] == ["Kiva kuulla!"]
    check_in = client.post(
        f"/api/v1/follow-up/matches/{match_id}/check-ins",
        json={"channel": "phone", "note": "Soitin äidille"},
        headers=coordinator,
    )
    assert check_in.status_code == 201

    after = client.get("/api/v1/follow-up/below-cadence", headers=coordinator).json["items"]
    assert [i["match_id"] for i in after] == [str(other_match), str(match_id)]
    assert after[1]["meetings_in_window"] == 1 and after[1]["last_met_on"] == today.isoformat()

    withdrawn = client.post(f"/api/v1/follow-up/meetings/{meeting_id}/withdraw", headers=volunteer)
    assert withdrawn.status_code == 200 and withdrawn.json["withdrawn_at"]
    again = client.post(f"/api/v1/follow-up/meetings/{meeting_id}/withdraw", headers=volunteer)
    assert again.status_code == 409 and again.json["code"] == "already_withdrawn"
    meetings = client.get(f"/api/v1/follow-up/matches/{match_id}/meetings", headers=coordinator)
    assert len(meetings.json["items"]) == 1  # withdrawn, still readable

    with in_tenant(database, org) as db:
        own_volunteer = db.scalar(
            select(Volunteer.id).where(Volunteer.user_id == org.people[Role.VOLUNTEER])
        )
    hours = client.post(
        f"/api/v1/follow-up/volunteers/{own_volunteer}/hours",
        json={"worked_on": today.isoformat(), "minutes": 180, "activity": "MIESluuri-vuoro"},
        headers=volunteer,
    )
    assert hours.status_code == 201, hours.text
    listed_hours = client.get(
        f"/api/v1/follow-up/volunteers/{own_volunteer}/hours", headers=coordinator
    )
    assert [h["minutes"] for h in listed_hours.json["items"]] == [180]
    assert (
        client.post(
            f"/api/v1/follow-up/hours/{hours.json['id']}/withdraw", headers=volunteer
        ).status_code
        == 200
    )
