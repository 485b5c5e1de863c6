"""Funder reports: a partner's own figures, and a model owner's sum of its partners.

Plain functions over a session. A partner's report (`tenant_report`) shows its
programmes' figures as they are. A model owner's report (`owner_report`)
sums its licensed partners, per partner and in total, and every figure in it
goes through `suppress` - the one function that turns a number into what an
owner may see - before it leaves this module: the API, the exports and the
page all render the same already-suppressed report.

Small counts and subtraction: a count under 5 is shown as "<5". A whole
(a column total, or a figure with parts such as ended matches by reason) is
shown as it is when it is 5 or more, so a lone "<5" among its parts could be
derived by subtracting the shown parts from the whole. When exactly one part
of a whole is under 5, the next smallest part is hidden too ("..", as in
Finnish official statistics): the difference then gives only the sum of two
parts, one of which is 5 or more. Measures (average and median length of
matches) are hidden when fewer than 5 matches stand behind them. Reports of
overlapping periods can still be subtracted from each other; the owner sees
aggregates of organisations, never of people, and that residual risk is
accepted (docs/reports.md).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.errors import NotFound, ValidationFailed
from tukiverkko.platform.plugins import ReportRow, ReportSection
from tukiverkko.platform.primitives.models import Programme
from tukiverkko.platform.reports import figures
from tukiverkko.platform.reports.figures import AGE_BANDS, AGE_NOT_RECORDED, Period, Tally
from tukiverkko.platform.reports.suppression import (  # noqa: F401  (re-exported)
    HIDDEN,
    SMALL,
    THRESHOLD,
    protect,
    suppress,
)
from tukiverkko.tenants.licensing import Actor, require_owner, today
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel
from tukiverkko.tenants.models import Tenant

# Longest period one report covers: five years is more than any funder asks.
MAX_PERIOD_DAYS = 5 * 366
# Licences whose partners' figures the owner's report sums: the partners that
# ran (or run) the model. Applications and revoked partners are left out.
REPORTED_LICENCES = (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED, LicenceStatus.EXPIRED)

_CLOSING_REASONS: dict[str, Any] = {
    "moved": _l("Moved away"),
    "need_ended": _l("The need ended"),
    "volunteer_life_changed": _l("The volunteer's life changed"),
    "mismatch": _l("Did not fit together"),
    "safety_concern": _l("Safety concern"),
    "volunteer_ended": _l("The volunteer ended"),
    "other": _l("Other reason"),
    "unspecified": _l("No reason given"),
}
_AGE_LABELS: dict[str, Any] = {
    **{key: _l("Aged %(band)s", band=key) for key, _, _ in AGE_BANDS},
    AGE_NOT_RECORDED: _l("Age not recorded"),
}


# --- the period ------------------------------------------------------------------


def resolve_period(
    *, since: date | None = None, until: date | None = None, year: int | None = None
) -> Period:
    """The report's period: `year` (a calendar year), or `since`-`until`; default this year."""
    if year is not None:
        if since is not None or until is not None:
            raise ValidationFailed(
                "Give either a year or a period, not both.",
                code="invalid_period",
                errors={"query": {"year": ["Not with from/to."]}},
            )
        return Period(date(year, 1, 1), date(year, 12, 31))
    if since is None and until is None:
        this_year = today().year
        return Period(date(this_year, 1, 1), date(this_year, 12, 31))
    if since is None or until is None:
        raise ValidationFailed(
            "A period needs both its first and its last day.",
            code="invalid_period",
            errors={"query": {"from" if since is None else "to": ["Missing."]}},
        )
    if since > until:
        raise ValidationFailed(
            "The period ends before it starts.",
            code="invalid_period",
            errors={"query": {"from": ["Not after to."]}},
        )
    if (until - since).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            "A report covers at most five years.",
            code="invalid_period",
            errors={"query": {"to": ["At most five years after from."]}},
        )
    return Period(since, until)


# --- sections with labels ------------------------------------------------------


def _derived(tally: Tally) -> Counter[str]:
    """The tally's counts plus the figures derived from them (a copy: tallies stay additive)."""
    c = Counter(tally.counts)
    c["hours.total_minutes"] = c["hours.meeting_minutes"] + c["hours.other_minutes"]
    c["matches.with_length"] = sum(tally.lengths.values())
    return c


