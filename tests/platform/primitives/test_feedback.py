"""Feedback forms: typed questions, per-person and anonymous answers, public forms."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant
from tukiverkko.platform.audit import AuditEvent
from tukiverkko.platform.db import Database
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import feedback
from tukiverkko.platform.primitives.models_followup import (
    FeedbackAnswer,
    FormAudience,
    FormStatus,
)

QUESTIONS = [
    {"key": "mood", "kind": "scale", "label": "Miten meni?", "required": True, "min": 1, "max": 5},
    {"key": "best", "kind": "text", "label": "Paras hetki?"},
    {"key": "place", "kind": "choice", "label": "Missä?", "options": ["ulkona", "sisällä"]},
    {"key": "again", "kind": "yes_no", "label": "Uudestaan?"},
]


def test_questions_are_typed_and_answers_checked_against_them(database: Database) -> None:
    org = make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    with in_tenant(database, org) as db:
        for bad in (
            [],
            [{"key": "x", "kind": "essay", "label": "?"}],
            [
                {"key": "x", "kind": "text", "label": "?"},
                {"key": "x", "kind": "text", "label": "?"},
            ],
            [{"key": "x", "kind": "choice", "label": "?", "options": ["yksi"]}],
            [{"key": "x", "kind": "scale", "label": "?", "min": 5, "max": 1}],
        ):
            with pytest.raises(Problem) as refused:
                feedback.clean_questions(bad)
            assert refused.value.code == "invalid_questions"
        form = feedback.create_form(
            db,
            title="Kevätkysely",
            description="",
            questions=QUESTIONS,
            anonymous=False,
            audience=FormAudience.VOLUNTEERS,
            created_by=coordinator,
        )
        with pytest.raises(Problem) as draft:
            feedback.answer(db, form, {"mood": 3}, respondent_user_id=coordinator)
        assert draft.value.code == "form_not_open"
        feedback.open_form(db, form, actor_id=coordinator)
        with pytest.raises(Problem) as frozen:
            feedback.edit_form(db, form, {"questions": QUESTIONS[:1]})
        assert frozen.value.code == "form_not_draft"
        for bad_answer in ({}, {"mood": 9}, {"mood": True}, {"mood": 3, "place": "kuu"},
                           {"mood": 3, "nope": 1}, {"mood": 3, "again": "kyllä"}):  # fmt: skip
            with pytest.raises(Problem) as invalid:
                feedback.answer(db, form, bad_answer, respondent_user_id=coordinator)
            assert invalid.value.code == "invalid_answers"
        row = feedback.answer(
            db, form, {"mood": 4, "best": " Uinti ", "again": True}, respondent_user_id=coordinator
        )
        assert row.answers == {"mood": 4, "best": "Uinti", "again": True}
        assert row.respondent_user_id == coordinator
        with pytest.raises(Problem) as twice:
            feedback.answer(db, form, {"mood": 2}, respondent_user_id=coordinator)
        assert twice.value.code == "already_answered"
        feedback.close_form(db, form, actor_id=coordinator)
        assert form.status == FormStatus.CLOSED
        with pytest.raises(Problem) as public_named:
            feedback.create_form(
                db, title="x", description="", questions=QUESTIONS, anonymous=False,
                audience=FormAudience.PUBLIC, created_by=coordinator,
            )  # fmt: skip
        assert public_named.value.code == "public_form_must_be_anonymous"


def test_an_anonymous_answer_keeps_no_link_to_the_person(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    form = client.post(
        "/api/v1/feedback/forms",
        json={"title": "Nimetön kysely", "questions": QUESTIONS, "anonymous": True},
        headers=coordinator,
    )
    assert form.status_code == 201, form.text
    fid = form.json["id"]
    assert client.get(f"/api/v1/feedback/forms/{fid}", headers=volunteer).status_code == 404
    assert client.post(f"/api/v1/feedback/forms/{fid}/open", headers=coordinator).status_code == 200
    listed = client.get("/api/v1/feedback/forms", headers=volunteer).json["items"]
    assert [f["id"] for f in listed] == [fid]
    for mood in (2, 5):  # nothing to tell two answers of one person apart: both are kept
        sent = client.post(
            f"/api/v1/feedback/forms/{fid}/answers",
            json={"answers": {"mood": mood, "best": "Retki"}},
            headers=volunteer,
            environ_base={"REMOTE_ADDR": "198.51.100.23"},
        )
        assert sent.status_code == 201, sent.text
        assert set(sent.json) == {"id", "form_id"}
    answers = client.get(f"/api/v1/feedback/forms/{fid}/answers", headers=coordinator)
    assert [a["respondent_user_id"] for a in answers.json["items"]] == [None, None]
    assert client.get(f"/api/v1/feedback/forms/{fid}/answers", headers=volunteer).status_code == 403

    user_id = str(org.people[Role.VOLUNTEER])
    with in_tenant(database, org) as db:
        rows = db.scalars(select(FeedbackAnswer).where(FeedbackAnswer.form_id == uuid.UUID(fid)))
        for row in rows:
            # The row has no column that could hold the person but these three, all empty
            # (`match_id`: a per-person closing-survey answer, primitives/closing_survey.py),
            columns = {c.key for c in inspect(FeedbackAnswer).columns}
            assert columns == {
                "id", "tenant_id", "created_at", "form_id", "answers",
                "respondent_user_id", "volunteer_id", "match_id",
            }  # fmt: skip
            assert row.respondent_user_id is None and row.volunteer_id is None
            assert row.match_id is None
            # its time is cut to the day,
            assert (row.created_at.hour, row.created_at.minute, row.created_at.second) == (0, 0, 0)
            # and neither the account nor the address appears anywhere in it.
            text = repr({c: getattr(row, c) for c in columns})
            assert user_id not in text and "198.51.100.23" not in text
        # No audit entry ties the account to the answer.
        audit_rows = db.scalars(select(AuditEvent)).all()
        assert not [
            a for a in audit_rows if str(a.actor_id) == user_id and "feedback" in str(a.action)
        ]


def test_public_form_is_answered_without_sign_in(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    named = client.post(
        "/api/v1/feedback/forms",
        json={"title": "Nimellinen", "questions": QUESTIONS, "anonymous": False},
        headers=coordinator,
    ).json["id"]
    client.post(f"/api/v1/feedback/forms/{named}/open", headers=coordinator)
    ok = client.post(
        f"/api/v1/feedback/forms/{named}/answers", json={"answers": {"mood": 3}}, headers=volunteer
    )
    assert ok.status_code == 201
    twice = client.post(
        f"/api/v1/feedback/forms/{named}/answers", json={"answers": {"mood": 3}}, headers=volunteer
    )
    assert twice.status_code == 409 and twice.json["code"] == "already_answered"
    answers = client.get(f"/api/v1/feedback/forms/{named}/answers", headers=coordinator)
    assert answers.json["items"][0]["respondent_user_id"] == str(org.people[Role.VOLUNTEER])

    public = client.post(
        "/api/v1/feedback/forms",
        json={
            "title": "MIESluuri",
            "questions": QUESTIONS,
            "anonymous": True,
            "audience": "public",
        },
        headers=coordinator,
    ).json["id"]
    url = f"/api/v1/public/{org.slug}/feedback-forms/{public}"
    assert client.get(url).status_code == 404  # a draft is not public yet
    client.post(f"/api/v1/feedback/forms/{public}/open", headers=coordinator)
    page = client.get(url)
    assert page.status_code == 200 and page.json["questions"][0]["key"] == "mood"
    sent = client.post(f"{url}/answers", json={"answers": {"mood": 5, "again": True}})
    assert sent.status_code == 201
    bad = client.post(f"{url}/answers", json={"answers": {"mood": 0}})
    assert bad.status_code == 422 and bad.json["code"] == "invalid_answers"
    # A per-person form is never public, nor another tenant's form under this slug.
    assert client.get(f"/api/v1/public/{org.slug}/feedback-forms/{named}").status_code == 404
    other = make_org(database)
    assert client.get(f"/api/v1/public/{other.slug}/feedback-forms/{public}").status_code == 404
    client.post(f"/api/v1/feedback/forms/{public}/close", headers=coordinator)
    assert client.post(f"{url}/answers", json={"answers": {"mood": 5}}).status_code == 404
