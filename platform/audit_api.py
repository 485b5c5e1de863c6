"""API: the organisation's audit log, for its admins."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from tukiverkko.platform.audit import AuditEvent
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission

blp = Blueprint("audit", __name__, url_prefix="/audit-events", description="Audit log")


class AuditEventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    at = ma.fields.AwareDateTime(required=True)
    actor_id = ma.fields.UUID(allow_none=True, required=True)
    action = ma.fields.String(required=True)
    target_type = ma.fields.String(required=True)
    target_id = ma.fields.String(required=True)
    ip = ma.fields.String(required=True)
    request_id = ma.fields.String(required=True)
    details = ma.fields.Dict(required=True)


class AuditArgs(PageArgs):
    action = ma.fields.String(validate=ma.validate.Length(max=64))


AuditPage = page_schema(AuditEventSchema, "AuditEventPage")


@blp.route("")
class AuditEvents(MethodView):
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Events of one's own organisation, newest first; filter by `action`."""
        authorize(Permission.READ_AUDIT)
        stmt = select(AuditEvent)
        if action := args.pop("action", None):
            stmt = stmt.where(AuditEvent.action == action)
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=AuditEvent.at, ident=AuditEvent.id, **args)