def sections(tally: Tally) -> list[ReportSection]:
    """The figures of a tally as labelled sections (core sections, then the module's)."""
    c = _derived(tally)

    def row(key: str, label: Any, part_of: str | None = None, base: str | None = None) -> ReportRow:
        return ReportRow(key, label, c[key], part_of, base)

    def hours(key: str, label: Any, part_of: str | None = None) -> ReportRow:
        return ReportRow(key, label, round(c[key] / 60, 1), part_of)

    reasons = sorted(k for k in c if k.startswith("matches.ended_reason:") and c[k])
    ages = [f"participants.age:{key}" for key, _, _ in AGE_BANDS] + [
        f"participants.age:{AGE_NOT_RECORDED}"
    ]
    median, mean = figures.median(tally.lengths), figures.mean(tally.lengths)
    out = [
        ReportSection(
            "volunteers",
            _l("Volunteers"),
            (
                row("volunteers.active", _l("Active volunteers")),
                row("volunteers.new", _l("New volunteers")),
                row("volunteers.ended", _l("Volunteers who ended")),
                row("volunteers.trained", _l("Volunteers trained")),
            ),
        ),
        ReportSection(
            "hours",
            _l("Volunteer hours"),
            (
                hours("hours.total_minutes", _l("Volunteer hours in all")),
                hours("hours.meeting_minutes", _l("Hours in meetings"), "hours.total_minutes"),
                hours(
                    "hours.other_minutes",
                    _l("Other hours (shifts, groups, events)"),
                    "hours.total_minutes",
                ),
            ),
        ),
        ReportSection(
            "participants",
            _l("Participants reached"),
            (
                row("participants.reached", _l("Participants reached")),
                *(
                    row(key, _AGE_LABELS[key.split(":", 1)[1]], "participants.reached")
                    for key in ages
                ),
                row("participants.new", _l("New participants taken in")),
            ),
        ),
        ReportSection(
            "matches",
            _l("Matches"),
            (
                row("matches.started", _l("Matches started")),
                row("matches.active", _l("Matches active in the period")),
                row("matches.ended", _l("Matches ended")),
                *(
                    row(
                        key,
                        _CLOSING_REASONS.get(key.split(":", 1)[1], key.split(":", 1)[1]),
                        "matches.ended",
                    )
                    for key in reasons
                ),
                ReportRow(
                    "matches.median_days",
                    _l("Median length of ended matches (days)"),
                    median if median is not None else 0,
                    None,
                    "matches.with_length",
                ),
                ReportRow(
                    "matches.average_days",
                    _l("Average length of ended matches (days)"),
                    round(mean, 1) if mean is not None else 0,
                    None,
                    "matches.with_length",
                ),
            ),
        ),
        ReportSection("meetings", _l("Meetings"), (row("meetings.count", _l("Meetings logged")),)),
        ReportSection(
            "events",
            _l("Events"),
            (
                row("events.count", _l("Events held")),
                row("events.attendees", _l("Attendances at events")),
            ),
        ),
        ReportSection(
            "supervision",
            _l("Supervision"),
            (
                row("supervision.sessions", _l("Supervision sessions")),
                row("supervision.attendances", _l("Attendances at supervision")),
            ),
        ),
    ]
    return out + list(tally.sections)


def _bases(tally: Tally) -> dict[str, int | float]:
    """Every row's value by key (the bases that measures refer to included)."""
    values: dict[str, int | float] = dict(_derived(tally))
    for section in sections(tally):
        for r in section.rows:
            values[r.key] = r.value
    return values


# --- a partner's own report ------------------------------------------------------


@dataclass
class ProgrammeReport:
    id: uuid.UUID
    name: str
    module_key: str
    sections: list[ReportSection]


@dataclass
class TenantReport:
    """A partner's report: its programmes' figures as they are, and their total."""

    organisation: str
    period: Period
    programmes: list[ProgrammeReport]
    total: list[ReportSection]
    notes: list[Any] = field(default_factory=list)


GENDER_NOTE = _l(
    "Gender is not recorded on the platform, so participants are not reported by gender."
)


def tenant_report(
    session: Session, period: Period, *, programme_id: uuid.UUID | None = None
) -> TenantReport:
    """The current organisation's report: each programme (or the one asked for) and the total.

    Runs in the organisation's tenant context: the tenant filter keeps every
    query to its own rows.
    """
    tenant_id = context.current().tenant_id
    stmt = select(Programme.id, Programme.name, Programme.module_key, Programme.tenant_id).order_by(
        Programme.created_at, Programme.id
    )
    if programme_id is not None:
        stmt = stmt.where(Programme.id == programme_id)
    found = session.execute(stmt).all()
    if programme_id is not None and not found:
        raise NotFound("No such programme.")
    organisation = session.scalar(select(Tenant.name).where(Tenant.id == tenant_id)) or ""
    tallies = figures.tallies(session, [(p.id, p.tenant_id, p.module_key) for p in found], period)
    programmes = [
        ProgrammeReport(p.id, p.name, p.module_key, sections(tallies[p.id])) for p in found
    ]
    return TenantReport(
        organisation=organisation,
        period=period,
        programmes=programmes,
        total=sections(figures.total(tallies.values())),
        notes=[GENDER_NOTE],
    )


# --- the model owner's report ------------------------------------------------------


@dataclass
class OwnerRow:
    key: str
    label: Any
    value: str
    part_of: str | None = None


@dataclass
class OwnerSection:
    key: str
    title: Any
    rows: list[OwnerRow]


@dataclass
class PartnerColumn:
    name: str
    areas: list[str]
    # Headline figures only (rows that are not parts of another row), suppressed.
    figures: dict[str, str]


