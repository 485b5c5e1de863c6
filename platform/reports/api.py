"""API of the funder reports: a partner's own report, and a model owner's report of its partners.

Views only translate HTTP: the period and format from the query, the
service's report as JSON or as a file (CSV, XLSX, PDF) in the requester's
language (`?lang=`, else the remembered choice, the browser's, then Finnish).
A partner's staff read their own organisation's report (the tenant filter
keeps it to their rows); a model owner's staff read the report of a model
they own, summed over its licensed partners and suppressed in the service.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint

from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database
from tukiverkko.platform.i18n import LANGUAGES
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.reports import exports, service
from tukiverkko.tenants.licensing import Actor

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/reports",
    description="Funder reports: figures per programme and period; a model owner's sum of partners",
)
BLUEPRINTS = [blp]


class PeriodArgs(ma.Schema):
    since = ma.fields.Date(data_key="from", metadata={"description": "First day (inclusive)"})
    until = ma.fields.Date(data_key="to", metadata={"description": "Last day (inclusive)"})
    year = ma.fields.Integer(
        validate=ma.validate.Range(2000, 2100),
        metadata={"description": "A calendar year instead of from/to (default: this year)"},
    )
    lang = ma.fields.String(
        validate=ma.validate.OneOf(LANGUAGES),
        metadata={"description": "Language of the headings (default: Finnish)"},
    )


class TenantArgs(PeriodArgs):
    programme_id = ma.fields.UUID(metadata={"description": "Only this programme"})


class ExportArgs(ma.Schema):
    format = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(exports.FORMATS)))


class TenantExportArgs(TenantArgs, ExportArgs):
    pass


class OwnerExportArgs(PeriodArgs, ExportArgs):
    pass


class ReportPeriodSchema(ma.Schema):
    since = ma.fields.Date(data_key="from", required=True)
    until = ma.fields.Date(data_key="to", required=True)


class ReportRowSchema(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.Function(lambda row: str(row.label), required=True)
    value = ma.fields.Raw(
        required=True, metadata={"description": "A number; text in owner reports"}
    )
    part_of = ma.fields.String(allow_none=True, required=True)


class ReportHeadlineSchema(ma.Schema):
    """A figure of the partners' table: its key and label (values are in each partner)."""

    key = ma.fields.String(required=True)
    label = ma.fields.Function(lambda row: str(row.label), required=True)


class ReportSectionSchema(ma.Schema):
    key = ma.fields.String(required=True)
    title = ma.fields.Function(lambda section: str(section.title), required=True)
    rows = ma.fields.List(ma.fields.Nested(ReportRowSchema), required=True)


class ReportProgrammeSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    module_key = ma.fields.String(required=True)
    sections = ma.fields.List(ma.fields.Nested(ReportSectionSchema), required=True)


def _notes(report: Any) -> list[str]:
    return [str(note) for note in report.notes]


class TenantReportSchema(ma.Schema):
    organisation = ma.fields.String(required=True)
    period = ma.fields.Nested(ReportPeriodSchema, required=True)
    programmes = ma.fields.List(ma.fields.Nested(ReportProgrammeSchema), required=True)
    total = ma.fields.List(ma.fields.Nested(ReportSectionSchema), required=True)
    notes = ma.fields.Function(_notes, required=True)


class ReportPartnerSchema(ma.Schema):
    name = ma.fields.String(required=True)
    areas = ma.fields.List(ma.fields.String(), required=True)
    figures = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)


class OwnerReportSchema(ma.Schema):
    model_id = ma.fields.UUID(required=True)
    model_name = ma.fields.String(required=True)
    period = ma.fields.Nested(ReportPeriodSchema, required=True)
    threshold = ma.fields.Constant(service.THRESHOLD, required=True)
    headline = ma.fields.List(ma.fields.Nested(ReportHeadlineSchema), required=True)
    partners = ma.fields.List(ma.fields.Nested(ReportPartnerSchema), required=True)
    total = ma.fields.List(ma.fields.Nested(ReportSectionSchema), required=True)
    notes = ma.fields.Function(_notes, required=True)


_FILE_RESPONSE = {
    "200": {
        "description": "The report as a file",
        "content": {
            mime.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for mime in exports.FORMATS.values()
        },
    }
}


def _period(args: dict[str, Any]) -> service.Period:
    return service.resolve_period(
        since=args.get("since"), until=args.get("until"), year=args.get("year")
    )


def _file(report: Any, fmt: str, stem: str) -> Response:
    body = exports.render(report, fmt)
    period = report.period
    name = f"{stem}-{period.since.isoformat()}-{period.until.isoformat()}.{fmt}"
    return Response(
        body,
        content_type=exports.FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Language": str(get_locale()),
            # A report is personal to its reader's organisation: never kept by a cache.
            "Cache-Control": "no-store",
        },
    )


def _tenant_report(args: dict[str, Any]) -> service.TenantReport:
    authorize(Permission.READ_REPORTS)
    period = _period(args)
    with get_database().unit_of_work() as db:
        return service.tenant_report(db, period, programme_id=args.get("programme_id"))


def _owner_report(args: dict[str, Any], model_id: uuid.UUID) -> service.OwnerReport:
    principal = authorize(Permission.READ_OWNER_REPORTS)
    period = _period(args)
    actor = Actor(principal.user_id, principal.tenant_id)
    with context.cross_tenant("owner report: aggregates"), get_database().unit_of_work() as db:
        model = service.load_model(db, model_id)
        return service.owner_report(db, model, period, actor=actor)


@blp.route("")
class TenantReport(MethodView):
    @blp.arguments(TenantArgs, location="query")
    @blp.response(200, TenantReportSchema)
    def get(self, args: dict[str, Any]) -> service.TenantReport:
        """The organisation's report: figures per programme and in total, for a period."""
        return _tenant_report(args)


@blp.route("/export")
class TenantReportExport(MethodView):
    @blp.arguments(TenantExportArgs, location="query")
    @blp.doc(responses=_FILE_RESPONSE)
    def get(self, args: dict[str, Any]) -> Response:
        """The organisation's report as CSV, XLSX or PDF (headings in Finnish unless asked)."""
        return _file(_tenant_report(args), args["format"], "raportti")


@blp.route("/models/<uuid:model_id>")
class OwnerReport(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, OwnerReportSchema)
    def get(self, args: dict[str, Any], model_id: uuid.UUID) -> service.OwnerReport:
        """A model's report for its owner: licensed partners summed, counts under 5 as "<5"."""
        return _owner_report(args, model_id)


@blp.route("/models/<uuid:model_id>/export")
class OwnerReportExport(MethodView):
    @blp.arguments(OwnerExportArgs, location="query")
    @blp.doc(responses=_FILE_RESPONSE)
    def get(self, args: dict[str, Any], model_id: uuid.UUID) -> Response:
        """A model's report for its owner as CSV, XLSX or PDF, suppressed like the JSON."""
        return _file(_owner_report(args, model_id), args["format"], "mallin-raportti")
