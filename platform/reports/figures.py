"""The queries of the funder reports: counts per programme, aggregated in SQL.

Every query is filtered by an explicit list of programme ids and grouped by
programme, so a report costs the same handful of queries whether it covers
one programme, a whole organisation or every partner of a model owner
(`tests/platform/reports/test_figures.py` counts them). What leaves here is a
`Tally` of integers per programme: never a row, a name or an id of a person.

Definitions (the period is a first and a last day, inclusive, in Finnish time):

- volunteers *active*: approved on or before the last day, and not ended
  before the first day; *new*: approved in the period; *ended*: ended in the
  period; *trained*: completed the programme's training in the period.
- volunteer *hours*: meetings logged by volunteers plus other hours they
  logged (shifts, group leading, events), withdrawn logs left out.
- *participants reached*: distinct participants with a match that was active
  at some time in the period, by age band from the birth year (at the last
  day's year) when it is recorded; the platform does not record gender.
- matches *started*: activated in the period; *ended*: closed in the period,
  by closing reason; their *length*: whole days from activation to closing.
- *meetings*: meeting logs met in the period; *events*: events (not cancelled)
  starting in the period and the sign-ups marked attended; *supervision*:
  sessions (not cancelled) in the period and the attendances recorded.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, distinct, extract, func, or_, select
from sqlalchemy.orm import Session

from tukiverkko.platform import plugins
from tukiverkko.platform.primitives.models import (
    Match,
    MatchStatus,
    Participant,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import (
    Event,
    EventSignup,
    MeetingLog,
    SignupStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionSession,
    VolunteerHours,
)
from tukiverkko.tenants.licensing import FINLAND

# Age bands of participants: (key, lowest age, highest age). Children's bands
# follow the programmes' own limits (neuvola age under 7, Kaveri 6-17).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-6", 0, 6),
    ("7-12", 7, 12),
    ("13-17", 13, 17),
    ("18-29", 18, 29),
    ("30-64", 30, 64),
    ("65+", 65, None),
)
AGE_NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class Period:
    """First and last day of a report, inclusive."""

    since: date
    until: date

    @property
    def starts(self) -> datetime:
        """Midnight starting the first day in Finland, as UTC (timestamps are UTC)."""
        return _midnight(self.since)

    @property
    def ends(self) -> datetime:
        """Midnight after the last day in Finland, as UTC (exclusive)."""
        return _midnight(self.until + timedelta(days=1))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), FINLAND).astimezone(UTC)


@dataclass
class Tally:
    """The figures of one programme (or a sum of programmes).

    `counts` are additive integers (people, matches, minutes); `lengths` is
    the histogram of ended matches' lengths in days (a median is not
    additive, a histogram is); `sections` are the module's own sections.
    """

    counts: Counter[str] = field(default_factory=Counter)
    lengths: Counter[int] = field(default_factory=Counter)
    sections: list[plugins.ReportSection] = field(default_factory=list)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            counts=self.counts + other.counts,
            lengths=self.lengths + other.lengths,
            sections=_add_sections(self.sections, other.sections),
        )


def _add_sections(
    a: Sequence[plugins.ReportSection], b: Sequence[plugins.ReportSection]
) -> list[plugins.ReportSection]:
    """Sum two lists of module sections row by row (by key), keeping the order of first sight."""
    out: dict[str, plugins.ReportSection] = {s.key: s for s in a}
    for section in b:
        mine = out.get(section.key)
        if mine is None:
            out[section.key] = section
            continue
        rows = {r.key: r for r in mine.rows}
        for row in section.rows:
            have = rows.get(row.key)
            rows[row.key] = (
                row
                if have is None
                else plugins.ReportRow(
                    row.key, have.label, have.value + row.value, have.part_of, have.base
                )
            )
        out[section.key] = plugins.ReportSection(mine.key, mine.title, tuple(rows.values()))
    return list(out.values())


def total(tallies: Iterable[Tally]) -> Tally:
    """The sum of several programmes' figures."""
    out = Tally()
    for tally in tallies:
        out = out + tally
    return out


# --- the queries ---------------------------------------------------------------


