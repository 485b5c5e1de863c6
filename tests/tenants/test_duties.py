"""Partner duties: change reports and yearly reports, at the service level and through the API."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import (
    Org,
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
    token_for,
)
from tests.platform.primitives.support import make_programme, make_volunteer
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import Conflict, Forbidden, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.tenants import duties, licensing
from tukiverkko.tenants.duties_models import ChangeKind, ReportStatus
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel

LAST_YEAR = licensing.today().year - 1


def _licensed(database: Database, *, started_years_ago: int = 2) -> dict[str, Any]:
    """A model owner, a partner with an active licence since `started_years_ago` years."""
    owner = make_model_owner(database)
    partner = make_org(database)
    model_id = make_programme_model(database, owner)
    licence_id = make_licence(database, model_id, partner, status="active", satisfied=True)
    with database.unit_of_work() as db:
        licence = db.get(Licence, licence_id)
        assert licence is not None
        licence.created_at = utcnow() - timedelta(days=366 * started_years_ago)
    return {
        "owner": owner,
        "partner": partner,
        "model_id": model_id,
        "licence_id": licence_id,
        "by_owner": Actor(owner.people[Role.OWNER_STAFF], owner.id),
        "by_partner": Actor(partner.people[Role.COORDINATOR], partner.id),
    }


def _told(database: Database, kind: str) -> list[uuid.UUID]:
    """Who has been sent a `kind` notification (any tenant), by the outbox's delivery keys.

    Delivered rows keep no payload (personal data leaves the outbox once sent);
    the key names the kind first and the person last.
    """
    with context.cross_tenant("test"), database.unit_of_work() as db:
        keys = db.scalars(
            select(OutboxMessage.delivery_key).where(OutboxMessage.kind == "notify")
        ).all()
    return sorted(uuid.UUID(k.rsplit(":", 1)[1]) for k in keys if k.startswith(f"{kind}:"))


def test_a_change_report_reaches_the_owners_staff_who_acknowledge_it(database: Database) -> None:
    s = _licensed(database)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = db.get(Licence, s["licence_id"])
        assert licence is not None
        report = duties.report_change(
            db,
            licence,
            actor=s["by_partner"],
            kind=ChangeKind.COORDINATOR_CHANGED,
            text="Liisa Laine aloittaa koordinaattorina.",
            effective_on=date(2026, 3, 1),
        )
        # Only the licensee reports; only the owner acknowledges.
        with pytest.raises(Forbidden):
            duties.report_change(
                db,
                licence,
                actor=s["by_owner"],
                kind=ChangeKind.OTHER,
                text="x",
                effective_on=date(2026, 3, 1),
            )
        with pytest.raises(Forbidden):
            duties.acknowledge_change(db, report, actor=s["by_partner"])
        duties.acknowledge_change(db, report, actor=s["by_owner"])
        assert report.acknowledged_by == s["by_owner"].user_id
        # "Other" needs words.
        with pytest.raises(ValidationFailed):
            duties.report_change(
                db,
                licence,
                actor=s["by_partner"],
                kind=ChangeKind.OTHER,
                text=" ",
                effective_on=date(2026, 3, 1),
            )
    assert _told(database, "licence_change_reported") == [s["owner"].people[Role.OWNER_STAFF]]


def test_a_yearly_report_is_prefilled_submitted_once_and_final_when_acknowledged(
    database: Database,
) -> None:
    s = _licensed(database)
    programme_id = make_programme(database, s["partner"])
    make_volunteer(database, s["partner"], programme_id, approved=True)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = db.get(Licence, s["licence_id"])
        assert licence is not None
        report = duties.submit_yearly_report(
            db, licence, LAST_YEAR, actor=s["by_partner"], narrative="Hyvä vuosi."
        )
        # Pre-filled with the overview's counts: one approved volunteer.
        assert report.counts["active_volunteers"] == 1
        assert report.status == ReportStatus.SUBMITTED
        with pytest.raises(Conflict) as again:
            duties.submit_yearly_report(
                db, licence, LAST_YEAR, actor=s["by_partner"], narrative="Uudestaan"
            )
        assert again.value.code == "report_already_submitted"
        duties.correct_yearly_report(
            db, report, actor=s["by_partner"], counts={"active_volunteers": 3}
        )
        assert report.counts["active_volunteers"] == 3 and report.corrected_at is not None
        with pytest.raises(ValidationFailed):
            duties.correct_yearly_report(db, report, actor=s["by_partner"], counts={"names": 1})
        with pytest.raises(Forbidden):
            duties.acknowledge_yearly_report(db, report, actor=s["by_partner"])
        duties.acknowledge_yearly_report(db, report, actor=s["by_owner"])
        with pytest.raises(Conflict) as final:
            duties.correct_yearly_report(db, report, actor=s["by_partner"], narrative="Korjaus")
        assert final.value.code == "report_not_correctable"
        # No report is owed for a year before the licence, nor for a future year.
        for year in (LAST_YEAR - 5, LAST_YEAR + 2):
            with pytest.raises(ValidationFailed):
                duties.submit_yearly_report(db, licence, year, actor=s["by_partner"], narrative="")
    assert _told(database, "yearly_report_submitted") == [s["owner"].people[Role.OWNER_STAFF]]


def test_the_owner_sees_each_partners_duty_due_overdue_submitted_or_acknowledged(
    database: Database,
) -> None:
    s = _licensed(database)
    others = [make_org(database) for _ in range(3)]
    ids = [s["licence_id"]]
    for org in others:
        lid = make_licence(database, s["model_id"], org, status="active", satisfied=True)
        with database.unit_of_work() as db:
            lic = db.get(Licence, lid)
            assert lic is not None
            lic.created_at = utcnow() - timedelta(days=800)
        ids.append(lid)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        lic = [db.get(Licence, i) for i in ids]
        actors = [s["by_partner"]] + [Actor(o.people[Role.COORDINATOR], o.id) for o in others]
        # 0: overdue (nothing); 1: submitted; 2: acknowledged; 3: later deadline, still due.
        duties.submit_yearly_report(db, lic[1], LAST_YEAR, actor=actors[1], narrative="a")
        done = duties.submit_yearly_report(db, lic[2], LAST_YEAR, actor=actors[2], narrative="b")
        duties.acknowledge_yearly_report(db, done, actor=s["by_owner"])
        model = db.get(ProgrammeModel, s["model_id"])
        assert model is not None
        duties.set_deadline(db, model, licence=lic[3], actor=s["by_owner"], month=12, day=31)
        page = duties.owner_duties(
            db, model, actor=s["by_owner"], year=LAST_YEAR, limit=50, cursor=None
        )
        with pytest.raises(Forbidden):
            duties.owner_duties(db, model, actor=actors[0], year=LAST_YEAR, limit=50, cursor=None)
    states = {item["licence_id"]: item["state"] for item in page["items"]}
    expected_last = "due" if licensing.today() <= date(LAST_YEAR + 1, 12, 31) else "overdue"
    assert states == {
        ids[0]: "overdue",
        ids[1]: "submitted",
        ids[2]: "acknowledged",
        ids[3]: expected_last,
    }


def test_the_daily_scan_tells_both_sides_once_when_a_report_is_overdue(
    app: Flask, database: Database
) -> None:
    s = _licensed(database)
    fresh = _licensed(database, started_years_ago=0)  # no report owed for last year
    before = date(LAST_YEAR + 1, 1, 31)
    with app.app_context():
        assert duties.notify_overdue_reports(before) == 0  # due today, not overdue
        assert duties.notify_overdue_reports(before + timedelta(days=1)) == 1
        assert duties.notify_overdue_reports(before + timedelta(days=1)) == 0  # same day again
        assert duties.notify_overdue_reports(before + timedelta(days=9)) == 0  # and later
    told = _told(database, "yearly_report_overdue")
    partner, owner = s["partner"], s["owner"]
    assert told == sorted(
        [
            owner.people[Role.OWNER_STAFF],
            partner.people[Role.TENANT_ADMIN],
            partner.people[Role.COORDINATOR],
        ]
    )
    assert fresh["partner"].people[Role.COORDINATOR] not in told
    # The partner can still submit; the owner then sees it submitted.
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = db.get(Licence, s["licence_id"])
        assert licence is not None
        report = duties.submit_yearly_report(
            db, licence, LAST_YEAR, actor=s["by_partner"], narrative="Myöhässä, anteeksi."
        )
        assert report.status == ReportStatus.SUBMITTED


def test_daily_tasks_expire_licences_and_warn_of_overdue_reports(
    app: Flask, database: Database
) -> None:
    from tukiverkko.workers.scheduled import DAILY_TASKS

    assert DAILY_TASKS["licence_expiry"] is duties.expire_licences_daily
    assert DAILY_TASKS["yearly_reports_overdue"] is duties.notify_overdue_reports
    s = _licensed(database)
    with database.unit_of_work() as db:
        licence = db.get(Licence, s["licence_id"])
        assert licence is not None
        licence.valid_until = licensing.today() - timedelta(days=1)
    with app.app_context():
        assert duties.expire_licences_daily() == 1
        assert duties.expire_licences_daily() == 0
    with database.unit_of_work() as db:
        licence = db.get(Licence, s["licence_id"])
        assert licence is not None and licence.status == LicenceStatus.EXPIRED
    # Both sides hear of the expiry (licence_changed, one per person).
    told = _told(database, "licence_changed")
    assert s["owner"].people[Role.OWNER_STAFF] in told
    assert s["partner"].people[Role.TENANT_ADMIN] in told


# --- through the API ----------------------------------------------------------------


def _headers(client: FlaskClient, org: Org, role: Role) -> dict[str, str]:
    return token_for(client, org, role)


def test_partner_reports_and_owner_acknowledges_through_the_api(
    client: FlaskClient, database: Database
) -> None:
    s = _licensed(database)
    lid = s["licence_id"]
    partner = _headers(client, s["partner"], Role.COORDINATOR)
    owner = _headers(client, s["owner"], Role.OWNER_STAFF)
    volunteer = _headers(client, s["partner"], Role.VOLUNTEER)
    change = {"kind": "activity_paused", "text": "Kesätauko", "effective_on": "2026-06-01"}
    assert (
        client.post(
            f"/api/v1/licences/{lid}/change-reports", json=change, headers=owner
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/licences/{lid}/change-reports", json=change, headers=volunteer
        ).status_code
        == 403
    )
    made = client.post(f"/api/v1/licences/{lid}/change-reports", json=change, headers=partner)
    assert made.status_code == 201, made.text
    listed = client.get(f"/api/v1/licences/{lid}/change-reports", headers=owner)
    assert [c["kind"] for c in listed.json["items"]] == ["activity_paused"]
    ack = client.post(
        f"/api/v1/licences/{lid}/change-reports/{made.json['id']}/acknowledge", headers=owner
    )
    assert ack.status_code == 200 and ack.json["acknowledged_at"]
    # The owner's staff were told, in their inbox.
    inbox = client.get("/api/v1/notifications", headers=owner).json["items"]
    assert any(n["kind"] == "licence_change_reported" for n in inbox)

    url = f"/api/v1/licences/{lid}/yearly-report"
    reports = f"/api/v1/licences/{lid}/yearly-reports"
    year = {"year": LAST_YEAR}
    draft = client.get(f"{url}?year={LAST_YEAR}", headers=partner)
    assert (
        draft.status_code == 200 and draft.json["state"] == "overdue" and draft.json["id"] is None
    )
    assert set(draft.json["counts"]) >= {"active_volunteers", "active_matches"}
    sent = client.post(reports, json={**year, "narrative": "Kuusi kaveruutta."}, headers=partner)
    assert sent.status_code == 201, sent.text
    assert sent.json["state"] == "submitted"
    again = client.post(reports, json={**year, "narrative": "x"}, headers=partner)
    assert again.status_code == 409 and again.json["code"] == "report_already_submitted"
    fixed = client.patch(url, json={**year, "narrative": "Seitsemän kaveruutta."}, headers=partner)
    assert fixed.status_code == 200 and fixed.json["narrative"] == "Seitsemän kaveruutta."

    duty = client.get(
        f"/api/v1/programme-models/{s['model_id']}/partner-duties?year={LAST_YEAR}", headers=owner
    )
    assert duty.status_code == 200, duty.text
    assert [(d["licence_id"], d["state"]) for d in duty.json["items"]] == [(str(lid), "submitted")]
    assert duty.json["items"][0]["unacknowledged_changes"] == 0
    assert (
        client.get(
            f"/api/v1/programme-models/{s['model_id']}/partner-duties", headers=partner
        ).status_code
        == 403
    )

    done = client.post(f"{url}/acknowledge", json=year, headers=owner)
    assert done.status_code == 200 and done.json["state"] == "acknowledged"
    late = client.patch(url, json={**year, "narrative": "Vielä"}, headers=partner)
    assert late.status_code == 409 and late.json["code"] == "report_not_correctable"
    # What the owner reads is counts and the text: no volunteer or participant data.
    listed = client.get(reports, headers=owner).json["items"]
    assert [(r["year"], r["state"]) for r in listed] == [(LAST_YEAR, "acknowledged")]
    seen = client.get(f"{url}?year={LAST_YEAR}", headers=owner).json
    assert set(seen) == {
        "id", "licence_id", "year", "due_on", "state", "counts", "narrative",
        "submitted_at", "corrected_at", "acknowledged_at",
    }  # fmt: skip
    # Counts about people under 5 read "<5" for the owner (no one recognisable).
    assert seen["counts"] and all(v == "<5" or v.isdigit() for v in seen["counts"].values())
    assert seen["counts"]["active_volunteers"] == "<5"


def test_another_partner_or_owner_cannot_reach_the_duties(
    client: FlaskClient, database: Database
) -> None:
    s = _licensed(database)
    other = _licensed(database)
    lid = s["licence_id"]
    for headers in (
        _headers(client, other["partner"], Role.COORDINATOR),
        _headers(client, other["owner"], Role.OWNER_STAFF),
    ):
        assert (
            client.get(f"/api/v1/licences/{lid}/change-reports", headers=headers).status_code == 404
        )
        resp = client.post(
            f"/api/v1/licences/{lid}/yearly-reports",
            json={"year": LAST_YEAR, "narrative": "x"},
            headers=headers,
        )
        assert resp.status_code == 404
    assert (
        client.put(
            f"/api/v1/programme-models/{s['model_id']}/report-deadline",
            json={"month": 2, "day": 30},
            headers=_headers(client, s["owner"], Role.OWNER_STAFF),
        ).status_code
        == 422
    )
