"""API: partner duties - change reports and yearly reports on a licence.

Who may see a licence at all is decided by the `licence_id` path check of
`licensing_api` (the licensee partner, the model owner's staff, the
operator). The partner writes; the owner reads, lists what is due and
overdue, and acknowledges. Writes run in `cross_tenant`: they notify and
audit both sides.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, current_principal, path_object
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import NotFound
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission
from tukiverkko.tenants import duties, licensing
from tukiverkko.tenants.duties_models import ChangeKind, ChangeReport, ReportStatus, YearlyReport
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel

blp = Blueprint(
    "partner_duties",
    __name__,
    url_prefix="/licences",
    description="Partner duties: change reports and yearly reports to the model owner",
)
owner_blp = Blueprint(
    "partner_duties_overview",
    __name__,
    url_prefix="/programme-models",
    description="The model owner's list of partner duties",
)


def _actor(principal: Principal) -> Actor:
    return Actor(principal.user_id, principal.tenant_id)


# --- schemas -------------------------------------------------------------------


class LicenceChangeInput(ma.Schema):
    kind = ma.fields.Enum(ChangeKind, by_value=True, required=True)
    text = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    effective_on = ma.fields.Date(required=True)


class LicenceChangeSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    licence_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(ChangeKind, by_value=True, required=True)
    text = ma.fields.String(required=True)
    effective_on = ma.fields.Date(required=True)
    reported_by = ma.fields.UUID(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class YearArgs(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(2000, 2100))


class YearlyReportInput(YearArgs):
    narrative = ma.fields.String(required=True, validate=ma.validate.Length(max=20_000))
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(validate=ma.validate.Range(0)),
        load_default=None,
        metadata={"description": "Corrections of the pre-filled counts (optional)"},
    )


class YearlyReportCorrection(YearArgs):
    narrative = ma.fields.String(validate=ma.validate.Length(max=20_000))
    counts = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(validate=ma.validate.Range(0))
    )


class YearlyReportSchema(ma.Schema):
    """A yearly report: counts and the partner's text, never a person."""

    id = ma.fields.UUID(allow_none=True, required=True)
    licence_id = ma.fields.UUID(required=True)
    year = ma.fields.Integer(required=True)
    due_on = ma.fields.Date(required=True)
    state = ma.fields.String(required=True)
    # As text: the model owner reads counts about people under 5 as "<5" (the partner, exact).
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    narrative = ma.fields.String(required=True)
    submitted_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    corrected_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class ReportDeadlineInput(ma.Schema):
    month = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 12))
    day = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 31))


class ReportDeadlineSchema(ma.Schema):
    month = ma.fields.Integer(required=True)
    day = ma.fields.Integer(required=True)


class PartnerDutyArgs(PageArgs):
    year = ma.fields.Integer(validate=ma.validate.Range(2000, 2100))


class PartnerDutySchema(ma.Schema):
    licence_id = ma.fields.UUID(required=True)
    partner_name = ma.fields.String(required=True)
    area = ma.fields.String(required=True)
    licence_status = ma.fields.Enum(LicenceStatus, by_value=True, required=True)
    year = ma.fields.Integer(required=True)
    due_on = ma.fields.Date(required=True)
    state = ma.fields.String(
        required=True, metadata={"description": "due, overdue, submitted or acknowledged"}
    )
    report_id = ma.fields.UUID(allow_none=True, required=True)
    submitted_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    unacknowledged_changes = ma.fields.Integer(required=True)


ChangePage = page_schema(LicenceChangeSchema, "LicenceChangeReportPage")
YearlyReportPage = page_schema(YearlyReportSchema, "LicenceYearlyReportPage")
DutyPage = page_schema(PartnerDutySchema, "PartnerDutyPage")


@path_object("change_report_id")
def _change_visible(db: Session, principal: Principal, change_report_id: uuid.UUID) -> bool:
    report = db.get(ChangeReport, change_report_id)
    if report is None:
        return False
    licence = db.get(Licence, report.licence_id)
    if licence is None:
        return False
    if principal.role == Role.OPERATOR or licence.partner_tenant_id == principal.tenant_id:
        return True
    return licence.model.owner_tenant_id == principal.tenant_id


