"""The closing survey of a match: offered when the match closes, answered once.

A programme designates one of the organisation's feedback forms (audience:
volunteers, answered signed in) as its closing survey. When a match that
was under way closes, its volunteer is offered the survey: an offer row and
an in-app notification. The answer is linked to the match on a per-person
form; on an anonymous form it keeps no link at all (see `feedback.answer`),
and the offer records only that - and on which day - it was answered, so the
coordinator still sees answered or unanswered per closed match.

The participant's side is offered the survey only where it has an account;
participants (children, families, callers) have no accounts on the platform,
so today the volunteer is the one side that is offered it in-app.
Per-person closing answers are stored without `respondent_user_id`: a
volunteer may close several matches over the years and answer each time,
while that column allows one answer per person and form.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, Forbidden, ValidationFailed
from tukiverkko.platform.notifications import Channel, kind, notify
from tukiverkko.platform.primitives import feedback
from tukiverkko.platform.primitives.models import Match, Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import (
    FeedbackAnswer,
    FeedbackForm,
    FormAudience,
    FormStatus,
)
from tukiverkko.platform.primitives.models_reports import ClosingSurveyOffer, SurveySide


def designate(
    db: Session, programme: Programme, form_id: uuid.UUID | None, *, actor_id: uuid.UUID
) -> Programme:
    """Make a feedback form the programme's closing survey (None: no survey)."""
    if form_id is not None:
        form = db.get(FeedbackForm, form_id)  # another tenant's form: None, like a wrong id
        if form is None:
            raise ValidationFailed(
                "No such feedback form.",
                code="unknown_form",
                errors={"json": {"form_id": ["No such form."]}},
            )
        if form.audience != FormAudience.VOLUNTEERS:
            raise ValidationFailed(
                "The closing survey is answered signed in: choose a form for volunteers.",
                code="form_audience_not_volunteers",
                errors={"json": {"form_id": ["A form for volunteers."]}},
            )
        if form.status == FormStatus.CLOSED:
            raise Conflict("The form is closed.", code="form_not_open")
    programme.closing_survey_form_id = form_id
    audit.record(
        db,
        "closing_survey_designated",
        actor_id=actor_id,
        target_type="programme",
        target_id=programme.id,
        form_id=str(form_id) if form_id else None,
    )
    return programme


def offer(db: Session, match: Match, programme: Programme) -> list[ClosingSurveyOffer]:
    """Offer the programme's closing survey for a match that has just closed.

    Nothing happens for a match that never started (a proposal withdrawn),
    without a designated survey, or when the form is not open.
    """
    if match.activated_at is None or programme.closing_survey_form_id is None:
        return []
    form = db.get(FeedbackForm, programme.closing_survey_form_id)
    if form is None or form.status != FormStatus.OPEN:
        return []
    volunteer = db.get(Volunteer, match.volunteer_id)
    assert volunteer is not None
    row = ClosingSurveyOffer(
        match_id=match.id,
        programme_id=programme.id,
        form_id=form.id,
        side=SurveySide.VOLUNTEER,
        user_id=volunteer.user_id,
    )
    db.add(row)
    db.flush()
    if volunteer.user_id is not None:
        notify(
            db,
            "closing_survey_offered",
            user_id=volunteer.user_id,
            params={"offer_id": str(row.id), "form": form.title, "programme": programme.name},
            delivery_key=f"closing_survey_offered:{row.id}",
        )
    return [row]


def answer(
    db: Session,
    survey: ClosingSurveyOffer,
    answers: dict[str, Any],
    *,
    user_id: uuid.UUID,
) -> ClosingSurveyOffer:
    """The offered person answers, once."""
    if survey.user_id != user_id:
        raise Forbidden("This survey was offered to someone else.", code="not_offered_to_you")
    if survey.answered_on is not None:
        raise Conflict("You have already answered.", code="already_answered")
    form = db.get(FeedbackForm, survey.form_id)
    assert form is not None
    if form.anonymous:
        # feedback.answer drops every link to the person and cuts the time to the day.
        feedback.answer(db, form, answers, respondent_user_id=None)
    else:
        if form.status != FormStatus.OPEN:
            raise Conflict("The form is not open.", code="form_not_open")
        match = db.get(Match, survey.match_id)
        assert match is not None
        row = FeedbackAnswer(
            form_id=form.id,
            answers=feedback.clean_answers(form, answers),
            respondent_user_id=None,  # see the module docstring
            volunteer_id=match.volunteer_id,
            match_id=match.id,
        )
        db.add(row)
        db.flush()
        survey.answer_id = row.id
    # A day, like the anonymous answer's own time: never the moment of answering.
    survey.answered_on = utcnow().date()
    return survey


def offers_query(
    *, programme_id: uuid.UUID | None = None, answered: bool | None = None, user_id: Any = None
) -> Any:
    """Offers with their match and volunteer loaded (one query for a page)."""
    stmt = select(ClosingSurveyOffer).options(
        joinedload(ClosingSurveyOffer.match).joinedload(Match.volunteer)
    )
    if programme_id is not None:
        stmt = stmt.where(ClosingSurveyOffer.programme_id == programme_id)
    if answered is not None:
        column = ClosingSurveyOffer.answered_on
        stmt = stmt.where(column.is_not(None) if answered else column.is_(None))
    if user_id is not None:
        stmt = stmt.where(ClosingSurveyOffer.user_id == user_id)
    return stmt


@kind("closing_survey_offered", channels=(Channel.IN_APP,))
def _render_offered(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("How did it go? %(form)s", form=params["form"])
    body = _(
        "Your match in %(programme)s has closed. Thank you! Please answer the closing "
        'survey "%(form)s" in Tukiverkko: it helps the programme.',
        programme=params["programme"],
        form=params["form"],
    )
    return subject, body
