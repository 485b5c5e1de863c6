"""MLL Kaveri through the API: 6-17-year-olds, child protection asked, guardian's consent."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import make_org, token_for
from tests.platform.primitives.support import make_programme
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.tenants.licensing import today


def test_intake_asks_child_protection_and_the_guardians_consent(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key="support_person")
    headers = token_for(client, org, Role.COORDINATOR)
    base = {
        "programme_id": str(programme_id),
        "kind": "child",
        "name": "Aino",
        "birth_year": today().year - 10,
        "source": "referrer",
        "referrer_organisation": "Koulukuraattori",
        "consent_given_by": "Äiti Liisa",
    }

    def intake(**changes: object) -> tuple[int, str | None]:
        resp = client.post(
            "/api/v1/support-person/intakes", json={**base, **changes}, headers=headers
        )
        return resp.status_code, None if resp.status_code == 201 else resp.json["code"]

    # The question must be asked: neither endpoint takes a child in without it.
    assert intake() == (422, "validation_failed")
    plain = client.post("/api/v1/participants", json=base, headers=headers)
    assert plain.status_code == 422 and plain.json["code"] == "child_protection_question_required"
    assert intake(child_protection_client=True, guardian_consent_given_by="Liisa") == (
        422,
        "child_protection_client",
    )
    assert intake(child_protection_client=False) == (422, "guardian_consent_required")
    assert intake(
        child_protection_client=False,
        guardian_consent_given_by="Liisa",
        birth_year=today().year - 4,
    ) == (
        422,
        "participant_not_eligible",
    )
    assert intake(
        child_protection_client=False,
        guardian_consent_given_by="Liisa",
        birth_year=today().year - 19,
    ) == (
        422,
        "participant_not_eligible",
    )
    assert intake(child_protection_client=False, guardian_consent_given_by="Liisa") == (201, None)
    # A parent may also start it (no referrer then).
    assert intake(child_protection_client=False, source="guardian", referrer_organisation="") == (
        201,
        None,
    )
    # The model takes no self-referral of a child.
    assert intake(child_protection_client=False, source="self") == (
        422,
        "intake_source_not_allowed",
    )
