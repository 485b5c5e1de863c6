"""The public participant application: the guardian herself (or the adult) applies."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme
from tukiverkko.platform.db import Database
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.notifications import Notification
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.platform.primitives import public_intake
from tukiverkko.platform.primitives.models import (
    Consent,
    IntakeSource,
    Participant,
    ParticipantKind,
    Programme,
)

APPLICATION = {
    "source": "guardian",
    "kind": "child",
    "applicant_name": "Anna Äiti",
    "name": "Eetu",
    "birth_year": 2017,
    "postcode": "20100",
    "contact_phone": "+358401234567",
    "consent_processing": True,
}


def _fields(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "source": IntakeSource.GUARDIAN,
        "kind": ParticipantKind.CHILD,
        "consent_processing": True,
        "applicant_name": "Anna Äiti",
        "name": "Eetu",
        "contact_phone": "+358401234567",
    }
    values.update(overrides)
    return values


def open_participant_form(database: Database, org, programme_id):  # type: ignore[no-untyped-def]
    """Open the programme's public participant form (as the API's PUT does)."""
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        public_intake.open_participant_applications(
            db, programme, accept=True, actor_id=org.people[Role.COORDINATOR]
        )
    return programme_id


def test_the_guardian_applies_herself_and_the_coordinators_are_told(database: Database) -> None:
    org = make_org(database)
    programme_id = open_participant_form(database, org, make_programme(database, org))
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        participant = public_intake.apply_as_participant(db, programme, **_fields())
        assert (participant.intake_source, participant.contact_name) == ("guardian", "Anna Äiti")
        assert participant.recorded_by is None  # nobody signed in
        consent = db.scalar(select(Consent).where(Consent.subject_id == participant.id))
        assert consent is not None and consent.given_by == "Anna Äiti"
        # A referral into Mieskaverit® is refused: it starts on the mother's own initiative.
        with pytest.raises(Problem) as referral:
            public_intake.apply_as_participant(
                db,
                programme,
                **_fields(source=IntakeSource.REFERRER, referrer_organisation="Koulu"),
            )
        assert referral.value.code == "intake_source_not_allowed"
        for bad, code in (
            ({"consent_processing": False}, "consent_required"),
            ({"contact_phone": ""}, "contact_required"),
            ({"kind": ParticipantKind.MAN}, "participant_not_eligible"),
        ):
            with pytest.raises(Problem) as refused:
                public_intake.apply_as_participant(db, programme, **_fields(**bad))
            assert refused.value.code == code
        key = f"participant_application_received:{participant.id}:"
        told = db.scalars(
            select(OutboxMessage.delivery_key).where(OutboxMessage.delivery_key.startswith(key))
        ).all()
    assert told == [f"{key}{org.people[Role.COORDINATOR]}"]


def test_a_closed_form_takes_no_application(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)  # volunteer form open, participant form closed
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        with pytest.raises(Problem) as closed:
            public_intake.apply_as_participant(db, programme, **_fields())
        assert closed.value.code == "applications_closed"


def test_api_public_participant_application(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    coordinator = token_for(client, org, Role.COORDINATOR)
    url = f"/api/v1/public/{org.slug}/programmes/{programme_id}/participant-applications"
    closed = client.post(url, json=APPLICATION)
    assert closed.status_code == 409 and closed.json["code"] == "applications_closed"
    opened = client.put(
        f"/api/v1/programmes/{programme_id}/participant-applications",
        json={"accept": True},
        headers=coordinator,
    )
    assert opened.status_code == 200 and opened.json["accepts_participant_applications"]
    referral = client.post(
        url, json={**APPLICATION, "source": "referrer", "referrer_organisation": "Koulu"}
    )
    assert referral.status_code == 422 and referral.json["code"] == "intake_source_not_allowed"
    sneaky = client.post(url, json={**APPLICATION, "status": "matched"})
    assert sneaky.status_code == 422 and "status" in sneaky.json["errors"]["json"]
    sent = client.post(url, json=APPLICATION)
    assert sent.status_code == 201, sent.text
    # What happens next, in the form's language (Finnish by default), naming the programme.
    assert sent.json["received"] is True and "Mieskaverit Turku" in sent.json["next_steps"]
    assert "id" not in sent.json  # an anonymous caller gets no handle on the record
    waiting = client.get("/api/v1/participants?status=waiting", headers=coordinator).json["items"]
    assert [(p["name"], p["intake_source"]) for p in waiting] == [("Eetu", "guardian")]
    inbox = client.get("/api/v1/notifications", headers=coordinator).json["items"]
    assert any(n["kind"] == "participant_application_received" for n in inbox)
    # Another organisation's slug does not reach this programme.
    other = make_org(database)
    wrong = f"/api/v1/public/{other.slug}/programmes/{programme_id}/participant-applications"
    assert client.post(wrong, json=APPLICATION).status_code == 404
    with in_tenant(database, org) as db:
        assert len(db.scalars(select(Participant)).all()) == 1
        assert db.scalars(select(Notification)).first() is not None
