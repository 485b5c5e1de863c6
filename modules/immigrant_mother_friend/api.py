"""Endpoints of Ystäväksi maahanmuuttajaäidille: the volunteer's facts, the mother's intake."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from tukiverkko.modules.immigrant_mother_friend import service
from tukiverkko.modules.immigrant_mother_friend.models import (
    FinnishLevel,
    Gender,
    ReferralChannel,
    VolunteerFacts,
)
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import NotFound, ValidationFailed
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.api import IntakeInput, ParticipantSchema
from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer
from tukiverkko.tenants.licensing import require_active_licence

blp = Blueprint(
    "immigrant_mother_friend",
    __name__,
    url_prefix="/immigrant-mother-friend",
    description=(
        "Ystäväksi maahanmuuttajaäidille: volunteers' facts for approval, the mother's intake"
    ),
)


def _licence(db: Session, operation: str) -> None:
    require_active_licence(db, context.current().tenant_id, service.KEY, operation)  # type: ignore[arg-type]


def _programme_of(db: Session, programme_id: uuid.UUID) -> Programme:
    programme = db.get(Programme, programme_id)
    assert programme is not None
    service.require_module_programme(programme)
    return programme


class MotherFriendFactsInput(ma.Schema):
    gender = ma.fields.Enum(Gender, by_value=True, required=True)
    finnish_level = ma.fields.Enum(FinnishLevel, by_value=True, required=True)


class MotherFriendFactsSchema(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)
    gender = ma.fields.Enum(Gender, by_value=True, required=True)
    finnish_level = ma.fields.Enum(FinnishLevel, by_value=True, required=True)


class MotherIntake(IntakeInput):
    finnish_level = ma.fields.Enum(FinnishLevel, by_value=True, required=True)
    children_count = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 15))
    children_birth_years = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(1990, 2100)),
        load_default=list,
        validate=ma.validate.Length(max=15),
    )
    referral_channel = ma.fields.Enum(
        ReferralChannel,
        by_value=True,
        required=True,
        metadata={"description": "neuvola or integration_services (a referral), or self"},
    )


class MotherAnswersSchema(ma.Schema):
    participant_id = ma.fields.UUID(required=True)
    finnish_level = ma.fields.Enum(FinnishLevel, by_value=True, required=True)
    children_count = ma.fields.Integer(required=True)
    children_birth_years = ma.fields.List(ma.fields.Integer(), required=True)
    referral_channel = ma.fields.Enum(ReferralChannel, by_value=True, required=True)


@blp.route("/volunteers/<uuid:volunteer_id>/facts")
class Facts(MethodView):
    @blp.arguments(MotherFriendFactsInput)
    @blp.response(200, MotherFriendFactsSchema)
    def put(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> VolunteerFacts:
        """Record the volunteer's gender and Finnish (approval needs a Finnish-speaking woman)."""
        principal = authorize(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            _programme_of(db, volunteer.programme_id)
            _licence(db, "volunteers")
            return service.record_facts(db, volunteer, actor_id=principal.user_id, **args)


@blp.route("/intakes")
class Intakes(MethodView):
    @blp.arguments(MotherIntake)
    @blp.response(201, ParticipantSchema)
    def post(self, args: dict[str, Any]) -> Participant:
        """Take a mother in: via neuvola or integration services, or by herself."""
        principal = authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            programme = db.get(Programme, args.pop("programme_id"))
            if programme is None:
                raise ValidationFailed(
                    "No such programme.",
                    code="unknown_programme",
                    errors={"json": {"programme_id": ["No such programme."]}},
                )
            service.require_module_programme(programme)
            _licence(db, "intake")
            return service.take_in(db, programme, recorded_by=principal.user_id, **args)


@blp.route("/participants/<uuid:participant_id>/answers")
class Answers(MethodView):
    @blp.response(200, MotherAnswersSchema)
    def get(self, participant_id: uuid.UUID) -> Any:
        """The mother's intake answers. Staff only."""
        authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            participant = get_or_404(db, Participant, participant_id)
            _programme_of(db, participant.programme_id)
            _licence(db, "read")
            answers = service.answers_of(db, participant)
            if answers is None:
                raise NotFound("No intake answers were recorded for this mother.")
            return answers