def _view(
    report: YearlyReport | None,
    model: ProgrammeModel,
    licence: Licence,
    on: Any,
    year: int | None = None,
) -> dict[str, Any]:
    year = report.year if report is not None else year
    assert year is not None
    due = duties.due_on(model, licence, year)
    ident, counts, narrative = None, {}, ""
    if report is not None and report.status != ReportStatus.DUE:
        ident, counts, narrative = report.id, report.counts, report.narrative
    principal = current_principal()
    if principal is not None and principal.tenant_id == licence.partner_tenant_id:
        shown = {name: str(value) for name, value in counts.items()}
    else:
        shown = licensing.owner_counts(counts)
    return {
        "id": ident,
        "licence_id": licence.id,
        "year": year,
        "due_on": due,
        "state": duties.state_of(report, due, on),
        "counts": shown,
        "narrative": narrative,
        "submitted_at": report.submitted_at if report else None,
        "corrected_at": report.corrected_at if report else None,
        "acknowledged_at": report.acknowledged_at if report else None,
    }


def _report_view(db: Session, licence: Licence, year: int) -> dict[str, Any]:
    model = db.get(ProgrammeModel, licence.model_id)
    assert model is not None
    report = duties.report_of(db, licence.id, year)
    return _view(report, model, licence, licensing.today(), year)


def _submitted(db: Session, licence_id: uuid.UUID, year: int) -> YearlyReport:
    report = duties.report_of(db, licence_id, year)
    if report is None or report.status == ReportStatus.DUE:
        raise NotFound("Nothing has been submitted for that year.")
    return report


# --- change reports ---------------------------------------------------------------


