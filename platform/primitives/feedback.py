"""Feedback: forms and surveys, answered per person or anonymously, as the form says.

Questions are a small typed JSON list, validated here:

    {"key": "mood", "kind": "scale", "label": "...", "required": true, "min": 1, "max": 5}
    {"key": "best", "kind": "text", "label": "...", "required": false}
    {"key": "pick", "kind": "choice", "label": "...", "options": ["a", "b"]}
    {"key": "again", "kind": "yes_no", "label": "..."}

A form is drafted, opened and closed (questions change only in a draft).
On an anonymous form the answer keeps no link to the person: no account,
no volunteer record, no address (never stored anywhere), its time cut to
the day, and no audit entry naming the respondent. A per-person form takes
one answer per account. A public form (participants, callers) is answered
without sign-in and is always anonymous.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.primitives.models_followup import (
    FeedbackAnswer,
    FeedbackForm,
    FormAudience,
    FormStatus,
)

QUESTION_KINDS = ("text", "scale", "choice", "yes_no")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_QUESTIONS = 50
MAX_TEXT_ANSWER = 5000


def _invalid(message: str, field: str = "questions") -> ValidationFailed:
    return ValidationFailed(
        "The questions are not valid.",
        code="invalid_questions",
        errors={"json": {field: [message]}},
    )


def clean_questions(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions in their normal form, or a 422 naming what is wrong."""
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise _invalid(f"Between 1 and {MAX_QUESTIONS} questions.")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, q in enumerate(questions, start=1):
        key, kind_, label = q.get("key"), q.get("kind"), q.get("label")
        if not isinstance(key, str) or not KEY.match(key) or key in seen:
            raise _invalid(f"Question {n}: a distinct key such as 'mood'.")
        if kind_ not in QUESTION_KINDS:
            raise _invalid(f"Question {n}: kind is one of {', '.join(QUESTION_KINDS)}.")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 500:
            raise _invalid(f"Question {n}: a label of 1 to 500 characters.")
        out: dict[str, Any] = {
            "key": key,
            "kind": kind_,
            "label": label.strip(),
            "required": bool(q.get("required", False)),
        }
        if kind_ == "scale":
            low, high = q.get("min", 1), q.get("max", 5)
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low < high <= 10):
                raise _invalid(f"Question {n}: a scale of whole numbers within 0..10.")
            out["min"], out["max"] = low, high
        if kind_ == "choice":
            options = q.get("options")
            if (
                not isinstance(options, list)
                or not 2 <= len(options) <= 20
                or not all(isinstance(o, str) and 1 <= len(o) <= 200 for o in options)
                or len(set(options)) != len(options)
            ):
                raise _invalid(f"Question {n}: 2 to 20 distinct options.")
            out["options"] = list(options)
        seen.add(key)
        cleaned.append(out)
    return cleaned


def create_form(
    db: Session,
    *,
    title: str,
    description: str,
    questions: list[dict[str, Any]],
    anonymous: bool,
    audience: FormAudience,
    created_by: uuid.UUID,
) -> FeedbackForm:
    """A draft form. A public form is anonymous whatever was asked."""
    if audience == FormAudience.PUBLIC and not anonymous:
        raise ValidationFailed(
            "A public form is answered without sign-in, so it is anonymous.",
            code="public_form_must_be_anonymous",
            errors={"json": {"anonymous": ["Must be true for a public form."]}},
        )
    form = FeedbackForm(
        title=title.strip(),
        description=description,
        questions=clean_questions(questions),
        anonymous=anonymous,
        audience=audience,
        status=FormStatus.DRAFT,
        created_by=created_by,
    )
    db.add(form)
    db.flush()
    return form


def edit_form(db: Session, form: FeedbackForm, changes: dict[str, Any]) -> FeedbackForm:
    """Change a draft. Once answers may exist the questions stay as they were asked."""
    if form.status != FormStatus.DRAFT:
        raise Conflict("Only a draft can be edited.", code="form_not_draft")
    if "questions" in changes:
        form.questions = clean_questions(changes["questions"])
    if "title" in changes:
        form.title = changes["title"].strip()
    if "description" in changes:
        form.description = changes["description"]
    return form


