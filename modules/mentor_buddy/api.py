"""Endpoints of Mieskaverit®: the volunteer's facts for approval, the staged start of a match.

Path ids reuse the core's visibility checks (`volunteer_id`, `match_id`).
Every operation first asks for the tenant's licence of the model.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from tukiverkko.modules.mentor_buddy import service
from tukiverkko.modules.mentor_buddy.models import Gender, StartStep, VolunteerFacts
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.models import Match, Programme, Volunteer
from tukiverkko.tenants.licensing import require_active_licence

blp = Blueprint(
    "mentor_buddy",
    __name__,
    url_prefix="/mentor-buddy",
    description="Mieskaverit®: volunteers' facts for approval, the staged start of a match",
)


class FactsInput(ma.Schema):
    gender = ma.fields.Enum(Gender, by_value=True, required=True)
    birth_year = ma.fields.Integer(required=True, validate=ma.validate.Range(1900, 2100))
    adult_confirmed = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "An ID was seen: the 18th birthday has passed this year"},
    )


class FactsSchema(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)
    gender = ma.fields.Enum(Gender, by_value=True, required=True)
    birth_year = ma.fields.Integer(required=True)
    adult_confirmed = ma.fields.Boolean(required=True)


class StepInput(ma.Schema):
    step = ma.fields.Integer(required=True, validate=ma.validate.Range(1, len(service.STEPS)))
    held_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class StepSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    match_id = ma.fields.UUID(required=True)
    step = ma.fields.Integer(required=True)
    held_on = ma.fields.Date(required=True)
    note = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class StepList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StepSchema), required=True)
    next_step = ma.fields.Integer(allow_none=True, required=True)


def _licensed_programme(db: Session, programme_id: uuid.UUID, operation: str) -> Programme:
    programme = get_or_404(db, Programme, programme_id)
    service.require_mentor_buddy(programme)
    require_active_licence(db, context.current().tenant_id, service.KEY, operation)  # type: ignore[arg-type]
    return programme


@blp.route("/volunteers/<uuid:volunteer_id>/facts")
class Facts(MethodView):
    @blp.arguments(FactsInput)
    @blp.response(200, FactsSchema)
    def put(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> VolunteerFacts:
        """Record the gender and year of birth the volunteer stated (approval needs them)."""
        principal = authorize(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            _licensed_programme(db, volunteer.programme_id, "volunteers")
            return service.record_facts(db, volunteer, actor_id=principal.user_id, **args)


@blp.route("/matches/<uuid:match_id>/start-steps")
class StartSteps(MethodView):
    @blp.response(200, StepList)
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """The steps of the staged start recorded so far, and the next one."""
        authorize(Permission.MANAGE_MATCHES)
        with get_database().unit_of_work() as db:
            match = get_or_404(db, Match, match_id)
            _licensed_programme(db, match.programme_id, "read")
            steps = service.steps_of(db, match.id)
            following = len(steps) + 1
            return {
                "items": steps,
                "next_step": following if following <= len(service.STEPS) else None,
            }

    @blp.arguments(StepInput)
    @blp.response(201, StepSchema)
    def post(self, args: dict[str, Any], match_id: uuid.UUID) -> StartStep:
        """Record the next step of the staged start; steps go 1, 2, 3 and never back in time."""
        principal = authorize(Permission.MANAGE_MATCHES)
        with get_database().unit_of_work() as db:
            match = get_or_404(db, Match, match_id)
            _licensed_programme(db, match.programme_id, "follow_up")
            return service.record_step(db, match, actor_id=principal.user_id, **args)
