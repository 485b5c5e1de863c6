"""API of the module registry: which programme modules exist and which the tenant may run."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tukiverkko.platform import context, plugins
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database
from tukiverkko.platform.permissions import Permission

blp = Blueprint(
    "modules",
    __name__,
    url_prefix="/modules",
    description="Programme modules (plugins) and whether the organisation holds their licence",
)


class NamesSchema(ma.Schema):
    fi = ma.fields.String(required=True)
    sv = ma.fields.String(required=True)
    en = ma.fields.String(required=True)


class CurriculumItemSchema(ma.Schema):
    name = ma.fields.String(required=True)
    hours = ma.fields.Integer(required=True)


class ModuleSchema(ma.Schema):
    key = ma.fields.String(required=True)
    names = ma.fields.Nested(NamesSchema, required=True)
    model = ma.fields.String(required=True, metadata={"description": "The licensed model"})
    participant_kind = ma.fields.String(required=True)
    intake_sources = ma.fields.List(ma.fields.String(), required=True)
    background_check_required = ma.fields.Boolean(required=True)
    meetings_per_month = ma.fields.List(ma.fields.Integer(), required=True)
    curriculum = ma.fields.List(ma.fields.Nested(CurriculumItemSchema), required=True)
    volunteer_requirements = ma.fields.List(ma.fields.String(), required=True)
    participant_requirements = ma.fields.List(ma.fields.String(), required=True)
    licensed = ma.fields.Boolean(
        required=True,
        metadata={"description": "The organisation holds a licence in force: it may run it"},
    )


class ModuleList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ModuleSchema), required=True)


@blp.route("")
class Modules(MethodView):
    @blp.response(200, ModuleList)
    def get(self) -> dict[str, Any]:
        """Every installed programme module; `licensed` says which this organisation may run."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            return {"items": plugins.summaries(db, context.current().tenant_id)}
