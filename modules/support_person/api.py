"""Endpoint of MLL Kaveri: the intake that asks the module's questions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tukiverkko.modules.support_person import service
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.api import IntakeInput, ParticipantSchema
from tukiverkko.platform.primitives.models import Participant, Programme
from tukiverkko.tenants.licensing import require_active_licence

blp = Blueprint(
    "support_person",
    __name__,
    url_prefix="/support-person",
    description="MLL Kaveri: intake with the child-protection question and guardian's consent",
)


class SupportPersonIntake(IntakeInput):
    child_protection_client = ma.fields.Boolean(
        required=True, metadata={"description": "Asked at every intake; a client is refused"}
    )
    guardian_consent_given_by = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=200),
        metadata={"description": "The guardian who consented (required for a referral)"},
    )


@blp.route("/intakes")
class Intakes(MethodView):
    @blp.arguments(SupportPersonIntake)
    @blp.response(201, ParticipantSchema)
    def post(self, args: dict[str, Any]) -> Participant:
        """Take a child in, asking whether they are a child-protection client."""
        principal = authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            programme = db.get(Programme, args.pop("programme_id"))
            if programme is None:  # another tenant's too: like a wrong id, as the core does
                raise ValidationFailed(
                    "No such programme.",
                    code="unknown_programme",
                    errors={"json": {"programme_id": ["No such programme."]}},
                )
            if programme.module_key != service.KEY:
                raise Conflict(
                    "This is not an MLL Kaveri programme.", code="not_a_support_person_programme"
                )
            require_active_licence(db, context.current().tenant_id, service.KEY, "intake")  # type: ignore[arg-type]
            return service.take_in(db, programme, recorded_by=principal.user_id, **args)
