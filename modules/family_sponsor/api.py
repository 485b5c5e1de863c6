"""Endpoints of Perhekummi: the intake with the family's own sense of need, and the guidance.

The family's answers are read by staff only (`participants.manage`); the
guidance is shown to everyone of the organisation and acknowledged by the
volunteer (or recorded by staff when he read it on paper).
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from tukiverkko.modules.family_sponsor import service
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, require_principal
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import NotFound, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives.api import IntakeInput, ParticipantSchema
from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer
from tukiverkko.tenants.licensing import require_active_licence

blp = Blueprint(
    "family_sponsor",
    __name__,
    url_prefix="/family-sponsor",
    description="Perhekummi: intake with the family's own sense of need; the sponsor's guidance",
)


def _licence(db: Session, operation: str) -> None:
    require_active_licence(db, context.current().tenant_id, service.KEY, operation)  # type: ignore[arg-type]


class FamilyIntake(IntakeInput):
    need_scale = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(1, 5),
        metadata={"description": "The family's own sense of need: 1 a little ... 5 very much"},
    )
    need_text = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=2000),
        metadata={"description": "In the family's words (coordinators only)"},
    )
    children_birth_years = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(1990, 2100)),
        required=True,
        validate=ma.validate.Length(1, 12),
    )


class FamilyNeedSchema(ma.Schema):
    participant_id = ma.fields.UUID(required=True)
    need_scale = ma.fields.Integer(required=True)
    need_text = ma.fields.String(required=True)
    children_birth_years = ma.fields.List(ma.fields.Integer(), required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class FamilySponsorGuidanceSchema(ma.Schema):
    version = ma.fields.String(required=True)
    guidance = ma.fields.List(ma.fields.String(), required=True)


class GuidanceAcknowledgeInput(ma.Schema):
    version = ma.fields.String(required=True, validate=ma.validate.Length(1, 20))


class GuidanceAcknowledgementSchema(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)
    version = ma.fields.String(required=True)
    acknowledged_at = ma.fields.AwareDateTime(required=True)


@blp.route("/intakes")
class Intakes(MethodView):
    @blp.arguments(FamilyIntake)
    @blp.response(201, ParticipantSchema)
    def post(self, args: dict[str, Any]) -> Participant:
        """Take a family in (a municipal worker's referral or self-referral), asking their need."""
        principal = authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            programme = db.get(Programme, args.pop("programme_id"))
            if programme is None:
                raise ValidationFailed(
                    "No such programme.",
                    code="unknown_programme",
                    errors={"json": {"programme_id": ["No such programme."]}},
                )
            service.require_family_sponsor(programme)
            _licence(db, "intake")
            return service.take_in(db, programme, recorded_by=principal.user_id, **args)


@blp.route("/participants/<uuid:participant_id>/need")
class Need(MethodView):
    @blp.response(200, FamilyNeedSchema)
    def get(self, participant_id: uuid.UUID) -> Any:
        """The family's own sense of need, as recorded at intake. Coordinators only."""
        authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            participant = get_or_404(db, Participant, participant_id)
            programme = db.get(Programme, participant.programme_id)
            assert programme is not None
            service.require_family_sponsor(programme)
            _licence(db, "read")
            answers = service.answers_of(db, participant)
            if answers is None:
                raise NotFound("No need was recorded for this family.")
            return answers


@blp.route("/guidance")
class Guidance(MethodView):
    @blp.response(200, FamilySponsorGuidanceSchema)
    def get(self) -> dict[str, Any]:
        """What a family sponsor is, and is not: not a babysitter or home help."""
        authorize(Permission.READ_PROGRAMMES)
        return service.guidance_text()


@blp.route("/volunteers/<uuid:volunteer_id>/guidance-acknowledgement")
class GuidanceAcknowledgement(MethodView):
    @blp.arguments(GuidanceAcknowledgeInput)
    @blp.response(201, GuidanceAcknowledgementSchema)
    def post(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> Any:
        """The volunteer acknowledges the guidance (or staff record it); approval needs it."""
        principal = require_principal()
        if not (
            principal.role == Role.VOLUNTEER and allows(principal.role, Permission.OWN_VOLUNTEERING)
        ):
            authorize(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            programme = db.get(Programme, volunteer.programme_id)
            assert programme is not None
            service.require_family_sponsor(programme)
            _licence(db, "volunteers")
            return service.acknowledge_guidance(
                db, volunteer, version=args["version"], recorded_by=principal.user_id
            )