@dataclass
class OwnerReport:
    """A model owner's report: partners' headline figures and the total, all suppressed."""

    model_id: uuid.UUID
    model_name: str
    period: Period
    partners: list[PartnerColumn]
    # Every section of the total, suppressed, parts protected.
    total: list[OwnerSection]
    # Labels of the headline rows, in order (the partners' table).
    headline: list[OwnerRow]
    notes: list[Any] = field(default_factory=list)


SUPPRESSION_NOTE = _l(
    'Counts under 5 are shown as "<5". ".." marks a figure hidden so that a small count'
    " cannot be worked out from the others."
)


def _suppress_sections(
    secs: list[ReportSection], values: dict[str, int | float]
) -> list[OwnerSection]:
    """Every row of `secs` as an owner sees it: parts protected, measures by their base."""
    out: list[OwnerSection] = []
    for section in secs:
        parts: dict[str, dict[str, int | float]] = {}
        for r in section.rows:
            if r.part_of is not None:
                parts.setdefault(r.part_of, {})[r.key] = r.value
        protected: dict[str, str] = {}
        for whole, members in parts.items():
            protected.update(protect(values.get(whole, sum(members.values())), members))
        rows = []
        for r in section.rows:
            if r.base is not None:
                shown = HIDDEN if values.get(r.base, 0) < THRESHOLD else suppress(r.value)
            else:
                shown = protected.get(r.key) or suppress(r.value)
            rows.append(OwnerRow(r.key, r.label, shown, r.part_of))
        out.append(OwnerSection(section.key, section.title, rows))
    return out


def owner_report(
    session: Session, model: ProgrammeModel, period: Period, *, actor: Actor
) -> OwnerReport:
    """The report of `model` for its owner: partners' figures summed, every figure suppressed.

    Must run inside `context.cross_tenant`: it reads the partners' rows, each
    query naming their programmes explicitly. What leaves is text already
    suppressed: no row, name or id of a person, no count under 5.
    """
    require_owner(model, actor)
    if not context.current().cross_tenant:
        raise RuntimeError("the owner report must run inside context.cross_tenant(...)")
    licences = session.execute(
        select(Licence.partner_tenant_id, Licence.area)
        .where(Licence.model_id == model.id, Licence.status.in_(REPORTED_LICENCES))
        .order_by(Licence.created_at, Licence.id)
    ).all()
    areas: dict[uuid.UUID, list[str]] = {}
    for partner_id, area in licences:
        areas.setdefault(partner_id, []).append(area)
    programmes = (
        session.execute(
            select(Programme.id, Programme.tenant_id, Programme.module_key).where(
                Programme.tenant_id.in_(list(areas)), Programme.module_key == model.module_key
            )
        ).all()
        if areas
        else []
    )
    tallies = figures.tallies(
        session, [(p.id, p.tenant_id, p.module_key) for p in programmes], period
    )
    names = (
        dict(
            session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(list(areas)))).all()
        )
        if areas
        else {}
    )
    per_partner: dict[uuid.UUID, Tally] = {partner: Tally() for partner in areas}
    for p in programmes:
        per_partner[p.tenant_id] = per_partner[p.tenant_id] + tallies[p.id]
    grand = figures.total(per_partner.values())
    total_sections = sections(grand)
    grand_values = _bases(grand)
    headline = [
        OwnerRow(r.key, r.label, "", None)
        for s in total_sections
        for r in s.rows
        if r.part_of is None
    ]
    partner_values = {partner: _bases(t) for partner, t in per_partner.items()}
    # Each headline figure across partners: the partners are the parts, the total the whole.
    columns: dict[uuid.UUID, dict[str, str]] = {partner: {} for partner in per_partner}
    measure_base = {
        r.key: r.base for s in total_sections for r in s.rows if r.part_of is None and r.base
    }
    for h in headline:
        if h.key in measure_base:
            for partner, values in partner_values.items():
                base = values.get(measure_base[h.key], 0)
                columns[partner][h.key] = (
                    HIDDEN if base < THRESHOLD else suppress(values.get(h.key, 0))
                )
            continue
        parts = {str(partner): values.get(h.key, 0) for partner, values in partner_values.items()}
        shown = protect(grand_values.get(h.key, 0), parts)
        for partner in per_partner:
            columns[partner][h.key] = shown[str(partner)]
    partners = sorted(
        (PartnerColumn(names.get(pid, ""), areas[pid], columns[pid]) for pid in per_partner),
        key=lambda col: col.name,
    )
    return OwnerReport(
        model_id=model.id,
        model_name=model.name,
        period=period,
        partners=partners,
        total=_suppress_sections(total_sections, grand_values),
        headline=headline,
        notes=[SUPPRESSION_NOTE, GENDER_NOTE],
    )


def load_model(session: Session, model_id: uuid.UUID) -> ProgrammeModel:
    """The programme model, or 404."""
    model = session.get(ProgrammeModel, model_id)
    if model is None:
        raise NotFound("No such programme model.")
    return model
