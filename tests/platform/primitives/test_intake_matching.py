"""Intake of participants and matching: services, then the API."""

from __future__ import annotations

import numpy as np
import pytest
from flask.testing import FlaskClient

from tests.factories import make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import consents, intake, matching, volunteers
from tukiverkko.platform.primitives.models import (
    ConsentPurpose,
    IntakeSource,
    Match,
    MatchStatus,
    Participant,
    ParticipantKind,
    ParticipantStatus,
    Programme,
    Volunteer,
    VolunteerStatus,
)

# ---------------------------------------------------------------------------
# Intake: services


def test_intake_only_from_the_sources_the_programme_allows(database: Database) -> None:
    org = make_org(database)
    mentor = make_programme(database, org)  # guardian only, as Mieskaverit
    family = make_programme(
        database,
        org,
        module_key="peer_parents",
        intake_sources={IntakeSource.REFERRER, IntakeSource.SELF},
    )
    with pytest.raises(Problem) as refused:
        make_participant(
            database, org, mentor, source=IntakeSource.REFERRER, referrer_organisation="Koulu"
        )
    assert refused.value.code == "intake_source_not_allowed"
    with pytest.raises(Problem) as unnamed:
        make_participant(database, org, family, source=IntakeSource.REFERRER)
    assert unnamed.value.code == "referrer_required"
    pid = make_participant(
        database,
        org,
        family,
        kind=ParticipantKind.FAMILY,
        source=IntakeSource.REFERRER,
        referrer_organisation="Neuvola",
    )
    with in_tenant(database, org) as db:
        participant = db.get(Participant, pid)
        assert participant is not None
        assert participant.intake_source == IntakeSource.REFERRER
        assert participant.status == ParticipantStatus.WAITING
        assert consents.has_consent(db, pid, ConsentPurpose.PROCESSING)
        assert not consents.has_consent(db, pid, ConsentPurpose.SHARE_CONTACT)


# ---------------------------------------------------------------------------
# Matching: services


