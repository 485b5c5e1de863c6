"""Ystäväksi maahanmuuttajaäidille through the API: Finnish-speaking women as volunteers, the
mother's intake (languages, Finnish, children, how she came), language and area in matching."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import matching
from tukiverkko.platform.primitives.models import (
    IntakeSource,
    Participant,
    ParticipantKind,
    Programme,
    Volunteer,
)
from tukiverkko.tenants.licensing import today

KEY = "immigrant_mother_friend"


def test_only_a_finnish_speaking_woman_is_approved(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key=KEY, name="Ystäväksi äidille")
    coordinator = token_for(client, org, Role.COORDINATOR)
    vid = make_volunteer(database, org, programme_id)
    with in_tenant(database, org) as db:  # interviewed and trained: only the facts are left
        volunteer = db.get(Volunteer, vid)
        assert volunteer is not None
        volunteer.training_completed_at = utcnow() - timedelta(days=1)
    client.post(
        f"/api/v1/volunteers/{vid}/interview-notes", json={"text": "ok"}, headers=coordinator
    )

    def approve() -> tuple[int, str | None]:
        resp = client.post(f"/api/v1/volunteers/{vid}/approve", headers=coordinator)
        return resp.status_code, resp.json.get("code")

    def facts(**values: str) -> None:
        resp = client.put(
            f"/api/v1/immigrant-mother-friend/volunteers/{vid}/facts",
            json=values,
            headers=coordinator,
        )
        assert resp.status_code == 200, resp.text

    assert approve() == (409, "volunteer_facts_missing")
    facts(gender="man", finnish_level="native")
    assert approve() == (409, "volunteer_not_eligible")
    facts(gender="woman", finnish_level="intermediate")
    assert approve() == (409, "volunteer_not_eligible")
    facts(gender="woman", finnish_level="native")
    assert approve() == (200, None)


def test_the_mothers_intake_asks_languages_finnish_children_and_the_channel(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key=KEY, name="Ystäväksi äidille")
    coordinator = token_for(client, org, Role.COORDINATOR)
    year = today().year
    base = {
        "programme_id": str(programme_id),
        "kind": "woman",
        "name": "Amina",
        "source": "referrer",
        "referrer_organisation": "Varissuon neuvola",
        "referral_channel": "neuvola",
        "consent_given_by": "Amina",
        "languages": ["so", "en"],
        "postcode": "20610",
        "finnish_level": "beginner",
        "children_count": 2,
        "children_birth_years": [year - 1, year - 4],
    }

    def intake(**changes: object) -> tuple[int, str | None]:
        resp = client.post(
            "/api/v1/immigrant-mother-friend/intakes", json={**base, **changes}, headers=coordinator
        )
        return resp.status_code, None if resp.status_code == 201 else resp.json["code"]

    plain = {k: v for k, v in base.items() if k in ("programme_id", "kind", "name", "source")}
    bypass = client.post(
        "/api/v1/participants",
        json={**plain, "referrer_organisation": "Neuvola", "consent_given_by": "Amina"},
        headers=coordinator,
    )
    assert bypass.status_code == 422 and bypass.json["code"] == "mother_answers_required"
    assert intake(languages=[]) == (422, "languages_required")
    # A referral comes from neuvola or integration services; coming herself is self-referral.
    assert intake(referral_channel="self") == (422, "referral_channel_mismatch")
    assert intake(source="self", referrer_organisation="") == (422, "referral_channel_mismatch")
    assert intake(source="guardian") == (422, "intake_source_not_allowed")
    assert intake(children_count=1) == (422, "invalid_children")
    assert intake(kind="family") == (422, "participant_not_eligible")
    assert intake() == (201, None)
    assert intake(referral_channel="integration_services") == (201, None)
    assert intake(source="self", referrer_organisation="", referral_channel="self") == (201, None)
    mothers = client.get(
        "/api/v1/participants",
        query_string={"programme_id": str(programme_id)},
        headers=coordinator,
    ).json["items"]
    answers = client.get(
        f"/api/v1/immigrant-mother-friend/participants/{mothers[-1]['id']}/answers",
        headers=coordinator,
    ).json
    assert answers["finnish_level"] == "beginner" and answers["children_count"] == 2
    assert answers["referral_channel"] == "neuvola"
    assert mothers[-1]["languages"] == ["so", "en"]


def test_matching_weighs_language_and_area_most(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key=KEY, name="Ystäväksi äidille")
    # Near, speaks her language; nothing else in common.
    near = make_volunteer(
        database, org, programme_id, approved=True, name="Liisa", postcode="20200",
        languages=["fi", "ar"],
    )  # fmt: skip
    # Far, only Finnish; same interests and times.
    far = make_volunteer(
        database, org, programme_id, approved=True, name="Maija", postcode="20900",
        languages=["fi"], interests=["cooking", "walking"],
        availability=["tue_evening", "thu_evening"],
    )  # fmt: skip
    mother = make_participant(
        database, org, programme_id, kind=ParticipantKind.WOMAN, name="Fatima",
        source=IntakeSource.SELF, consent_given_by="Fatima", postcode="20100",
        languages=["ar", "fi"], interests=["cooking", "walking"],
        availability=["tue_evening", "thu_evening"],
        answers={"referral_channel": "self", "children_count": 1, "children_birth_years": []},
    )  # fmt: skip
    coordinator = token_for(client, org, Role.COORDINATOR)
    ranked = client.get(f"/api/v1/participants/{mother}/suggestions", headers=coordinator).json
    assert [s["volunteer_id"] for s in ranked["items"]] == [str(near), str(far)]
    # The same two with the platform's default weights: the other way round.
    with in_tenant(database, org) as db:
        programme, participant = db.get(Programme, programme_id), db.get(Participant, mother)
        assert programme and participant
        default = matching.suggest(db, programme, participant, weights=matching.MatchWeights())
    assert [s.volunteer_id for s in default] == [far, near]
    assert isinstance(near, uuid.UUID)