def open_form(db: Session, form: FeedbackForm, *, actor_id: uuid.UUID) -> FeedbackForm:
    if form.status != FormStatus.DRAFT:
        raise Conflict("Only a draft can be opened.", code="form_not_draft")
    form.status, form.opened_at = FormStatus.OPEN, utcnow()
    audit.record(
        db,
        "feedback_form_opened",
        actor_id=actor_id,
        target_type="feedback_form",
        target_id=form.id,
    )
    return form


def close_form(db: Session, form: FeedbackForm, *, actor_id: uuid.UUID) -> FeedbackForm:
    if form.status != FormStatus.OPEN:
        raise Conflict("Only an open form can be closed.", code="form_not_open")
    form.status, form.closed_at = FormStatus.CLOSED, utcnow()
    audit.record(
        db,
        "feedback_form_closed",
        actor_id=actor_id,
        target_type="feedback_form",
        target_id=form.id,
    )
    return form


def clean_answers(form: FeedbackForm, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers checked against the form's questions; unknown keys are refused."""
    by_key = {q["key"]: q for q in form.questions}
    errors: dict[str, list[str]] = {}
    for key in answers:
        if key not in by_key:
            errors[key] = ["No such question."]
    cleaned: dict[str, Any] = {}
    for key, q in by_key.items():
        value = answers.get(key)
        if value is None or value == "":
            if q["required"]:
                errors[key] = ["Required."]
            continue
        kind_ = q["kind"]
        ok = (
            (kind_ == "text" and isinstance(value, str) and len(value) <= MAX_TEXT_ANSWER)
            or (
                kind_ == "scale"
                and isinstance(value, int)
                and not isinstance(value, bool)
                and q["min"] <= value <= q["max"]
            )
            or (kind_ == "choice" and value in q["options"])
            or (kind_ == "yes_no" and isinstance(value, bool))
        )
        if not ok:
            errors[key] = [f"Not a valid answer to a {kind_} question."]
            continue
        cleaned[key] = value.strip() if isinstance(value, str) and kind_ == "text" else value
    if errors:
        raise ValidationFailed(
            "Some answers are not valid.",
            code="invalid_answers",
            errors={"json": {"answers": errors}},
        )
    return cleaned


def answer(
    db: Session,
    form: FeedbackForm,
    answers: dict[str, Any],
    *,
    respondent_user_id: uuid.UUID | None,
    volunteer_id: uuid.UUID | None = None,
) -> FeedbackAnswer:
    """Store one set of answers; on an anonymous form, nothing about who gave them."""
    if form.status != FormStatus.OPEN:
        raise Conflict("The form is not open.", code="form_not_open")
    cleaned = clean_answers(form, answers)
    if form.anonymous:
        # Deliberately drop every link to the person, and the precise time
        # (it could be set against request logs).
        now = utcnow()
        row = FeedbackAnswer(
            form_id=form.id,
            answers=cleaned,
            respondent_user_id=None,
            volunteer_id=None,
            created_at=datetime.combine(now.date(), time(), tzinfo=now.tzinfo),
        )
        db.add(row)
        db.flush()
        return row
    if respondent_user_id is None:
        raise Conflict("This form is answered signed in.", code="sign_in_required")
    already = db.scalar(
        select(FeedbackAnswer.id).where(
            FeedbackAnswer.form_id == form.id,
            FeedbackAnswer.respondent_user_id == respondent_user_id,
        )
    )
    if already is not None:
        raise Conflict("You have already answered.", code="already_answered")
    row = FeedbackAnswer(
        form_id=form.id,
        answers=cleaned,
        respondent_user_id=respondent_user_id,
        volunteer_id=volunteer_id,
    )
    db.add(row)
    db.flush()
    return row
