"""Partner duties towards the model owner: report changes, submit a yearly report.

A partner running a licensed model must "report changes to the model owner
immediately" (a new coordinator or contact person, a pause in the activity,
its resumption…) and submit a yearly report. The yearly report on calendar
year Y is due on a day of year Y+1 that the model sets (31 January unless the
owner says otherwise) and a licence may override. It is pre-filled with the
licence's counts from the owner overview (`licensing.partner_figures`: counts
only, never a person), plus the partner's own narrative; it is submitted once
and can be corrected until the owner acknowledges it.

The owner sees each licence's duty as due, overdue, submitted or
acknowledged. A submission and a change report notify the owner's staff; the
daily scan tells both sides once when a yearly report becomes overdue.

Every writing function takes an explicit `Actor` and runs inside
`context.cross_tenant(...)` (opened before the unit of work): it writes the
audit trail and the notifications of two tenants.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit, context, notifications
from tukiverkko.platform.db import get_database, utcnow
from tukiverkko.platform.errors import Conflict, Forbidden, ValidationFailed
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.pagination import paginate
from tukiverkko.tenants import licensing
from tukiverkko.tenants.duties_models import ChangeKind, ChangeReport, ReportStatus, YearlyReport
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel

# Licences that owe reports: running, or suspended but still bound by the agreement.
REPORTING = (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)
# A change can be reported from the grant on (a new coordinator before the start).
CHANGEABLE = (LicenceStatus.GRANTED, LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)


class DutyState:
    """What the owner's list says of one licence's yearly report."""

    DUE = "due"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"


def _require_cross_tenant() -> None:
    if not context.current().cross_tenant:
        raise RuntimeError("partner duties must run inside context.cross_tenant(...)")


def _require_partner(licence: Licence, actor: Actor) -> None:
    if actor.tenant_id != licence.partner_tenant_id:
        raise Forbidden("Only the licensee reports on its licence.", code="not_licensee")


def _model(session: Session, licence: Licence) -> ProgrammeModel:
    model = session.get(ProgrammeModel, licence.model_id)
    assert model is not None  # a foreign key guarantees it
    return model


# --- deadlines ----------------------------------------------------------------


def _valid_deadline(month: int, day: int) -> bool:
    # February counts 28 days: the deadline must exist every year.
    return 1 <= month <= 12 and 1 <= day <= (
        28 if month == 2 else calendar.monthrange(2001, month)[1]
    )


def due_on(model: ProgrammeModel, licence: Licence, year: int) -> date:
    """The day the yearly report on `year` is due: the licence's deadline, else the model's."""
    month = licence.report_due_month or model.report_due_month
    day = licence.report_due_day or model.report_due_day
    return date(year + 1, month, day)


def set_deadline(
    session: Session,
    model: ProgrammeModel,
    *,
    actor: Actor,
    month: int,
    day: int,
    licence: Licence | None = None,
) -> None:
    """The owner sets when yearly reports are due: for the model, or for one licence."""
    licensing.require_owner(model, actor)
    if not _valid_deadline(month, day):
        raise ValidationFailed(
            "Not a day that exists every year.",
            code="invalid_date",
            errors={"json": {"day": ["Not a day of that month every year."]}},
        )
    target: Any = licence if licence is not None else model
    target.report_due_month, target.report_due_day = month, day


# --- change reports -----------------------------------------------------------


def report_change(
    session: Session,
    licence: Licence,
    *,
    actor: Actor,
    kind: ChangeKind,
    text: str,
    effective_on: date,
) -> ChangeReport:
    """The partner tells the owner of a change; the owner's staff are notified."""
    _require_cross_tenant()
    _require_partner(licence, actor)
    if licence.status not in CHANGEABLE:
        raise Conflict(
            f"A licence that is {licence.status.value} takes no reports.",
            code="licence_not_in_force",
        )
    text = text.strip()
    if kind == ChangeKind.OTHER and not text:
        raise ValidationFailed(
            "Say what changed.", code="text_required", errors={"json": {"text": ["Required."]}}
        )
    assert actor.user_id is not None
    report = ChangeReport(
        licence_id=licence.id,
        kind=kind,
        text=text,
        effective_on=effective_on,
        reported_by=actor.user_id,
    )
    session.add(report)
    session.flush()
    model = _model(session, licence)
    _audit_both(session, licence, model, actor, "licence_change_reported", kind=kind.value)
    _notify(
        session,
        "licence_change_reported",
        licence,
        model,
        owner=True,
        partner=False,
        key=f"licence_change_reported:{report.id}",
        params={"kind": kind.value, "text": text, "effective_on": effective_on.isoformat()},
    )
    return report


