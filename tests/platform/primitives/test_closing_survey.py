"""The closing survey: offered to the volunteer when a match closes, answered once."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import Org, make_org, token_for
from tests.platform.primitives.support import (
    in_tenant,
    make_active_match,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database
from tukiverkko.platform.errors import Conflict, Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import closing_survey, feedback, matching
from tukiverkko.platform.primitives.models import Match, Participant, Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import FeedbackAnswer, FormAudience
from tukiverkko.platform.primitives.models_reports import ClosingSurveyOffer

QUESTIONS = [
    {"key": "mood", "kind": "scale", "label": "Miten meni?", "required": True},
    {"key": "words", "kind": "text", "label": "Terveiset"},
]


def _form(database: Database, org: Org, *, anonymous: bool) -> uuid.UUID:
    with in_tenant(database, org) as db:
        form = feedback.create_form(
            db,
            title="Loppukysely",
            description="",
            questions=QUESTIONS,
            anonymous=anonymous,
            audience=FormAudience.VOLUNTEERS,
            created_by=org.people[Role.COORDINATOR],
        )
        feedback.open_form(db, form, actor_id=org.people[Role.COORDINATOR])
        return form.id


def _close(database: Database, org: Org, match_id: uuid.UUID) -> None:
    with in_tenant(database, org) as db:
        match = db.get(Match, match_id)
        assert match is not None
        programme = db.get(Programme, match.programme_id)
        assert programme is not None
        matching.close_match(
            db, match, programme, reason="moved", note="", actor_id=org.people[Role.COORDINATOR]
        )


def _designate(database: Database, org: Org, programme_id: uuid.UUID, form_id: uuid.UUID) -> None:
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        closing_survey.designate(db, programme, form_id, actor_id=org.people[Role.COORDINATOR])


def test_closing_a_match_offers_the_survey_and_the_answer_is_linked_to_the_match(
    database: Database,
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    form_id = _form(database, org, anonymous=False)
    _designate(database, org, programme_id, form_id)
    first, second = (
        make_active_match(database, org, programme_id, days_ago=100, linked=True),
        make_active_match(database, org, programme_id, days_ago=100, linked=True),
    )
    _close(database, org, first)
    _close(database, org, second)
    me = org.people[Role.VOLUNTEER]
    with in_tenant(database, org) as db:
        offers = db.scalars(closing_survey.offers_query(programme_id=programme_id)).all()
        assert {o.match_id for o in offers} == {first, second}
        assert all(o.user_id == me and o.answered_on is None for o in offers)
        by_match = {o.match_id: o for o in offers}
        closing_survey.answer(db, by_match[first], {"mood": 5, "words": "Kiitos"}, user_id=me)
        # Several closed matches, several answers by the same person: each linked to its match.
        closing_survey.answer(db, by_match[second], {"mood": 3}, user_id=me)
        with pytest.raises(Conflict) as twice:
            closing_survey.answer(db, by_match[first], {"mood": 1}, user_id=me)
        assert twice.value.code == "already_answered"
        with pytest.raises(Problem):
            closing_survey.answer(db, by_match[first], {"mood": 1}, user_id=uuid.uuid4())
        rows = db.scalars(select(FeedbackAnswer).where(FeedbackAnswer.form_id == form_id)).all()
        assert {r.match_id for r in rows} == {first, second}
        unanswered = db.scalars(closing_survey.offers_query(answered=False)).all()
        assert unanswered == []


def test_an_anonymous_closing_survey_says_only_that_it_was_answered(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    _designate(database, org, programme_id, _form(database, org, anonymous=True))
    match_id = make_active_match(database, org, programme_id, days_ago=100, linked=True)
    _close(database, org, match_id)
    with in_tenant(database, org) as db:
        (offer,) = db.scalars(select(ClosingSurveyOffer)).all()
        closing_survey.answer(db, offer, {"mood": 4}, user_id=org.people[Role.VOLUNTEER])
        assert offer.answered_on is not None and offer.answer_id is None
        (row,) = db.scalars(select(FeedbackAnswer)).all()
        assert (row.match_id, row.volunteer_id, row.respondent_user_id) == (None, None, None)


def test_no_survey_without_a_designated_form_or_for_a_match_that_never_started(
    database: Database,
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    _close(
        database, org, make_active_match(database, org, programme_id, days_ago=100, linked=True)
    )  # nothing designated
    _designate(database, org, programme_id, _form(database, org, anonymous=False))
    volunteer_id = make_volunteer(database, org, programme_id, approved=True)
    participant_id = make_participant(database, org, programme_id)
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        participant = db.get(Participant, participant_id)
        volunteer = db.get(Volunteer, volunteer_id)
        assert programme and participant and volunteer
        proposal = matching.propose(
            db, programme, participant, volunteer, actor_id=org.people[Role.COORDINATOR]
        )
    _close(database, org, proposal.id)
    with in_tenant(database, org) as db:
        assert db.scalars(select(ClosingSurveyOffer)).all() == []
        programme = db.get(Programme, programme_id)
        assert programme is not None
        with pytest.raises(Problem) as public_form:
            public = feedback.create_form(
                db,
                title="Julkinen",
                description="",
                questions=QUESTIONS,
                anonymous=True,
                audience=FormAudience.PUBLIC,
                created_by=org.people[Role.COORDINATOR],
            )
            closing_survey.designate(db, programme, public.id, actor_id=None)  # type: ignore[arg-type]
        assert public_form.value.code == "form_audience_not_volunteers"


def test_api_designate_offer_answer_and_the_coordinators_view(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    coordinator = token_for(client, org, Role.COORDINATOR)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    form_id = _form(database, org, anonymous=False)
    other_form = _form(database, make_org(database), anonymous=False)
    url = f"/api/v1/programmes/{programme_id}/closing-survey"
    assert (
        client.put(url, json={"form_id": str(other_form)}, headers=coordinator).status_code == 422
    )
    assert client.put(url, json={"form_id": str(form_id)}, headers=volunteer).status_code == 403
    set_ = client.put(url, json={"form_id": str(form_id)}, headers=coordinator)
    assert set_.status_code == 200 and set_.json["closing_survey_form_id"] == str(form_id)
    match_id = make_active_match(database, org, programme_id, days_ago=100, linked=True)
    closed = client.post(
        f"/api/v1/matches/{match_id}/close", json={"reason": "moved"}, headers=coordinator
    )
    assert closed.status_code == 200, closed.text
    # The volunteer is offered it in the inbox and in the list of their surveys.
    inbox = client.get("/api/v1/notifications", headers=volunteer).json["items"]
    assert any(n["kind"] == "closing_survey_offered" for n in inbox)
    (mine,) = client.get("/api/v1/closing-surveys", headers=volunteer).json["items"]
    assert mine["match_id"] == str(match_id) and mine["answered"] is False
    staff_view = client.get("/api/v1/closing-surveys?answered=false", headers=coordinator)
    assert [(o["match_id"], o["close_reason"]) for o in staff_view.json["items"]] == [
        (str(match_id), "moved")
    ]
    bad = client.post(
        f"/api/v1/closing-surveys/{mine['id']}/answer",
        json={"answers": {"x": 1}},
        headers=volunteer,
    )
    assert bad.status_code == 422
    assert (
        client.post(
            f"/api/v1/closing-surveys/{mine['id']}/answer",
            json={"answers": {"mood": 4}},
            headers=coordinator,
        ).status_code
        == 403
    )
    done = client.post(
        f"/api/v1/closing-surveys/{mine['id']}/answer",
        json={"answers": {"mood": 4}},
        headers=volunteer,
    )
    assert done.status_code == 200 and done.json["answered"] is True
    again = client.post(
        f"/api/v1/closing-surveys/{mine['id']}/answer",
        json={"answers": {"mood": 4}},
        headers=volunteer,
    )
    assert again.status_code == 409
    answered = client.get("/api/v1/closing-surveys?answered=true", headers=coordinator).json[
        "items"
    ]
    assert [o["match_id"] for o in answered] == [str(match_id)]
