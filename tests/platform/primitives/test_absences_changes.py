"""Volunteers report absences and changes to their details; coordinators see and hear of them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.notifications import Notification
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.platform.primitives import volunteer_reports, volunteers
from tukiverkko.platform.primitives.models import Volunteer


def _keys(database: Database, org, prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    with in_tenant(database, org) as db:
        return list(
            db.scalars(
                select(OutboxMessage.delivery_key).where(
                    OutboxMessage.delivery_key.startswith(prefix)
                )
            )
        )


def test_an_absence_is_reported_seen_and_a_future_one_cancelled(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    me = org.people[Role.VOLUNTEER]
    today = utcnow().date()
    with in_tenant(database, org) as db:
        volunteer = db.get(Volunteer, volunteer_id)
        assert volunteer is not None
        soon = volunteer_reports.report_absence(
            db,
            volunteer,
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=21),
            reason="loma",
            reported_by=me,
        )
        ill = volunteer_reports.report_absence(
            db,
            volunteer,
            starts_on=today - timedelta(days=1),
            ends_on=today,
            reason="",
            reported_by=me,
        )
        for start, end in (
            (today, today - timedelta(days=1)),
            (today - timedelta(days=9), today - timedelta(days=2)),
            (today, today + timedelta(days=400)),
        ):
            with pytest.raises(ValidationFailed) as bad:
                volunteer_reports.report_absence(
                    db, volunteer, starts_on=start, ends_on=end, reason="", reported_by=me
                )
            assert bad.value.code == "invalid_dates"
        volunteer_reports.cancel_absence(db, soon, actor_id=me)
        assert soon.cancelled_at is not None
        with pytest.raises(Conflict) as started:
            volunteer_reports.cancel_absence(db, ill, actor_id=me)
        assert started.value.code == "absence_started"
        current = db.scalars(volunteer_reports.absences_query(current=True)).all()
        assert [a.id for a in current] == [ill.id]  # the cancelled one is no longer current
    # Each report is told to every coordinator, once.
    assert len(_keys(database, org, "volunteer_absence_reported:")) == 2


def test_changed_details_apply_at_once_and_record_only_which_fields(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(
        database, org, programme_id, approved=True, linked=True, phone="0401", postcode="20100"
    )
    me = org.people[Role.VOLUNTEER]
    with in_tenant(database, org) as db:
        volunteer = db.get(Volunteer, volunteer_id)
        assert volunteer is not None
        change = volunteer_reports.report_change(
            db,
            volunteer,
            {"phone": "0509", "postcode": "20100", "languages": ["FI", "sv"]},
            note="Uusi numero",
            reported_by=me,
        )
        assert change.fields == ["languages", "phone"]  # the postcode did not change
        assert (volunteer.phone, volunteer.languages) == ("0509", ["fi", "sv"])
        with pytest.raises(ValidationFailed) as same:
            volunteer_reports.report_change(
                db, volunteer, {"phone": "0509"}, note="", reported_by=me
            )
        assert same.value.code == "nothing_changed"
        with pytest.raises(ValidationFailed):
            volunteer_reports.report_change(
                db, volunteer, {"postcode": "2010"}, note="", reported_by=me
            )
        volunteers.end(db, volunteer, reason="", actor_id=me, by_volunteer=True)
        with pytest.raises(Conflict):
            volunteer_reports.report_change(db, volunteer, {"phone": "1"}, note="", reported_by=me)
    assert len(_keys(database, org, "volunteer_details_changed:")) == 1


def test_api_volunteer_reports_coordinator_lists_and_is_notified(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    mine = make_volunteer(database, org, programme_id, approved=True, linked=True)
    someone_else = make_volunteer(database, org, programme_id, approved=True)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    coordinator = token_for(client, org, Role.COORDINATOR)
    today = utcnow().date()
    body = {"starts_on": str(today + timedelta(days=3)), "ends_on": str(today + timedelta(days=5))}
    made = client.post(f"/api/v1/volunteers/{mine}/absences", json=body, headers=volunteer)
    assert made.status_code == 201, made.text
    # Not someone else's record: invisible to this volunteer.
    assert (
        client.post(
            f"/api/v1/volunteers/{someone_else}/absences", json=body, headers=volunteer
        ).status_code
        == 404
    )
    listed = client.get("/api/v1/volunteer-absences?current=true", headers=coordinator)
    assert [a["id"] for a in listed.json["items"]] == [made.json["id"]]
    assert (
        client.get("/api/v1/volunteer-absences", headers=volunteer).json["items"][0]["id"]
        == made.json["id"]
    )
    cancelled = client.post(
        f"/api/v1/volunteer-absences/{made.json['id']}/cancel", headers=volunteer
    )
    assert cancelled.status_code == 200 and cancelled.json["cancelled_at"]
    again = client.post(f"/api/v1/volunteer-absences/{made.json['id']}/cancel", headers=volunteer)
    assert again.status_code == 409 and again.json["code"] == "absence_cancelled"

    changed = client.post(
        f"/api/v1/volunteers/{mine}/changes",
        json={"postcode": "00100", "availability": ["mon_evening"]},
        headers=volunteer,
    )
    assert changed.status_code == 201, changed.text
    assert changed.json["fields"] == ["availability", "postcode"]
    # Changes are the volunteer's own to report; staff edit the record instead.
    staff_try = client.post(
        f"/api/v1/volunteers/{mine}/changes", json={"phone": "1"}, headers=coordinator
    )
    assert staff_try.status_code == 403
    assert (
        client.post(
            f"/api/v1/volunteers/{mine}/changes", json={"email": "x@y.fi"}, headers=volunteer
        ).status_code
        == 422
    )
    seen = client.get("/api/v1/volunteer-changes", headers=coordinator)
    assert [c["fields"] for c in seen.json["items"]] == [["availability", "postcode"]]
    assert client.get("/api/v1/volunteer-changes", headers=volunteer).status_code == 403
    record = client.get(f"/api/v1/volunteers/{mine}", headers=coordinator).json
    assert record["postcode"] == "00100"
    # The coordinator's inbox has both, without the volunteer's name in the text.
    with in_tenant(database, org) as db:
        inbox = db.scalars(
            select(Notification).where(Notification.user_id == org.people[Role.COORDINATOR])
        ).all()
    kinds = sorted(n.kind for n in inbox)
    assert (
        kinds.count("volunteer_absence_reported") == 1
        and kinds.count("volunteer_details_changed") == 1
    )
    assert uuid.UUID(made.json["volunteer_id"]) == mine