def acknowledge_change(session: Session, report: ChangeReport, *, actor: Actor) -> ChangeReport:
    """The owner has read a change report (once: the first who/when is kept)."""
    licence = session.get(Licence, report.licence_id)
    assert licence is not None
    licensing.require_owner(_model(session, licence), actor)
    if report.acknowledged_at is None:
        report.acknowledged_at = utcnow()
        report.acknowledged_by = actor.user_id
    return report


# --- yearly reports -----------------------------------------------------------


def prefilled_counts(session: Session, licence: Licence) -> dict[str, int]:
    """The licence's counts from the owner overview (runs inside `cross_tenant`)."""
    _require_cross_tenant()
    licensing.load_partner_counts()
    return dict(licensing.partner_figures(session, licence)["counts"])


def _clean_counts(counts: dict[str, Any], allowed: dict[str, int]) -> dict[str, int]:
    unknown = sorted(set(counts) - set(allowed))
    bad = sorted(k for k, v in counts.items() if not isinstance(v, int) or v < 0)
    if unknown or bad:
        raise ValidationFailed(
            "The counts are not valid.",
            code="invalid_counts",
            errors={"json": {"counts": [f"Unknown: {unknown}; not a count: {bad}."]}},
        )
    return {**allowed, **counts}


def _check_year(licence: Licence, year: int) -> None:
    if not licence.created_at.year <= year <= licensing.today().year:
        raise ValidationFailed(
            "No report is owed for that year.",
            code="invalid_year",
            errors={"path": {"year": ["Between the licence's first year and this year."]}},
        )


def report_of(session: Session, licence_id: uuid.UUID, year: int) -> YearlyReport | None:
    return session.scalar(
        select(YearlyReport).where(YearlyReport.licence_id == licence_id, YearlyReport.year == year)
    )


def submit_yearly_report(
    session: Session,
    licence: Licence,
    year: int,
    *,
    actor: Actor,
    narrative: str,
    counts: dict[str, Any] | None = None,
) -> YearlyReport:
    """Submit the report on `year` (once). Counts default to the overview's figures."""
    _require_cross_tenant()
    _require_partner(licence, actor)
    _check_year(licence, year)
    report = report_of(session, licence.id, year)
    if report is not None and report.status != ReportStatus.DUE:
        raise Conflict(
            "The report on this year has been submitted already: correct it instead.",
            code="report_already_submitted",
        )
    if report is None:
        report = YearlyReport(licence_id=licence.id, year=year, status=ReportStatus.DUE)
        session.add(report)
    report.counts = _clean_counts(counts or {}, prefilled_counts(session, licence))
    report.narrative = narrative.strip()
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = utcnow()
    report.submitted_by = actor.user_id
    session.flush()
    model = _model(session, licence)
    _audit_both(session, licence, model, actor, "yearly_report_submitted", year=year)
    _notify(
        session,
        "yearly_report_submitted",
        licence,
        model,
        owner=True,
        partner=False,
        key=f"yearly_report_submitted:{report.id}",
        params={"year": year},
    )
    return report


def correct_yearly_report(
    session: Session,
    report: YearlyReport,
    *,
    actor: Actor,
    narrative: str | None = None,
    counts: dict[str, Any] | None = None,
) -> YearlyReport:
    """Correct a submitted report; refused once the owner has acknowledged it."""
    licence = session.get(Licence, report.licence_id)
    assert licence is not None
    _require_partner(licence, actor)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(
            "Only a submitted report that the owner has not acknowledged can be corrected.",
            code="report_not_correctable",
        )
    if counts is not None:
        report.counts = _clean_counts(counts, dict(report.counts))
    if narrative is not None:
        report.narrative = narrative.strip()
    report.corrected_at = utcnow()
    return report


def acknowledge_yearly_report(
    session: Session, report: YearlyReport, *, actor: Actor
) -> YearlyReport:
    """The owner acknowledges a submitted report; it is final from then on."""
    licence = session.get(Licence, report.licence_id)
    assert licence is not None
    licensing.require_owner(_model(session, licence), actor)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict("Only a submitted report can be acknowledged.", code="report_not_submitted")
    report.status = ReportStatus.ACKNOWLEDGED
    report.acknowledged_at = utcnow()
    report.acknowledged_by = actor.user_id
    return report


