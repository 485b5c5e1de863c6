"""Endpoints of Toiminnan Miehet: the anonymous call log of MIESluuri.

The input schema refuses unknown fields (422): a caller's name, number or
a free-text note can never be sent, let alone stored. There is no route
to a single call: reading is by summary only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tukiverkko.modules.mens_peer_groups import service
from tukiverkko.modules.mens_peer_groups.models import Topic
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database
from tukiverkko.platform.errors import ValidationFailed
from tukiverkko.platform.permissions import Permission
from tukiverkko.tenants.licensing import require_active_licence, today

blp = Blueprint(
    "mens_peer_groups",
    __name__,
    url_prefix="/mens-peer-groups",
    description="Toiminnan Miehet: the anonymous MIESluuri call log",
)


class CallInput(ma.Schema):
    """Only these four fields; anything else is refused (unknown = RAISE)."""

    class Meta:
        unknown = ma.RAISE

    duration_minutes = ma.fields.Integer(
        required=True, validate=ma.validate.Range(0, service.MAX_CALL_MINUTES)
    )
    topic = ma.fields.Enum(Topic, by_value=True, required=True)
    referred_onward = ma.fields.Boolean(required=True)
    shift_date = ma.fields.Date(required=True)


class CallReceipt(ma.Schema):
    id = ma.fields.UUID(required=True)


class SummaryArgs(ma.Schema):
    since = ma.fields.Date()
    until = ma.fields.Date()


class TopicSummary(ma.Schema):
    topic = ma.fields.Enum(Topic, by_value=True, required=True)
    calls = ma.fields.Integer(required=True)
    minutes = ma.fields.Integer(required=True)
    referred_onward = ma.fields.Integer(required=True)


class Summary(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TopicSummary), required=True)


@blp.route("/calls")
class Calls(MethodView):
    @blp.arguments(CallInput)
    @blp.response(201, CallReceipt)
    def post(self, args: dict[str, Any]) -> Any:
        """Log a call of the phone line (the volunteer on the shift, or staff)."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            require_active_licence(db, context.current().tenant_id, service.KEY, "calls")  # type: ignore[arg-type]
            return service.log_call(db, **args)


@blp.route("/calls/summary")
class CallSummary(MethodView):
    @blp.arguments(SummaryArgs, location="query")
    @blp.response(200, Summary)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Calls per topic in a period (default: the last 90 days). Staff only."""
        authorize(Permission.MANAGE_PROGRAMMES)
        until = args.get("until") or today()
        since = args.get("since") or until - timedelta(days=90)
        if since > until:
            raise ValidationFailed(
                "The period ends before it starts.",
                code="invalid_period",
                errors={"query": {"since": ["Not after until."]}},
            )
        with get_database().unit_of_work() as db:
            require_active_licence(db, context.current().tenant_id, service.KEY, "read")  # type: ignore[arg-type]
            return {"items": service.summary(db, since=since, until=until)}