def _volunteer(database, org, programme_id, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("approved", True)
    return make_volunteer(database, org, programme_id, **kw)


def test_suggestions_are_ranked_explained_and_only_eligible(database: Database) -> None:
    org = make_org(database)
    pid = make_programme(database, org)
    child = make_participant(
        database,
        org,
        pid,
        postcode="20100",
        languages=["fi", "ar"],
        interests=["football"],
        availability=["sat_morning"],
    )
    best = _volunteer(
        database,
        org,
        pid,
        name="Paras",
        postcode="20100",
        languages=["fi", "ar"],
        interests=["football", "chess"],
        availability=["sat_morning"],
    )
    near = _volunteer(database, org, pid, name="Lähellä", postcode="20500", languages=["fi"])
    far = _volunteer(database, org, pid, name="Kaukana", postcode="90100", languages=["ar"])
    not_approved = _volunteer(database, org, pid, approved=False, postcode="20100")
    paused = _volunteer(database, org, pid, postcode="20100")
    unchecked = _volunteer(database, org, pid, postcode="20100")
    busy = _volunteer(database, org, pid, postcode="20100")
    declined = _volunteer(database, org, pid, postcode="20100")
    coordinator = org.people[Role.COORDINATOR]
    other_child = make_participant(database, org, pid)
    with in_tenant(database, org) as db:
        p = db.get(Programme, pid)
        volunteers.pause(db, db.get(Volunteer, paused), actor_id=coordinator)
        db.get(Volunteer, unchecked).check_recorded_at = None
        matching.propose(
            db, p, db.get(Participant, other_child), db.get(Volunteer, busy), actor_id=coordinator
        )
        offer = matching.propose(
            db, p, db.get(Participant, child), db.get(Volunteer, declined), actor_id=coordinator
        )
        matching.decline(db, offer, side="volunteer", actor_id=coordinator)
    with in_tenant(database, org) as db:
        found = matching.suggest(db, db.get(Programme, pid), db.get(Participant, child))
    assert [s.volunteer_id for s in found] == [best, near, far]
    assert not_approved not in {s.volunteer_id for s in found}
    top = {f["factor"]: f for f in found[0].factors}
    assert top["languages"]["shared"] == ["fi", "ar"] and top["languages"]["value"] == 1.0
    assert top["interests"]["shared"] == ["football"]
    assert top["availability"]["shared"] == ["sat_morning"]
    assert top["distance"]["difference"] == 0 and top["distance"]["value"] == 1.0
    assert top["capacity"] == {**top["capacity"], "capacity": 1, "remaining": 1}
    assert found[0].score == pytest.approx(1.0)
    assert {f["factor"]: f for f in found[1].factors}["distance"]["difference"] == 400
    assert sum(f["contribution"] for f in found[1].factors) == pytest.approx(
        found[1].score, abs=1e-3
    )
    assert "capacity_left" in found[0].eligibility


def test_exact_assignment_beats_greedy_and_respects_capacity_and_forbidden_pairs() -> None:
    scores = np.array([[0.9, 0.8], [0.85, 0.1]])
    exact = matching.assign(scores, np.array([1, 1]), method="exact")
    greedy = matching.assign(scores, np.array([1, 1]), method="greedy")
    total = lambda pairs: sum(scores[r, c] for r, c in pairs)  # noqa: E731
    assert sorted(exact) == [(0, 1), (1, 0)] and total(exact) == pytest.approx(1.65)
    assert sorted(greedy) == [(0, 0), (1, 1)] and total(greedy) < total(exact)
    # One volunteer with two places takes both; a forbidden pair is never proposed.
    assert sorted(matching.assign(scores, np.array([2, 0]), method="exact")) == [(0, 0), (1, 0)]
    forbidden = np.array([[-np.inf, 0.5], [-np.inf, 0.4]])
    for method in ("exact", "greedy"):
        pairs = matching.assign(forbidden, np.array([1, 1]), method=method)
        assert pairs == [(0, 1)]


def test_batch_assignment_pairs_every_waiting_participant_once(database: Database) -> None:
    org = make_org(database)
    pid = make_programme(database, org)
    kids = [make_participant(database, org, pid, postcode=pc) for pc in ("20100", "33100", "00100")]
    vols = [_volunteer(database, org, pid, postcode=pc) for pc in ("00120", "20110", "33120")]
    with in_tenant(database, org) as db:
        pairs = matching.propose_assignment(db, db.get(Programme, pid))
    assert {(a.participant_id, a.volunteer_id) for a in pairs} == {
        (kids[0], vols[1]),
        (kids[1], vols[2]),
        (kids[2], vols[0]),
    }


def test_the_match_lifecycle(database: Database) -> None:
    org = make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    pid = make_programme(database, org)
    child = make_participant(database, org, pid)
    vid = _volunteer(database, org, pid)
    applicant = _volunteer(database, org, pid, approved=False)
    second_child = make_participant(database, org, pid)
    with in_tenant(database, org) as db:
        p, kid = db.get(Programme, pid), db.get(Participant, child)
        with pytest.raises(Problem) as not_approved:
            matching.propose(db, p, kid, db.get(Volunteer, applicant), actor_id=coordinator)
        assert not_approved.value.code == "volunteer_not_approved"
        match = matching.propose(db, p, kid, db.get(Volunteer, vid), actor_id=coordinator)
        with pytest.raises(Problem) as twice:
            matching.propose(db, p, kid, db.get(Volunteer, vid), actor_id=coordinator)
        assert twice.value.code == "participant_already_matched"
    with in_tenant(database, org) as db:
        with pytest.raises(Problem) as full:
            matching.propose(
                db,
                db.get(Programme, pid),
                db.get(Participant, second_child),
                db.get(Volunteer, vid),
                actor_id=coordinator,
            )
        assert full.value.code == "volunteer_at_capacity"
        match = db.get(Match, match.id)
        matching.accept_as_volunteer(db, match, actor_id=coordinator)
        assert match.status == MatchStatus.PROPOSED
        matching.accept_for_participant(db, match, given_by="Äiti Anna", actor_id=coordinator)
        assert match.status == MatchStatus.ACTIVE
        assert db.get(Volunteer, vid).status == VolunteerStatus.ACTIVE
        assert db.get(Participant, child).status == ParticipantStatus.MATCHED
        assert consents.has_consent(db, child, ConsentPurpose.SHARE_CONTACT)
        matching.pause_match(db, match, actor_id=coordinator)
        matching.resume_match(db, match, actor_id=coordinator)
        with pytest.raises(Problem) as unknown:
            matching.close_match(
                db, match, db.get(Programme, pid), reason="bored", note="", actor_id=coordinator
            )
        assert unknown.value.code == "unknown_closing_reason"
        matching.close_match(
            db, match, db.get(Programme, pid), reason="moved", note="Oulu", actor_id=coordinator
        )
    with in_tenant(database, org) as db:
        closed = db.get(Match, match.id)
        assert closed.status == MatchStatus.CLOSED and closed.close_reason == "moved"
        assert db.get(Volunteer, vid).status == VolunteerStatus.APPROVED
        assert db.get(Participant, child).status == ParticipantStatus.WAITING
        intake.end_participation(
            db, db.get(Participant, child), reason="Tarve päättyi", actor_id=coordinator
        )


# ---------------------------------------------------------------------------
# API


def _setup(client: FlaskClient, database: Database):  # type: ignore[no-untyped-def]
    org = make_org(database)
    pid = make_programme(database, org)
    vid = _volunteer(database, org, pid, linked=True, postcode="20100", languages=["fi"])
    return (
        org,
        pid,
        vid,
        token_for(client, org, Role.COORDINATOR),
        token_for(client, org, Role.VOLUNTEER),
    )


def test_intake_through_the_api_refuses_a_referral_into_a_guardian_only_programme(
    client: FlaskClient, database: Database
) -> None:
    _, pid, _, coordinator, _ = _setup(client, database)
    body = {
        "programme_id": str(pid),
        "kind": "child",
        "name": "Eetu",
        "postcode": "20100",
        "consent_given_by": "Äiti Anna",
        "contact_name": "Anna",
    }
    referral = client.post(
        "/api/v1/participants",
        headers=coordinator,
        json={**body, "source": "referrer", "referrer_organisation": "Koulu"},
    )
    assert referral.status_code == 422 and referral.json["code"] == "intake_source_not_allowed"
    owned = client.post(
        "/api/v1/participants",
        json={**body, "source": "guardian", "status": "matched"},
        headers=coordinator,
    )
    assert owned.status_code == 422
    created = client.post(
        "/api/v1/participants", json={**body, "source": "guardian"}, headers=coordinator
    )
    assert created.status_code == 201 and created.json["intake_source"] == "guardian"
    consents_ = client.get(
        f"/api/v1/participants/{created.json['id']}/consents", headers=coordinator
    ).json["items"]
    assert [(c["purpose"], c["given_by"]) for c in consents_] == [("processing", "Äiti Anna")]


def test_contact_details_reach_the_volunteer_only_after_the_participant_side_accepts(
    client: FlaskClient, database: Database
) -> None:
    org, pid, vid, coordinator, me = _setup(client, database)
    child = make_participant(database, org, pid, postcode="20100", languages=["fi"])
    note = client.post(
        f"/api/v1/participants/{child}/notes",
        json={"text": "Isä ei tapaa lasta; äidillä masennus"},
        headers=coordinator,
    )
    assert note.status_code == 201
    suggestions = client.get(f"/api/v1/participants/{child}/suggestions", headers=coordinator)
    assert suggestions.status_code == 200
    assert suggestions.json["items"][0]["volunteer_id"] == str(vid)
    proposed = client.post(
        "/api/v1/matches",
        json={"participant_id": str(child), "volunteer_id": str(vid)},
        headers=coordinator,
    )
    assert proposed.status_code == 201, proposed.text
    mid = proposed.json["id"]
    assert proposed.json["participant"]["contact"]["phone"] == "+358401234567"  # staff see it

    seen = client.get(f"/api/v1/matches/{mid}", headers=me)
    assert seen.status_code == 200 and seen.json["participant"]["contact"] is None
    accepted = client.post(f"/api/v1/matches/{mid}/volunteer-accept", headers=me)
    assert accepted.json["participant"]["contact"] is None
    assert accepted.json["status"] == "proposed"
    assert (
        client.post(
            f"/api/v1/matches/{mid}/participant-accept", json={"given_by": "Anna"}, headers=me
        ).status_code
        == 403
    )
    done = client.post(
        f"/api/v1/matches/{mid}/participant-accept", json={"given_by": "Anna"}, headers=coordinator
    )
    assert done.json["status"] == "active"
    mine = client.get("/api/v1/matches", headers=me).json["items"]
    assert mine[0]["participant"]["contact"] == {
        "name": "Anna Äiti",
        "phone": "+358401234567",
        "email": "anna@example.org",
    }
    # Sensitive notes never reach a volunteer, by any route.
    for response in (
        client.get(f"/api/v1/participants/{child}/notes", headers=me),
        client.get(f"/api/v1/participants/{child}", headers=me),
        client.get(f"/api/v1/matches/{mid}", headers=me),
        client.get("/api/v1/matches", headers=me),
    ):
        assert "masennus" not in response.text
    assert client.get(f"/api/v1/participants/{child}/notes", headers=me).status_code == 404
    closed = client.post(
        f"/api/v1/matches/{mid}/close", json={"reason": "moved"}, headers=coordinator
    )
    assert closed.json["status"] == "closed"
    history = client.get("/api/v1/matches", query_string={"status": "closed"}, headers=coordinator)
    assert [m["id"] for m in history.json["items"]] == [mid]


def test_a_volunteer_sees_only_their_own_matches_and_may_decline(
    client: FlaskClient, database: Database
) -> None:
    org, pid, vid, coordinator, me = _setup(client, database)
    someone_else = _volunteer(database, org, pid)
    kids = [make_participant(database, org, pid) for _ in range(2)]
    ids = [
        client.post(
            "/api/v1/matches",
            json={"participant_id": str(k), "volunteer_id": str(v)},
            headers=coordinator,
        ).json["id"]
        for k, v in zip(kids, (vid, someone_else), strict=True)
    ]
    assert [m["id"] for m in client.get("/api/v1/matches", headers=me).json["items"]] == [ids[0]]
    assert client.get(f"/api/v1/matches/{ids[1]}", headers=me).status_code == 404
    assert client.post(f"/api/v1/matches/{ids[1]}/volunteer-decline", headers=me).status_code == 404
    declined = client.post(f"/api/v1/matches/{ids[0]}/volunteer-decline", headers=me)
    assert declined.json["status"] == "declined"
    assignment = client.get(f"/api/v1/programmes/{pid}/assignment", headers=coordinator)
    assert assignment.status_code == 200
    # The declined pair is not proposed again; the other child has an open offer.
    assert all(
        a["volunteer_id"] != str(vid) or a["participant_id"] != str(kids[0])
        for a in assignment.json["items"]
    )
    assert client.get(f"/api/v1/programmes/{pid}/assignment", headers=me).status_code == 403