def state_of(report: YearlyReport | None, due: date, on: date) -> str:
    """due / overdue / submitted / acknowledged."""
    if report is not None and report.status == ReportStatus.ACKNOWLEDGED:
        return DutyState.ACKNOWLEDGED
    if report is not None and report.status == ReportStatus.SUBMITTED:
        return DutyState.SUBMITTED
    return DutyState.OVERDUE if on > due else DutyState.DUE


def default_year(on: date | None = None) -> int:
    """The year whose report is the current duty: last calendar year."""
    return (on or licensing.today()).year - 1


def owner_duties(
    session: Session,
    model: ProgrammeModel,
    *,
    actor: Actor,
    year: int,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """One page of the model's reporting licences with their duty for `year`.

    Three queries whatever the page holds: the licences, their reports of
    the year, and their unacknowledged change reports (counted).
    """
    licensing.require_owner(model, actor)
    page = paginate(
        session,
        select(Licence).where(Licence.model_id == model.id, Licence.status.in_(REPORTING)),
        created=Licence.created_at,
        ident=Licence.id,
        limit=limit,
        cursor=cursor,
    )
    ids = [lic.id for lic in page["items"]]
    reports = {
        r.licence_id: r
        for r in session.scalars(
            select(YearlyReport).where(YearlyReport.licence_id.in_(ids), YearlyReport.year == year)
        )
    }
    open_changes = dict(
        session.execute(
            select(ChangeReport.licence_id, func.count(ChangeReport.id))
            .where(ChangeReport.licence_id.in_(ids), ChangeReport.acknowledged_at.is_(None))
            .group_by(ChangeReport.licence_id)
        ).all()
    )
    on = licensing.today()
    items = []
    for licence in page["items"]:
        report = reports.get(licence.id)
        due = due_on(model, licence, year)
        items.append(
            {
                "licence_id": licence.id,
                "partner_name": licence.partner.name,
                "area": licence.area,
                "licence_status": licence.status,
                "year": year,
                "due_on": due,
                "state": state_of(report, due, on),
                "report_id": report.id if report and report.status != ReportStatus.DUE else None,
                "submitted_at": report.submitted_at if report else None,
                "acknowledged_at": report.acknowledged_at if report else None,
                "unacknowledged_changes": int(open_changes.get(licence.id, 0)),
            }
        )
    page["items"] = items
    return page


# --- the daily scan -------------------------------------------------------------


def notify_overdue_reports(on: date | None = None) -> int:
    """Tell both sides, once, that a yearly report has become overdue.

    For last year's report of every reporting licence past its deadline with
    nothing submitted: a `due` row remembers that both sides were told, so a
    second run (the same day or later) sends nothing new. Returns how many
    licences were newly reported overdue.
    """
    on = on or licensing.today()
    year = on.year - 1
    told = 0
    with (
        context.cross_tenant("daily scan: overdue yearly reports"),
        get_database().unit_of_work() as db,
    ):
        licences = db.scalars(
            select(Licence).where(Licence.status.in_(REPORTING)).order_by(Licence.created_at)
        ).all()
        reports = {
            r.licence_id: r
            for r in db.scalars(select(YearlyReport).where(YearlyReport.year == year))
        }
        for licence in licences:
            if licence.created_at.year > year:
                continue  # no activity in that year under this licence
            model = _model(db, licence)
            report = reports.get(licence.id)
            if on <= due_on(model, licence, year):
                continue
            if report is not None and (
                report.status != ReportStatus.DUE or report.overdue_notified_at is not None
            ):
                continue
            if report is None:
                report = YearlyReport(licence_id=licence.id, year=year, status=ReportStatus.DUE)
                db.add(report)
            report.overdue_notified_at = utcnow()
            db.flush()
            _notify(
                db,
                "yearly_report_overdue",
                licence,
                model,
                owner=True,
                partner=True,
                key=f"yearly_report_overdue:{report.id}",
                params={"year": year, "due_on": due_on(model, licence, year).isoformat()},
            )
            told += 1
    return told


def expire_licences_daily() -> int:
    """Daily task: expire licences past their end date (each change is notified)."""
    with context.cross_tenant("daily scan: licence expiry"), get_database().unit_of_work() as db:
        return len(licensing.expire_due_licences(db))


def _register_daily_tasks() -> None:
    # As in primitives/followup.py: the rule and its schedule stay together;
    # imported lazily so that a web-only install does not need the workers.
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task("licence_expiry")(expire_licences_daily)
    daily_task("yearly_reports_overdue")(notify_overdue_reports)


_register_daily_tasks()


# --- audit and notifications ------------------------------------------------------


def _audit_both(
    session: Session,
    licence: Licence,
    model: ProgrammeModel,
    actor: Actor,
    action: str,
    **details: Any,
) -> None:
    for tenant_id in {model.owner_tenant_id, licence.partner_tenant_id}:
        audit.record(
            session,
            action,
            tenant_id=tenant_id,
            actor_id=actor.user_id,
            target_type="licence",
            target_id=licence.id,
            model=model.name,
            **details,
        )


def _notify(
    session: Session,
    kind_name: str,
    licence: Licence,
    model: ProgrammeModel,
    *,
    owner: bool,
    partner: bool,
    key: str,
    params: dict[str, Any],
) -> None:
    """One outbox row per recipient, in the recipient's tenant: the owner's staff
    and/or the partner's admins and coordinators."""
    who = []
    if owner:
        who.append((User.tenant_id == model.owner_tenant_id) & (User.role == Role.OWNER_STAFF))
    if partner:
        who.append(
            (User.tenant_id == licence.partner_tenant_id)
            & User.role.in_((Role.TENANT_ADMIN, Role.COORDINATOR))
        )
    condition = who[0] if len(who) == 1 else who[0] | who[1]
    recipients = session.execute(
        select(User.id, User.tenant_id).where(User.status == UserStatus.ACTIVE, condition)
    ).all()
    base = {
        "licence_id": str(licence.id),
        "model": model.name,
        "partner": licence.partner.name,
        "area": licence.area,
        **params,
    }
    for user_id, tenant_id in sorted(recipients):
        notifications.notify(
            session,
            kind_name,
            user_id=user_id,
            params=base,
            delivery_key=f"{key}:{user_id}",
            tenant_id=tenant_id,
        )


_CHANGE_LABELS = {
    ChangeKind.COORDINATOR_CHANGED: lambda: _("the coordinator changed"),
    ChangeKind.CONTACT_PERSON_CHANGED: lambda: _("the contact person changed"),
    ChangeKind.ACTIVITY_PAUSED: lambda: _("the activity is paused"),
    ChangeKind.ACTIVITY_RESUMED: lambda: _("the activity resumes"),
    ChangeKind.OTHER: lambda: _("other change"),
}


@notifications.kind(
    "licence_change_reported",
    channels=(notifications.Channel.EMAIL, notifications.Channel.IN_APP),
)
def _render_change(params: dict[str, Any]) -> tuple[str, str]:
    label = _CHANGE_LABELS[ChangeKind(params["kind"])]()
    subject = _("%(partner)s reports a change: %(change)s", partner=params["partner"], change=label)
    body = _(
        "Hello,\n\n%(partner)s, which runs %(model)s in %(area)s, reports a change from "
        "%(date)s: %(change)s.\n%(text)s\n\nThe report is in Tukiverkko under the licence's "
        "partner duties.",
        partner=params["partner"],
        model=params["model"],
        area=params["area"],
        date=params["effective_on"],
        change=label,
        text=params["text"] or "",
    )
    return subject, body


@notifications.kind(
    "yearly_report_submitted",
    channels=(notifications.Channel.EMAIL, notifications.Channel.IN_APP),
)
def _render_submitted(params: dict[str, Any]) -> tuple[str, str]:
    subject = _(
        "Yearly report %(year)s from %(partner)s", year=params["year"], partner=params["partner"]
    )
    body = _(
        "Hello,\n\n%(partner)s has submitted its yearly report on %(year)s for %(model)s in "
        "%(area)s. It holds counts and the partner's own account, never a person's data. "
        "Read and acknowledge it in Tukiverkko under partner duties.",
        partner=params["partner"],
        year=params["year"],
        model=params["model"],
        area=params["area"],
    )
    return subject, body


@notifications.kind(
    "yearly_report_overdue",
    channels=(notifications.Channel.EMAIL, notifications.Channel.IN_APP),
)
def _render_overdue(params: dict[str, Any]) -> tuple[str, str]:
    subject = _(
        "Yearly report %(year)s of %(partner)s is overdue",
        year=params["year"],
        partner=params["partner"],
    )
    body = _(
        "Hello,\n\nThe yearly report on %(year)s for %(model)s in %(area)s (%(partner)s) was "
        "due on %(due)s and has not been submitted. The partner submits it in Tukiverkko "
        "under the licence's partner duties.",
        year=params["year"],
        model=params["model"],
        area=params["area"],
        partner=params["partner"],
        due=params["due_on"],
    )
    return subject, body