@blp.route("/<uuid:licence_id>/change-reports")
class ChangeReports(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ChangePage)
    def get(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """Changes the partner has reported on the licence, newest first."""
        authorize(Permission.READ_LICENCES)
        stmt = select(ChangeReport).where(ChangeReport.licence_id == licence_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=ChangeReport.created_at, ident=ChangeReport.id, **args
            )

    @blp.arguments(LicenceChangeInput)
    @blp.response(201, LicenceChangeSchema)
    def post(self, args: dict[str, Any], licence_id: uuid.UUID) -> ChangeReport:
        """Report a change to the model owner (coordinator, contact person, pause…)."""
        principal = authorize(Permission.REPORT_PARTNER_DUTIES)
        with context.cross_tenant("partner change report"), get_database().unit_of_work() as db:
            licence = get_or_404(db, Licence, licence_id)
            return duties.report_change(db, licence, actor=_actor(principal), **args)


@blp.route("/<uuid:licence_id>/change-reports/<uuid:change_report_id>/acknowledge")
class ChangeAcknowledge(MethodView):
    @blp.response(200, LicenceChangeSchema)
    def post(self, licence_id: uuid.UUID, change_report_id: uuid.UUID) -> ChangeReport:
        """The model owner has read the change report."""
        principal = authorize(Permission.DECIDE_LICENCES)
        with get_database().unit_of_work() as db:
            report = get_or_404(db, ChangeReport, change_report_id)
            if report.licence_id != licence_id:
                raise NotFound("No such object.")
            return duties.acknowledge_change(db, report, actor=_actor(principal))


# --- yearly reports ----------------------------------------------------------------


@blp.route("/<uuid:licence_id>/yearly-reports")
class YearlyReports(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, YearlyReportPage)
    def get(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """The licence's submitted yearly reports, newest first."""
        authorize(Permission.READ_LICENCES)
        stmt = select(YearlyReport).where(
            YearlyReport.licence_id == licence_id, YearlyReport.status != ReportStatus.DUE
        )
        with get_database().unit_of_work() as db:
            page = paginate(
                db, stmt, created=YearlyReport.created_at, ident=YearlyReport.id, **args
            )
            licence = get_or_404(db, Licence, licence_id)
            model = db.get(ProgrammeModel, licence.model_id)
            assert model is not None
            on = licensing.today()
            page["items"] = [_view(r, model, licence, on) for r in page["items"]]
            return page

    @blp.arguments(YearlyReportInput)
    @blp.response(201, YearlyReportSchema)
    def post(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """Submit the yearly report on a year (once), pre-filled with the licence's counts."""
        principal = authorize(Permission.REPORT_PARTNER_DUTIES)
        year = args.pop("year")
        with context.cross_tenant("yearly report"), get_database().unit_of_work() as db:
            licence = get_or_404(db, Licence, licence_id)
            duties.submit_yearly_report(db, licence, year, actor=_actor(principal), **args)
            return _report_view(db, licence, year)


@blp.route("/<uuid:licence_id>/yearly-report")
class YearlyReportItem(MethodView):
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, YearlyReportSchema)
    def get(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """The report on a year and its state; before submission, the pre-filled counts."""
        authorize(Permission.READ_LICENCES)
        with context.cross_tenant("yearly report: counts"), get_database().unit_of_work() as db:
            licence = get_or_404(db, Licence, licence_id)
            view = _report_view(db, licence, args["year"])
            if view["id"] is None:
                view["counts"] = duties.prefilled_counts(db, licence)
            return view

    @blp.arguments(YearlyReportCorrection)
    @blp.response(200, YearlyReportSchema)
    def patch(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """Correct the submitted report on a year, until the owner acknowledges it."""
        principal = authorize(Permission.REPORT_PARTNER_DUTIES)
        year = args.pop("year")
        with get_database().unit_of_work() as db:
            licence = get_or_404(db, Licence, licence_id)
            report = _submitted(db, licence_id, year)
            duties.correct_yearly_report(db, report, actor=_actor(principal), **args)
            return _report_view(db, licence, year)


@blp.route("/<uuid:licence_id>/yearly-report/acknowledge")
class YearlyReportAcknowledge(MethodView):
    @blp.arguments(YearArgs)
    @blp.response(200, YearlyReportSchema)
    def post(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """The model owner acknowledges the report on a year; it is final from then on."""
        principal = authorize(Permission.DECIDE_LICENCES)
        with get_database().unit_of_work() as db:
            licence = get_or_404(db, Licence, licence_id)
            report = _submitted(db, licence_id, args["year"])
            duties.acknowledge_yearly_report(db, report, actor=_actor(principal))
            return _report_view(db, licence, args["year"])


@blp.route("/<uuid:licence_id>/report-deadline")
class LicenceDeadline(MethodView):
    @blp.arguments(ReportDeadlineInput)
    @blp.response(200, ReportDeadlineSchema)
    def put(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """Agree another yearly-report deadline with this partner (the model owner)."""
        principal = authorize(Permission.DECIDE_LICENCES)
        with get_database().unit_of_work() as db:
            licence = get_or_404(db, Licence, licence_id)
            model = db.get(ProgrammeModel, licence.model_id)
            assert model is not None
            duties.set_deadline(db, model, licence=licence, actor=_actor(principal), **args)
            return args


# --- the owner's side ---------------------------------------------------------------


@owner_blp.route("/<uuid:model_id>/report-deadline")
class ModelDeadline(MethodView):
    @owner_blp.arguments(ReportDeadlineInput)
    @owner_blp.response(200, ReportDeadlineSchema)
    def put(self, args: dict[str, Any], model_id: uuid.UUID) -> dict[str, Any]:
        """When yearly reports on a year are due, in the next year (default 31 January)."""
        principal = authorize(Permission.MANAGE_MODELS)
        with get_database().unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, model_id)
            duties.set_deadline(db, model, actor=_actor(principal), **args)
            return args


@owner_blp.route("/<uuid:model_id>/partner-duties")
class PartnerDuties(MethodView):
    @owner_blp.arguments(PartnerDutyArgs, location="query")
    @owner_blp.response(200, DutyPage)
    def get(self, args: dict[str, Any], model_id: uuid.UUID) -> dict[str, Any]:
        """Each partner licence's yearly report (due, overdue, submitted, acknowledged)."""
        principal = authorize(Permission.READ_PARTNER_OVERVIEW)
        year = args.pop("year", None) or duties.default_year()
        with get_database().unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, model_id)
            return duties.owner_duties(db, model, actor=_actor(principal), year=year, **args)


BLUEPRINTS = [blp, owner_blp]
