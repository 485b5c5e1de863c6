"""The report pages (`/t/<slug>/reports…`): a partner's own report, a model owner's report.

Tables and inline SVG bar charts drawn on the server (no script, strict CSP),
and links to the same report as CSV, XLSX and PDF. The views call the
services the API uses (`platform/reports/service.py`): a partner's staff see
their organisation's figures as they are; a model owner's staff see the
report already suppressed by the service ("<5", ".."), and the charts draw
only the figures that are shown as numbers.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tukiverkko.platform import context
from tukiverkko.platform.db import unit_of_work
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.pages.charts import Bar, chart_figure
from tukiverkko.platform.pages.frame import nav_item, page_principal, signed_in, tenant_pages
from tukiverkko.platform.pages.problem_text import problem_message
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.models import Programme
from tukiverkko.platform.reports import exports, service
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import ProgrammeModel

blp = tenant_pages("report_pages", __name__, "/reports")

nav_item(_l("Reports"), "report_pages.own", Permission.READ_REPORTS, 60)
nav_item(_l("Partner reports"), "report_pages.owner", Permission.READ_OWNER_REPORTS, 24)


def _arg_date(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _period() -> service.Period:
    """The period of `?year=` or `?from=&to=` (this year when neither is given)."""
    year = request.args.get("year", "").strip()
    since, until = _arg_date("from"), _arg_date("to")
    if year and not (since or until):
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            abort(400)
        return service.resolve_period(year=int(year))
    return service.resolve_period(since=since, until=until)


def _query(period: service.Period, **extra: Any) -> dict[str, Any]:
    return {"from": period.since.isoformat(), "to": period.until.isoformat(), **extra}


def _download(report: Any, fmt: str, stem: str) -> Response:
    if fmt not in exports.FORMATS:
        abort(404)
    period = report.period
    name = f"{stem}-{period.since.isoformat()}-{period.until.isoformat()}.{fmt}"
    return Response(
        exports.render(report, fmt),
        content_type=exports.FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Language": str(get_locale()),
            "Cache-Control": "no-store",
        },
    )


def _number(value: Any) -> float | None:
    """A figure as a number for a chart, or None when it is shown as "<5" or ".."."""
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _charts(sections: list[Any]) -> list[Any]:
    """One bar chart per section: its rows that are counts shown as numbers."""
    charts = []
    for section in sections:
        bars = [
            Bar(str(row.label), number)
            for row in section.rows
            if getattr(row, "base", None) is None
            and not row.key.startswith("matches.median")
            and not row.key.startswith("matches.average")
            and (number := _number(row.value)) is not None
        ]
        if bars:
            charts.append(
                chart_figure(bars, title=str(section.title), css_class=f"chart chart-{section.key}")
            )
    return charts


# --- a partner's own report -----------------------------------------------------------


def _own_report() -> tuple[service.TenantReport | None, str, list[tuple[str, str]]]:
    programme = request.args.get("programme") or None
    try:
        programme_id = uuid.UUID(programme) if programme else None
    except ValueError:
        abort(404)
    with unit_of_work() as db:
        choices = [
            (str(pid), name)
            for pid, name in db.execute(
                select(Programme.id, Programme.name).order_by(Programme.created_at, Programme.id)
            ).all()
        ]
        try:
            report = service.tenant_report(db, _period(), programme_id=programme_id)
        except service.NotFound:
            abort(404)
        except Problem as problem:
            return None, problem_message(problem), choices
    return report, "", choices


@blp.get("")
@signed_in(Permission.READ_REPORTS)
def own() -> Any:
    """The organisation's report for a period, per programme and in total, with charts."""
    try:
        report, error, choices = _own_report()
    except Problem as problem:
        report, error, choices = None, problem_message(problem), []
    period = report.period if report else None
    columns = [p.name for p in report.programmes] if report else []
    values = [
        {r.key: r.value for s in p.sections for r in s.rows} for p in report.programmes
    ] if report else []  # fmt: skip
    if report and len(report.programmes) != 1:
        columns.append(str(_l("Total")))
        values.append({r.key: r.value for s in report.total for r in s.rows})
    programme = request.args.get("programme") or ""
    downloads = (
        {
            fmt: url_for("report_pages.own_export", fmt=fmt, **_query(period, programme=programme))
            for fmt in exports.FORMATS
        }
        if period
        else {}
    )
    return render_template(
        "pages/reports.html",
        kind="own",
        report=report,
        error=error,
        sections=report.total if report else [],
        columns=columns,
        values=values,
        charts=_charts(report.total) if report else [],
        downloads=downloads,
        choices=choices,
        programme=programme,
        action=url_for("report_pages.own"),
    )


@blp.get("/export.<fmt>")
@signed_in(Permission.READ_REPORTS)
def own_export(fmt: str) -> Any:
    """The organisation's report as a file (CSV, XLSX or PDF)."""
    report, error, _ = _own_report()
    if report is None:
        abort(400, error)
    return _download(report, fmt, "raportti")


# --- a model owner's report -----------------------------------------------------------


def _owner_report(model_id: uuid.UUID) -> service.OwnerReport:
    principal = page_principal()
    assert principal is not None
    actor = Actor(principal.user_id, principal.tenant_id)
    period = _period()
    with context.cross_tenant("owner report page: aggregates"), unit_of_work() as db:
        model = service.load_model(db, model_id)
        return service.owner_report(db, model, period, actor=actor)


@blp.get("/owner")
@signed_in(Permission.READ_OWNER_REPORTS)
def owner() -> Any:
    """The owner's models: pick one to see its report."""
    principal = page_principal()
    assert principal is not None
    with unit_of_work() as db:
        models = list(
            db.execute(
                select(ProgrammeModel.id, ProgrammeModel.name)
                .where(ProgrammeModel.owner_tenant_id == principal.tenant_id)
                .order_by(ProgrammeModel.name)
            ).all()
        )
    return render_template("pages/reports.html", kind="models", models=models)


@blp.get("/models/<uuid:model_id>")
@signed_in(Permission.READ_OWNER_REPORTS)
def model_report(model_id: uuid.UUID) -> Any:
    """A model's report summed over its licensed partners: suppressed, with charts."""
    try:
        report: service.OwnerReport | None = _owner_report(model_id)
        error = ""
    except service.NotFound:
        abort(404)
    except Problem as problem:
        report, error = None, problem_message(problem)
    downloads = (
        {
            fmt: url_for(
                "report_pages.model_export", model_id=model_id, fmt=fmt, **_query(report.period)
            )
            for fmt in exports.FORMATS
        }
        if report
        else {}
    )
    return render_template(
        "pages/reports.html",
        kind="owner",
        report=report,
        error=error,
        sections=report.total if report else [],
        columns=[str(_l("All partners"))],
        values=[{r.key: r.value for s in report.total for r in s.rows}] if report else [],
        charts=_charts(report.total) if report else [],
        downloads=downloads,
        action=url_for("report_pages.model_report", model_id=model_id),
    )


@blp.get("/models/<uuid:model_id>/export.<fmt>")
@signed_in(Permission.READ_OWNER_REPORTS)
def model_export(model_id: uuid.UUID, fmt: str) -> Any:
    """A model's report as a file, suppressed like the page."""
    return _download(_owner_report(model_id), fmt, "mallin-raportti")
