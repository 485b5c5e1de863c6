"""Endpoints of Mieskaverit®: the volunteer's facts for approval, the staged start of a match,
and the programme's outings for all buddies and children (the core's events, kind preset).

Path ids reuse the core's visibility checks (`volunteer_id`, `match_id`).
Every operation first asks for the tenant's licence of the model.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.modules.mentor_buddy import service
from tukiverkko.modules.mentor_buddy.models import Gender, StartStep, VolunteerFacts
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, require_principal
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import Forbidden, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.pagination import PageArgs, paginate
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives.api_followup import (
    EventPage,
    ProgrammeEventSchema,
    SignupSchema,
)
from tukiverkko.platform.primitives.models import Match, Programme, Volunteer, VolunteerStatus
from tukiverkko.platform.primitives.models_followup import Event, EventKind, EventSignup
from tukiverkko.tenants.licensing import require_active_licence

blp = Blueprint(
    "mentor_buddy",
    __name__,
    url_prefix="/mentor-buddy",
    description=(
        "Mieskaverit®: volunteers' facts for approval, the staged start of a match, outings"
    ),
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


class OutingInput(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(required=True, validate=ma.validate.Range(2, 1000))


class MatchSignupInput(ma.Schema):
    match_id = ma.fields.UUID(required=True)


class MatchSignups(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SignupSchema), required=True)


@blp.route("/programmes/<uuid:programme_id>/outings")
class Outings(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, EventPage)
    def get(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """The programme's outings, newest first (staff; a volunteer: his own programme's)."""
        principal = require_principal()
        if not allows(principal.role, Permission.JOIN_EVENTS):
            authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            _licensed_programme(db, programme_id, "read")
            if principal.role == Role.VOLUNTEER and not db.scalar(
                select(Volunteer.id).where(
                    Volunteer.user_id == principal.user_id,
                    Volunteer.programme_id == programme_id,
                    Volunteer.status != VolunteerStatus.ENDED,
                )
            ):
                raise Forbidden("Outings are shown to the programme's own volunteers.")
            stmt = select(Event).where(
                Event.programme_id == programme_id, Event.kind == EventKind.OUTING
            )
            return paginate(db, stmt, created=Event.created_at, ident=Event.id, **args)

    @blp.arguments(OutingInput)
    @blp.response(201, ProgrammeEventSchema)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> Event:
        """Organise an outing for all buddies and children; sign-ups go through /events."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            programme = _licensed_programme(db, programme_id, "events")
            return service.create_outing(db, programme, created_by=principal.user_id, **args)


@blp.route("/outings/<uuid:event_id>/match-signups")
class OutingMatchSignups(MethodView):
    @blp.arguments(MatchSignupInput)
    @blp.response(201, MatchSignups)
    def post(self, args: dict[str, Any], event_id: uuid.UUID) -> dict[str, list[EventSignup]]:
        """Sign up a buddy and his child together: two places, or both on the waiting list."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            event = get_or_404(db, Event, event_id)
            programme = service.require_outing(db, event)
            require_active_licence(db, programme.tenant_id, service.KEY, "events")
            match = db.get(Match, args["match_id"])
            if match is None:  # another tenant's too: like a wrong id
                raise ValidationFailed(
                    "No such match.",
                    code="unknown_match",
                    errors={"json": {"match_id": ["No such match."]}},
                )
            return {
                "items": service.sign_up_match(db, event, match, signed_up_by=principal.user_id)
            }
