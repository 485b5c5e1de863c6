"""Suggestions: the database's ranking is numpy's, and its shared statement keeps tenants apart.

`suggest` lets the database score every eligible volunteer and hand only the
best few to Python, which scores them again with numpy and explains. These
tests hold the two scorings to each other on both databases, with ties,
unknown postcodes, used capacity and participants with or without tags.
"""

from __future__ import annotations

import random
import uuid

import numpy as np
import pytest

from tests.factories import Org, make_org
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
    AVAILABILITY_SLOTS,
    Participant,
    Programme,
    Volunteer,
    VolunteerStatus,
)

LANGUAGES = ["fi", "sv", "en", "ar", "so"]
INTERESTS = ["chess", "music", "lego", "football", "drawing", "fishing", "music_theory"]
POSTCODES = ["20100", "20150", "20500", "21100", "33100", ""]


def _volunteers(database: Database, org: Org, programme_id: uuid.UUID, n: int) -> list[uuid.UUID]:
    """`n` approved volunteers with random profiles: few values, so many ties."""
    rng = random.Random(2026)
    now = utcnow()
    with in_tenant(database, org) as db:
        rows = [
            Volunteer(
                programme_id=programme_id,
                name=f"V{i}",
                capacity=rng.randint(1, 3),
                status=VolunteerStatus.APPROVED,
                status_changed_at=now,
                check_recorded_at=now,
                training_completed_at=now,
                approved_at=now,
                postcode=rng.choice(POSTCODES),
                languages=rng.sample(LANGUAGES, rng.randint(0, 3)),
                interests=rng.sample(INTERESTS, rng.randint(0, 4)),
                availability=rng.sample(AVAILABILITY_SLOTS, rng.randint(0, 6)),
            )
            for i in range(n)
        ]
        db.add_all(rows)
        db.flush()
        return [v.id for v in rows]


def _numpy_ranking(
    db: object, programme: Programme, participant: Participant
) -> tuple[matching.Candidates, np.ndarray]:
    """Every eligible volunteer with numpy's score: no ranking in the database."""
    one = matching.people_of([participant])
    weights = matching.weights_for(programme.module_key)
    everyone = matching.load_candidates(
        db,  # type: ignore[arg-type]
        programme,
        one.vocabulary(),
        participant_id=participant.id,
    )
    return everyone, matching.combine(matching.factor_matrices(one, everyone, weights), weights)[0]


@pytest.mark.parametrize(
    "profile",
    [
        {
            "postcode": "20150",
            "languages": ["fi", "sv"],
            "interests": ["music", "lego", "chess"],
            "availability": ["mon_evening", "sat_morning", "sun_evening"],
        },
        {"postcode": "", "interests": ["music"]},  # "music_theory" must not count as "music"
        {},  # no postcode, no tags: capacity alone ranks
    ],
)
def test_the_database_ranks_as_numpy_scores(database: Database, profile: dict) -> None:  # type: ignore[type-arg]
    org = make_org(database)
    pid = make_programme(database, org)
    child = make_participant(database, org, pid, **profile)
    vids = _volunteers(database, org, pid, 60)
    coordinator = org.people[Role.COORDINATOR]
    others = [make_participant(database, org, pid) for _ in range(6)]
    with in_tenant(database, org) as db:
        programme = db.get(Programme, pid)
        assert programme is not None
        # Used capacity: some volunteers are offered to other children.
        for other, vid in zip(others, vids, strict=False):
            matching.propose(
                db, programme, db.get(Participant, other), db.get(Volunteer, vid),
                actor_id=coordinator,
            )  # fmt: skip
    with in_tenant(database, org) as db:
        programme, participant = db.get(Programme, pid), db.get(Participant, child)
        assert programme is not None and participant is not None
        everyone, exact = _numpy_ranking(db, programme, participant)
        row_of = {vid: k for k, vid in enumerate(everyone.ids)}
        one = matching.people_of([participant])
        weights = matching.weights_for(programme.module_key)
        for top in (1, 7, 25, 100):
            ranked = matching.load_candidates(
                db, programme, one.vocabulary(), participant_id=participant.id,
                ranked_for=one, weights=weights, top=top,
            )  # fmt: skip
            scores = matching.combine(matching.factor_matrices(one, ranked, weights), weights)[0]
            expected = np.sort(exact)[::-1][:top]
            # The database's best carry numpy's best scores. numpy's shares
            # are float32, so a near tie may come in another order (1e-8).
            assert len(ranked) == min(top, len(everyone))
            assert np.sort(scores)[::-1] == pytest.approx(expected, abs=1e-6)
            # What Python reads of those rows is what it reads without ranking.
            for j, vid in enumerate(ranked.ids):
                k = row_of[vid]
                assert ranked.names[j] == everyone.names[k]
                assert ranked.postcodes[j] == everyone.postcodes[k]
                assert ranked.capacity[j] == everyone.capacity[k]
                assert ranked.open_matches[j] == everyone.open_matches[k]
                for feature in matching.TAG_FEATURES:
                    assert (ranked.membership[feature][j] == everyone.membership[feature][k]).all()
        found = matching.suggest(db, programme, participant, limit=10)
        assert [s.score for s in found] == [round(float(s), 4) for s in np.sort(exact)[::-1][:10]]
        for s in found:
            volunteer = db.get(Volunteer, s.volunteer_id)
            assert volunteer is not None and volunteer.id in vids
            for factor in s.factors:
                if factor["factor"] in matching.TAG_FEATURES:
                    theirs = getattr(volunteer, factor["factor"])
                    wanted = getattr(participant, factor["factor"])
                    assert factor["shared"] == [t for t in wanted if t in theirs]


def test_suggestions_stay_in_their_tenant_turn_by_turn(database: Database) -> None:
    """The statement is shared between calls; the tenant is a value of each call."""
    orgs = [make_org(database), make_org(database)]
    mine: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = {}
    for org in orgs:
        pid = make_programme(database, org)
        child = make_participant(database, org, pid, postcode="20100", languages=["fi"])
        vid = make_volunteer(database, org, pid, approved=True, postcode="20100", languages=["fi"])
        mine[org.id] = (pid, child, vid)
    for org in (*orgs, orgs[0]):
        pid, child, vid = mine[org.id]
        with in_tenant(database, org) as db:
            programme, participant = db.get(Programme, pid), db.get(Participant, child)
            assert programme is not None and participant is not None
            found = matching.suggest(db, programme, participant)
        assert [s.volunteer_id for s in found] == [vid]