def _days(session: Session, start: Any, end: Any) -> Any:
    """Whole days between two timestamp columns, in SQL (each database its own way)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", end - start) / 86400), Integer)
    # Whole seconds, then integer division: julianday's floating point could
    # make exactly five days 4.999... and truncate it to four.
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return seconds // 86400


def _in(column: Any, period: Period) -> Any:
    return and_(column >= period.starts, column < period.ends)


def _on(column: Any, period: Period) -> Any:
    return and_(column >= period.since, column <= period.until)


def _match_active_in(period: Period) -> Any:
    """Active at some time in the period: activated before its end, not closed before its start."""
    return and_(
        Match.activated_at.is_not(None),
        Match.activated_at < period.ends,
        or_(Match.closed_at.is_(None), Match.closed_at >= period.starts),
    )


def tallies(
    session: Session,
    programmes: Sequence[tuple[uuid.UUID, uuid.UUID, str]],
    period: Period,
) -> dict[uuid.UUID, Tally]:
    """The figures of each programme, given as (programme id, tenant id, module key).

    A constant number of queries: one per group of figures, plus one per
    module that contributes sections. Runs in the caller's tenant context, or
    inside `cross_tenant` for a model owner: each query names the programmes
    explicitly either way.
    """
    out: dict[uuid.UUID, Tally] = {pid: Tally() for pid, _, _ in programmes}
    if not out:
        return out
    ids = list(out)

    def put(programme_id: uuid.UUID, key: str, value: Any) -> None:
        out[programme_id].counts[key] += int(value or 0)

    # Volunteers: active, new, ended, trained (one pass over the programme's volunteers).
    ended = Volunteer.status == VolunteerStatus.ENDED
    rows = session.execute(
        select(
            Volunteer.programme_id,
            func.count(Volunteer.id).filter(
                Volunteer.approved_at < period.ends,
                or_(~ended, Volunteer.status_changed_at >= period.starts),
            ),
            func.count(Volunteer.id).filter(_in(Volunteer.approved_at, period)),
            func.count(Volunteer.id).filter(ended, _in(Volunteer.status_changed_at, period)),
            func.count(Volunteer.id).filter(_in(Volunteer.training_completed_at, period)),
        )
        .where(Volunteer.programme_id.in_(ids))
        .group_by(Volunteer.programme_id)
    ).all()
    for pid, active, new, gone, trained in rows:
        put(pid, "volunteers.active", active)
        put(pid, "volunteers.new", new)
        put(pid, "volunteers.ended", gone)
        put(pid, "volunteers.trained", trained)

    # Other volunteer hours (shifts, group leading, events).
    rows = session.execute(
        select(
            Volunteer.programme_id,
            func.coalesce(func.sum(VolunteerHours.minutes), 0),
            func.count(distinct(VolunteerHours.volunteer_id)),
        )
        .join(Volunteer, Volunteer.id == VolunteerHours.volunteer_id)
        .where(
            Volunteer.programme_id.in_(ids),
            VolunteerHours.withdrawn_at.is_(None),
            _on(VolunteerHours.worked_on, period),
        )
        .group_by(Volunteer.programme_id)
    ).all()
    for pid, minutes, people in rows:
        put(pid, "hours.other_minutes", minutes)
        put(pid, "hours.other_volunteers", people)

    # Meetings of the programme's matches.
    rows = session.execute(
        select(
            Match.programme_id,
            func.count(MeetingLog.id),
            func.coalesce(func.sum(MeetingLog.minutes), 0),
        )
        .join(Match, Match.id == MeetingLog.match_id)
        .where(
            Match.programme_id.in_(ids),
            MeetingLog.withdrawn_at.is_(None),
            _on(MeetingLog.met_on, period),
        )
        .group_by(Match.programme_id)
    ).all()
    for pid, meetings, minutes in rows:
        put(pid, "meetings.count", meetings)
        put(pid, "hours.meeting_minutes", minutes)

    # Matches: started, active at some time, ended (with reasons and lengths below).
    closed = and_(Match.status == MatchStatus.CLOSED, _in(Match.closed_at, period))
    rows = session.execute(
        select(
            Match.programme_id,
            func.count(Match.id).filter(_in(Match.activated_at, period)),
            func.count(Match.id).filter(_match_active_in(period)),
            func.count(Match.id).filter(closed),
        )
        .where(Match.programme_id.in_(ids))
        .group_by(Match.programme_id)
    ).all()
    for pid, started, active, gone in rows:
        put(pid, "matches.started", started)
        put(pid, "matches.active", active)
        put(pid, "matches.ended", gone)

    rows = session.execute(
        select(Match.programme_id, Match.close_reason, func.count(Match.id))
        .where(Match.programme_id.in_(ids), closed)
        .group_by(Match.programme_id, Match.close_reason)
    ).all()
    for pid, reason, count in rows:
        put(pid, f"matches.ended_reason:{reason or 'unspecified'}", count)

    # Lengths of the ended matches that had started, as a histogram of days.
    days = _days(session, Match.activated_at, Match.closed_at)
    rows = session.execute(
        select(Match.programme_id, days, func.count(Match.id))
        .where(Match.programme_id.in_(ids), closed, Match.activated_at.is_not(None))
        .group_by(Match.programme_id, days)
    ).all()
    for pid, length, count in rows:
        out[pid].lengths[max(int(length), 0)] += int(count)

    # Participants reached, by age band (distinct participants per band).
    age = period.until.year - Participant.birth_year
    band = case(
        *[
            (age.between(low, high) if high is not None else age >= low, key)
            for key, low, high in AGE_BANDS
        ],
        else_=AGE_NOT_RECORDED,
    )
    rows = session.execute(
        select(Match.programme_id, band, func.count(distinct(Match.participant_id)))
        .join(Participant, Participant.id == Match.participant_id)
        .where(Match.programme_id.in_(ids), _match_active_in(period))
        .group_by(Match.programme_id, band)
    ).all()
    for pid, key, count in rows:
        put(pid, f"participants.age:{key}", count)
        put(pid, "participants.reached", count)

    rows = session.execute(
        select(Participant.programme_id, func.count(Participant.id))
        .where(Participant.programme_id.in_(ids), _in(Participant.created_at, period))
        .group_by(Participant.programme_id)
    ).all()
    for pid, count in rows:
        put(pid, "participants.new", count)

    # Events starting in the period and the sign-ups marked attended.
    rows = session.execute(
        select(
            Event.programme_id,
            func.count(distinct(Event.id)),
            func.count(EventSignup.id).filter(EventSignup.status == SignupStatus.ATTENDED),
        )
        .outerjoin(EventSignup, EventSignup.event_id == Event.id)
        .where(
            Event.programme_id.in_(ids), Event.cancelled_at.is_(None), _in(Event.starts_at, period)
        )
        .group_by(Event.programme_id)
    ).all()
    for pid, events, attended in rows:
        put(pid, "events.count", events)
        put(pid, "events.attendees", attended)

    # Supervision sessions in the period and the attendances recorded.
    rows = session.execute(
        select(
            SupervisionGroup.programme_id,
            func.count(distinct(SupervisionSession.id)),
            func.count(SupervisionAttendance.id).filter(SupervisionAttendance.attended.is_(True)),
        )
        .join(SupervisionGroup, SupervisionGroup.id == SupervisionSession.group_id)
        .outerjoin(SupervisionAttendance, SupervisionAttendance.session_id == SupervisionSession.id)
        .where(
            SupervisionGroup.programme_id.in_(ids),
            SupervisionSession.cancelled_at.is_(None),
            _in(SupervisionSession.starts_at, period),
        )
        .group_by(SupervisionGroup.programme_id)
    ).all()
    for pid, sessions, attended in rows:
        put(pid, "supervision.sessions", sessions)
        put(pid, "supervision.attendances", attended)

    # The modules' own sections: one call per module, with all of its programmes.
    by_module: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(list)
    for pid, tenant_id, module_key in programmes:
        by_module[module_key].append((pid, tenant_id))
    for module_key, pairs in sorted(by_module.items()):
        module = plugins.find_module(module_key)
        if module is None or module.report_sections is None:
            continue
        sections = module.report_sections(session, pairs, period.since, period.until)
        for pid, found in sections.items():
            if pid in out:
                out[pid].sections = list(found)
    return out


def median(lengths: Counter[int]) -> float | None:
    """The median of a histogram (None when it is empty)."""
    n = sum(lengths.values())
    if n == 0:
        return None
    ordered = sorted(lengths.items())

    def nth(k: int) -> int:  # the k-th smallest value, 0-based
        seen = 0
        for value, count in ordered:
            seen += count
            if k < seen:
                return value
        raise IndexError(k)

    if n % 2:
        return float(nth(n // 2))
    return (nth(n // 2 - 1) + nth(n // 2)) / 2


def mean(lengths: Counter[int]) -> float | None:
    """The average of a histogram (None when it is empty)."""
    n = sum(lengths.values())
    return None if n == 0 else sum(v * c for v, c in lengths.items()) / n
