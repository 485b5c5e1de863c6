"""Background checks (Act 148/2014) and training: services, then the API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect

from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import consents, screening, training
from tukiverkko.platform.primitives.models import (
    BackgroundCheck,
    ConsentPurpose,
    Curriculum,
    Programme,
    TrainingSession,
    Volunteer,
)

# ---------------------------------------------------------------------------
# Background checks: services


def test_the_check_record_has_no_place_for_the_extract_itself() -> None:
    columns = {c.key for c in inspect(BackgroundCheck).columns}
    assert columns == {
        "id",
        "tenant_id",
        "created_at",
        "volunteer_id",
        "extract_issued_on",
        "seen_by",
        "seen_at",
    }


@pytest.mark.parametrize(
    ("max_age", "age", "accepted"),
    [(183, 183, True), (183, 184, False), (30, 31, False), (30, 0, True)],
)
def test_an_extract_older_than_the_programme_accepts_is_refused(
    database: Database, max_age: int, age: int, accepted: bool
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, extract_max_age_days=max_age)
    volunteer_id = make_volunteer(database, org, programme_id)
    shown = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    with in_tenant(database, org) as db:
        v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
        try:
            check = screening.record_check(
                db,
                v,
                p,
                extract_issued_on=shown.date() - timedelta(days=age),
                seen_by=org.people[Role.COORDINATOR],
                now=shown,
            )
        except Problem as refused:
            assert not accepted and refused.code == "extract_too_old"
        else:
            assert accepted and check.seen_at == shown and v.check_recorded_at == shown


def test_the_check_needs_consent_and_a_date_not_in_the_future(database: Database) -> None:
    org = make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id)
    with in_tenant(database, org) as db:
        v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
        with pytest.raises(Problem) as future:
            screening.record_check(
                db, v, p, extract_issued_on=date.today() + timedelta(days=2), seen_by=coordinator
            )
        assert future.value.code == "extract_date_in_future"
        consents.withdraw_consent(db, v.id, ConsentPurpose.BACKGROUND_CHECK)
        with pytest.raises(Problem) as no_consent:
            screening.record_check(db, v, p, extract_issued_on=date.today(), seen_by=coordinator)
        assert no_consent.value.code == "background_check_consent_missing"
        screening.give_check_consent(db, v, given_by="self", recorded_by=coordinator)
        screening.record_check(db, v, p, extract_issued_on=date.today(), seen_by=coordinator)


# ---------------------------------------------------------------------------
# Background checks: API


def test_the_api_records_only_date_and_who_saw_it(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id)
    coordinator = token_for(client, org, Role.COORDINATOR)
    url = f"/api/v1/volunteers/{volunteer_id}/background-checks"
    today = date.today().isoformat()
    for extra in ({"contents": "ei merkintöjä"}, {"file": "b64..."}, {"seen_by": "x"}):
        refused = client.post(url, json={"extract_issued_on": today, **extra}, headers=coordinator)
        assert refused.status_code == 422, extra
        assert set(refused.json["errors"]["json"]) == set(extra)
    old = (date.today() - timedelta(days=200)).isoformat()
    too_old = client.post(url, json={"extract_issued_on": old}, headers=coordinator)
    assert too_old.status_code == 422 and too_old.json["code"] == "extract_too_old"
    ok = client.post(url, json={"extract_issued_on": today}, headers=coordinator)
    assert ok.status_code == 201
    assert set(ok.json) == {
        "id",
        "volunteer_id",
        "extract_issued_on",
        "seen_by",
        "seen_at",
        "created_at",
    }
    assert ok.json["seen_by"] == str(org.people[Role.COORDINATOR])
    listed = client.get(url, headers=coordinator).json["items"]
    assert [c["extract_issued_on"] for c in listed] == [today]
    volunteer = token_for(client, org, Role.VOLUNTEER)
    assert client.post(url, json={"extract_issued_on": today}, headers=volunteer).status_code in (
        403,
        404,
    )


def test_the_written_list_of_tasks_needing_the_check(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    created = client.post(
        "/api/v1/background-check-tasks",
        json={"name": "Mieskaveri", "description": "Kahdenkeskiset tapaamiset lapsen kanssa"},
        headers=coordinator,
    )
    assert created.status_code == 201
    task_id = created.json["id"]
    retired = client.post(f"/api/v1/background-check-tasks/{task_id}/retire", headers=coordinator)
    assert retired.json["retired_at"] is not None
    listed = client.get("/api/v1/background-check-tasks", headers=coordinator).json["items"]
    assert [t["id"] for t in listed] == [task_id]  # retired, not deleted
    volunteer = token_for(client, org, Role.VOLUNTEER)
    assert client.get("/api/v1/background-check-tasks", headers=volunteer).status_code == 403


# ---------------------------------------------------------------------------
# Training: services


def test_sessions_fill_up_and_completion_needs_attendance(database: Database) -> None:
    org = make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    programme_id = make_programme(database, org)
    first, second = (make_volunteer(database, org, programme_id) for _ in range(2))
    with in_tenant(database, org) as db:
        p = db.get(Programme, programme_id)
        curriculum = training.create_curriculum(db, p, name="Kurssi", description="", hours=15)
        session = training.create_session(
            db, curriculum, starts_at=utcnow(), location="", capacity=1
        )
        v1, v2 = db.get(Volunteer, first), db.get(Volunteer, second)
        enrolment = training.enrol(db, session, v1)
        with pytest.raises(Problem) as full:
            training.enrol(db, session, v2)
        assert full.value.code == "session_full"
        with pytest.raises(Problem) as again:
            training.enrol(db, session, v1)
        assert again.value.code == "already_enrolled"
        with pytest.raises(Problem) as absent:
            training.complete(db, v1, curriculum, p, recorded_by=coordinator)
        assert absent.value.code == "training_not_attended"
        training.cancel_enrolment(db, enrolment)
        training.enrol(db, session, v2)  # the freed seat
        training.record_attendance(
            db,
            training.enrol(
                db,
                training.create_session(
                    db, curriculum, starts_at=utcnow(), location="", capacity=3
                ),
                v1,
            ),
            attended=True,
        )
        training.complete(db, v1, curriculum, p, recorded_by=coordinator)
        assert v1.training_completed_at is not None
        second_module = training.create_curriculum(db, p, name="Jatko", description="", hours=3)
        assert not training.training_complete(db, v1, p)  # a new module is now required too
        training.retire_curriculum(db, second_module)
        assert training.training_complete(db, v1, p)


# ---------------------------------------------------------------------------
# Training: API


def test_training_through_the_api_with_volunteers_enrolling_themselves(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    own = make_volunteer(database, org, programme_id, linked=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    me = token_for(client, org, Role.VOLUNTEER)
    curriculum = client.post(
        "/api/v1/training/curricula",
        json={"programme_id": str(programme_id), "name": "Mieskaverikurssi", "hours": 15},
        headers=coordinator,
    ).json
    session = client.post(
        f"/api/v1/training/curricula/{curriculum['id']}/sessions",
        json={"starts_at": "2026-12-01T16:00:00+02:00", "capacity": 1, "location": "Turku"},
        headers=coordinator,
    )
    assert session.status_code == 201, session.text
    sid = session.json["id"]
    assert client.get("/api/v1/training/curricula", headers=me).status_code == 200
    enrolled = client.post(f"/api/v1/training/sessions/{sid}/enrolments", json={}, headers=me)
    assert enrolled.status_code == 201 and enrolled.json["volunteer_id"] == str(own)
    other = make_volunteer(database, org, programme_id)
    full = client.post(
        f"/api/v1/training/sessions/{sid}/enrolments",
        json={"volunteer_id": str(other)},
        headers=coordinator,
    )
    assert full.status_code == 409 and full.json["code"] == "session_full"
    eid = enrolled.json["id"]
    assert (
        client.post(
            f"/api/v1/training/enrolments/{eid}/attendance", json={"attended": True}, headers=me
        ).status_code
        == 403
    )
    attended = client.post(
        f"/api/v1/training/enrolments/{eid}/attendance",
        json={"attended": True},
        headers=coordinator,
    )
    assert attended.json["status"] == "attended"
    done = client.post(
        f"/api/v1/volunteers/{own}/training-completions",
        json={"curriculum_id": curriculum["id"]},
        headers=coordinator,
    )
    assert done.status_code == 201
    mine = client.get(f"/api/v1/volunteers/{own}/training-completions", headers=me)
    assert [c["curriculum_id"] for c in mine.json["items"]] == [curriculum["id"]]
    assert client.get(f"/api/v1/volunteers/{own}", headers=me).json["training_completed_at"]
    with in_tenant(database, org) as db:
        assert db.get(TrainingSession, uuid.UUID(sid)) is not None
        assert db.get(Curriculum, uuid.UUID(curriculum["id"])) is not None
