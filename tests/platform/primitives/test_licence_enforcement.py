"""A suspended licence stops new intakes and matches; the history stays readable."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_org, token_for
from tests.platform.primitives.support import make_participant, make_programme, make_volunteer
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.tenants.licensing import SYSTEM, change_status
from tukiverkko.tenants.licensing_models import Licence


def _licence_action(database: Database, partner_id, action: str) -> None:  # type: ignore[no-untyped-def]
    with context.cross_tenant("test: owner acts on a licence"), database.unit_of_work() as db:
        licence = db.scalar(select(Licence).where(Licence.partner_tenant_id == partner_id))
        assert licence is not None
        change_status(db, licence, action, actor=SYSTEM, reason="Raportti puuttuu")


def test_suspension_refuses_new_work_and_keeps_history(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, capacity=2)
    earlier = make_participant(database, org, programme_id)
    waiting = make_participant(database, org, programme_id, name="Onni")
    coordinator = token_for(client, org, Role.COORDINATOR)
    first = client.post(
        "/api/v1/matches",
        json={"participant_id": str(earlier), "volunteer_id": str(volunteer_id)},
        headers=coordinator,
    )
    assert first.status_code == 201, first.text

    _licence_action(database, org.id, "suspend")

    intake = client.post(
        "/api/v1/participants",
        json={
            "programme_id": str(programme_id),
            "kind": "child",
            "source": "guardian",
            "name": "Uusi Lapsi",
            "consent_given_by": "Äiti",
        },
        headers=coordinator,
    )
    assert intake.status_code == 403 and intake.json["code"] == "licence_required"
    match = client.post(
        "/api/v1/matches",
        json={"participant_id": str(waiting), "volunteer_id": str(volunteer_id)},
        headers=coordinator,
    )
    assert match.status_code == 403 and match.json["code"] == "licence_required"
    # everything recorded before stays readable
    participants = client.get("/api/v1/participants", headers=coordinator).json["items"]
    assert {p["id"] for p in participants} == {str(earlier), str(waiting)}
    matches = client.get("/api/v1/matches", headers=coordinator).json["items"]
    assert [m["id"] for m in matches] == [first.json["id"]]
    assert client.get(f"/api/v1/volunteers/{volunteer_id}", headers=coordinator).status_code == 200

    _licence_action(database, org.id, "reinstate")
    again = client.post(
        "/api/v1/matches",
        json={"participant_id": str(waiting), "volunteer_id": str(volunteer_id)},
        headers=coordinator,
    )
    assert again.status_code == 201, again.text
