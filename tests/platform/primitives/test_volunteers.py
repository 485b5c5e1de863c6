"""Programmes and the volunteer journey: services first, then the same rules through the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from tests.factories import license_module, make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_programme,
    make_volunteer,
    volunteer_status,
)
from tukiverkko.platform import plugins
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import programmes, screening, training, volunteers
from tukiverkko.platform.primitives.models import (
    IntakeSource,
    ParticipantKind,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.tenants.models import TenantKind

# ---------------------------------------------------------------------------
# Services


def test_programme_takes_module_defaults_and_refuses_settings_that_cannot_work(
    database: Database,
) -> None:
    org = make_org(database)
    family_module = plugins.ModuleDescription(
        key="test_family_module",
        names=plugins.Names(fi="Perhe", sv="Familj", en="Family"),
        model="Testiperhe",
        participant_kind=ParticipantKind.FAMILY,
        intake_sources=frozenset({IntakeSource.REFERRER, IntakeSource.SELF}),
        meetings_per_month=(1, 2),
    )
    license_module(database, org, "mentor_buddy")
    license_module(database, org, "test_family_module")
    with plugins.registered(family_module), in_tenant(database, org) as db:
        plain = programmes.create_programme(db, module_key="mentor_buddy", name="A", actor_id=None)
        assert plain.extract_max_age_days == 183
        assert (plain.meetings_per_month_min, plain.meetings_per_month_max) == (2, 4)
        assert plain.intake_sources == {IntakeSource.GUARDIAN}
        assert "safety_concern" in plain.closing_reasons
        family = programmes.create_programme(
            db, module_key="test_family_module", name="B", actor_id=None
        )
        assert family.intake_sources == {IntakeSource.REFERRER, IntakeSource.SELF}
        assert family.meetings_per_month_max == 2
        with pytest.raises(Problem) as bad:
            programmes.update_programme(
                db, plain, {"meetings_per_month_min": 5}, actor_id=org.people[Role.COORDINATOR]
            )
        assert bad.value.code == "invalid_programme_settings"


def test_the_journey_is_gated_and_order_of_check_and_training_does_not_matter(
    database: Database,
) -> None:
    org = make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    # A module without volunteer rules of its own: the generic journey only.
    programme_id = make_programme(database, org, module_key="support_person")
    volunteer_id = make_volunteer(database, org, programme_id)

    def attempt_approval() -> str:
        with in_tenant(database, org) as db:
            v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
            try:
                volunteers.approve(db, v, p, actor_id=coordinator)
            except Problem as refused:
                return refused.code
            return "approved"

    assert volunteer_status(database, org, volunteer_id) == VolunteerStatus.APPLIED
    assert attempt_approval() == "volunteer_not_interviewed"
    with in_tenant(database, org) as db:
        v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
        volunteers.add_interview_note(db, v, p, author_id=coordinator, text="Hyvä haastattelu")
        curriculum = training.create_curriculum(db, p, name="Peruskurssi", description="", hours=15)
        session = training.create_session(
            db, curriculum, starts_at=utcnow() + timedelta(days=3), location="Turku", capacity=5
        )
        curriculum_id, session_id = curriculum.id, session.id
    assert volunteer_status(database, org, volunteer_id) == VolunteerStatus.INTERVIEWED
    assert attempt_approval() == "training_incomplete"
    # Training first, then the check.
    with in_tenant(database, org) as db:
        v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
        from tukiverkko.platform.primitives.models import Curriculum, TrainingSession

        enrolment = training.enrol(db, db.get(TrainingSession, session_id), v)
        training.record_attendance(db, enrolment, attended=True)
        training.complete(db, v, db.get(Curriculum, curriculum_id), p, recorded_by=coordinator)
        assert v.training_completed_at is not None
        assert v.status == VolunteerStatus.INTERVIEWED  # the check is still missing
    assert attempt_approval() == "background_check_missing"
    with in_tenant(database, org) as db:
        v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
        screening.record_check(
            db, v, p, extract_issued_on=date.today() - timedelta(days=30), seen_by=coordinator
        )
        assert v.status == VolunteerStatus.TRAINED
    assert attempt_approval() == "approved"
    assert volunteer_status(database, org, volunteer_id) == VolunteerStatus.APPROVED


def test_without_required_check_training_alone_allows_approval(database: Database) -> None:
    org = make_org(database)
    # Toiminnan Miehet does not require the check (adults among adults).
    programme_id = make_programme(
        database,
        org,
        module_key="mens_peer_groups",
        background_check_required=False,
        training_required=False,
    )
    volunteer_id = make_volunteer(database, org, programme_id)
    with in_tenant(database, org) as db:
        v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
        volunteers.add_interview_note(db, v, p, author_id=org.people[Role.COORDINATOR], text="ok")
        assert v.status == VolunteerStatus.TRAINED
        volunteers.approve(db, v, p, actor_id=org.people[Role.COORDINATOR])
        assert v.status == VolunteerStatus.APPROVED


def test_pause_resume_and_end_keep_the_record(database: Database) -> None:
    org = make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True)
    with in_tenant(database, org) as db:
        v, p = db.get(Volunteer, volunteer_id), db.get(Programme, programme_id)
        volunteers.pause(db, v, actor_id=coordinator)
        assert v.status == VolunteerStatus.PAUSED
        with pytest.raises(Problem) as twice:
            volunteers.pause(db, v, actor_id=coordinator)
        assert twice.value.code == "volunteer_already_paused"
        volunteers.resume(db, v, p, actor_id=coordinator)
        assert v.status == VolunteerStatus.APPROVED
        with pytest.raises(Problem) as no_reason:
            volunteers.end(db, v, reason=" ", actor_id=coordinator, by_volunteer=False)
        assert no_reason.value.code == "reason_required"
        volunteers.end(db, v, reason="Muutti pois", actor_id=coordinator, by_volunteer=False)
    with in_tenant(database, org) as db:
        v = db.get(Volunteer, volunteer_id)
        assert v is not None and v.status == VolunteerStatus.ENDED and v.end_reason == "Muutti pois"
        with pytest.raises(Problem) as ended:
            volunteers.pause(db, v, actor_id=coordinator)
        assert ended.value.code == "volunteer_ended"


def test_application_needs_consent_and_the_check_notice(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    with in_tenant(database, org) as db:
        p = db.get(Programme, programme_id)
        for flags, code in [
            ((False, True, True), "consent_required"),
            ((True, True, False), "background_check_acknowledgement_required"),
            ((True, False, True), "background_check_acknowledgement_required"),
        ]:
            with pytest.raises(Problem) as refused:
                volunteers.apply_as_volunteer(
                    db,
                    p,
                    consent_processing=flags[0],
                    consent_background_check=flags[1],
                    background_check_notice_acknowledged=flags[2],
                    name="Ville",
                )
            assert refused.value.code == code


# ---------------------------------------------------------------------------
# API

APPLICATION = {
    "name": "Ville Vapaaehtoinen",
    "email": "ville@example.org",
    "phone": "+358401112223",
    "postcode": "20100",
    "languages": ["fi", "en"],
    "interests": ["football", "fishing"],
    "availability": ["sat_morning", "wed_evening"],
    "capacity": 1,
    "consent_processing": True,
    "consent_background_check": True,
    "background_check_notice_acknowledged": True,
}


def test_public_application_shows_the_notice_and_records_consent(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    coordinator = token_for(client, org, Role.COORDINATOR)
    client.post(
        "/api/v1/background-check-tasks", json={"name": "Tukihenkilö lapselle"}, headers=coordinator
    )
    page = client.get(f"/api/v1/public/{org.slug}/programmes/{programme_id}?lang=en")
    assert page.status_code == 200, page.text
    assert "criminal record" in page.json["background_check_notice"]
    assert page.json["tasks_needing_check"] == ["Tukihenkilö lapselle"]

    url = f"/api/v1/public/{org.slug}/programmes/{programme_id}/volunteer-applications"
    refused = client.post(url, json={**APPLICATION, "background_check_notice_acknowledged": False})
    assert refused.status_code == 422
    assert refused.json["code"] == "background_check_acknowledgement_required"
    sneaky = client.post(url, json={**APPLICATION, "status": "approved"})
    assert sneaky.status_code == 422 and "status" in sneaky.json["errors"]["json"]
    applied = client.post(url, json=APPLICATION)
    assert applied.status_code == 201, applied.text
    assert applied.json["status"] == "applied"

    volunteer_id = applied.json["id"]
    seen = client.get(f"/api/v1/volunteers/{volunteer_id}", headers=coordinator)
    assert seen.json["languages"] == ["fi", "en"] and seen.json["status"] == "applied"
    purposes = {
        c["purpose"]
        for c in client.get(
            f"/api/v1/volunteers/{volunteer_id}/consents", headers=coordinator
        ).json["items"]
    }
    assert purposes == {"processing", "background_check"}


def test_public_routes_answer_only_for_open_programmes_of_the_named_tenant(
    client: FlaskClient, database: Database
) -> None:
    a, b = make_org(database), make_org(database)
    open_a = make_programme(database, a)
    closed_a = make_programme(database, a, accepts_applications=False)
    path = "/api/v1/public/{slug}/programmes/{pid}/volunteer-applications"
    assert client.post(path.format(slug=b.slug, pid=open_a), json=APPLICATION).status_code == 404
    assert client.post(path.format(slug=a.slug, pid=closed_a), json=APPLICATION).status_code == 404
    assert client.post(path.format(slug="ei-ole", pid=open_a), json=APPLICATION).status_code == 404
    # A signed-in person of another tenant gets no further than an anonymous one.
    other = token_for(client, b, Role.TENANT_ADMIN)
    resp = client.get(f"/api/v1/public/{b.slug}/programmes/{open_a}", headers=other)
    assert resp.status_code == 404
    # The private route of the same programme still wants a sign-in.
    assert client.get(f"/api/v1/programmes/{open_a}").status_code == 401


def test_coordinator_walks_the_journey_through_the_api(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    license_module(database, org, "support_person")
    coordinator = token_for(client, org, Role.COORDINATOR)
    created = client.post(
        "/api/v1/programmes",
        json={"module_key": "support_person", "name": "Kaveri", "training_required": False},
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    assert created.json["extract_max_age_days"] == 183
    programme_id = created.json["id"]
    volunteer = client.post(
        "/api/v1/volunteers",
        json={**APPLICATION, "programme_id": programme_id},
        headers=coordinator,
    ).json
    vid = volunteer["id"]
    approve = client.post(f"/api/v1/volunteers/{vid}/approve", headers=coordinator)
    assert approve.status_code == 409 and approve.json["code"] == "volunteer_not_interviewed"
    note = client.post(
        f"/api/v1/volunteers/{vid}/interview-notes", json={"text": "Hyvä"}, headers=coordinator
    )
    assert note.status_code == 201
    approve = client.post(f"/api/v1/volunteers/{vid}/approve", headers=coordinator)
    assert approve.status_code == 409 and approve.json["code"] == "background_check_missing"
    check = client.post(
        f"/api/v1/volunteers/{vid}/background-checks",
        json={"extract_issued_on": (date.today() - timedelta(days=10)).isoformat()},
        headers=coordinator,
    )
    assert check.status_code == 201, check.text
    approve = client.post(f"/api/v1/volunteers/{vid}/approve", headers=coordinator)
    assert approve.status_code == 200 and approve.json["status"] == "approved"
    end = client.post(f"/api/v1/volunteers/{vid}/end", json={}, headers=coordinator)
    assert end.status_code == 422
    end = client.post(
        f"/api/v1/volunteers/{vid}/end", json={"reason": "Muutti"}, headers=coordinator
    )
    assert end.json["status"] == "ended"
    # Ended, not deleted: still listed and readable.
    listed = client.get("/api/v1/volunteers", query_string={"status": "ended"}, headers=coordinator)
    assert [v["id"] for v in listed.json["items"]] == [vid]
    assert (
        client.get(f"/api/v1/volunteers/{vid}/interview-notes", headers=coordinator).json["items"][
            0
        ]["text"]
        == "Hyvä"
    )


def test_a_volunteer_sees_and_acts_on_their_own_record_only(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    own = make_volunteer(database, org, programme_id, linked=True, approved=True)
    other = make_volunteer(database, org, programme_id)
    me = token_for(client, org, Role.VOLUNTEER)
    listed = client.get("/api/v1/volunteers", headers=me)
    assert [v["id"] for v in listed.json["items"]] == [str(own)]
    assert client.get(f"/api/v1/volunteers/{other}", headers=me).status_code == 404
    assert client.post(f"/api/v1/volunteers/{other}/pause", headers=me).status_code == 404
    # Coordinator-only parts of one's own record stay closed.
    assert client.get(f"/api/v1/volunteers/{own}/interview-notes", headers=me).status_code == 403
    assert client.post(f"/api/v1/volunteers/{own}/approve", headers=me).status_code == 403
    edited = client.patch(f"/api/v1/volunteers/{own}", json={"phone": "+358409999999"}, headers=me)
    assert edited.status_code == 200 and edited.json["phone"] == "+358409999999"
    assert (
        client.patch(
            f"/api/v1/volunteers/{own}", json={"status": "approved"}, headers=me
        ).status_code
        == 422
    )
    paused = client.post(f"/api/v1/volunteers/{own}/pause", headers=me)
    assert paused.status_code == 200 and paused.json["status"] == "paused"
    resumed = client.post(f"/api/v1/volunteers/{own}/resume", headers=me)
    assert resumed.json["status"] == "approved"
    quit_ = client.post(f"/api/v1/volunteers/{own}/quit", json={}, headers=me)
    assert quit_.status_code == 200 and quit_.json["status"] == "ended"
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert (
        client.post(f"/api/v1/volunteers/{other}/quit", json={}, headers=coordinator).status_code
        == 403
    )


def test_model_owner_staff_and_the_operator_see_none_of_it(
    client: FlaskClient, database: Database
) -> None:
    owner = make_org(database, kind=TenantKind.MODEL_OWNER, roles=(Role.OWNER_STAFF,))
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(Role.OPERATOR,))
    for org, role in ((owner, Role.OWNER_STAFF), (operator, Role.OPERATOR)):
        headers = token_for(client, org, role)
        for path in (
            "/api/v1/programmes",
            "/api/v1/volunteers",
            "/api/v1/participants",
            "/api/v1/matches",
            "/api/v1/background-check-tasks",
        ):
            assert client.get(path, headers=headers).status_code == 403, (path, role)
