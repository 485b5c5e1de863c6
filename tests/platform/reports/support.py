"""A seeded data set for the reports, and the figures expected of it, counted in Python.

`seed(...)` writes rows straight into the tables from plain Python specs
(dates chosen by a seeded random generator, plus hand-picked cases at the
period's edges), and `expected(spec, since, until)` counts the same specs
with plain Python - never by querying - so the report code is checked
against an independent reading of the definitions in `platform/reports/figures.py`.
"""

from __future__ import annotations

import random
import statistics
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.factories import Org
from tests.platform.primitives.support import in_tenant, make_programme
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import (
    IntakeSource,
    Match,
    MatchStatus,
    Participant,
    ParticipantKind,
    ParticipantStatus,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import (
    Event,
    EventKind,
    EventSignup,
    MeetingKind,
    MeetingLog,
    SignupStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionSession,
    VolunteerHours,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
REASONS = ("moved", "need_ended", "mismatch", "other", "")


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A Finnish wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), HELSINKI).astimezone(UTC)


def day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


@dataclass
class VolunteerSpec:
    approved_at: datetime | None
    ended_at: datetime | None
    trained_at: datetime | None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class ParticipantSpec:
    birth_year: int | None
    created_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class MatchSpec:
    volunteer: VolunteerSpec
    participant: ParticipantSpec
    status: MatchStatus
    activated_at: datetime | None
    closed_at: datetime | None
    reason: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class Spec:
    programme_id: uuid.UUID
    volunteers: list[VolunteerSpec] = field(default_factory=list)
    participants: list[ParticipantSpec] = field(default_factory=list)
    matches: list[MatchSpec] = field(default_factory=list)
    # (match, met_on, minutes, withdrawn)
    meetings: list[tuple[MatchSpec, date, int, bool]] = field(default_factory=list)
    # (volunteer, worked_on, minutes, withdrawn)
    hours: list[tuple[VolunteerSpec, date, int, bool]] = field(default_factory=list)
    # (starts_at, cancelled, [signup statuses])
    events: list[tuple[datetime, bool, list[SignupStatus]]] = field(default_factory=list)
    # (starts_at, cancelled, [attended flags])
    supervision: list[tuple[datetime, bool, list[bool]]] = field(default_factory=list)


def make_spec(programme_id: uuid.UUID, rng: random.Random, size: int = 1) -> Spec:
    """Random specs around the year 2025, plus the edge cases of 1 January 2025."""
    lo, hi = date(2024, 6, 1), date(2026, 3, 1)
    spec = Spec(programme_id)
    for _ in range(30 * size):
        approved = at(day_between(rng, lo, hi)) if rng.random() < 0.85 else None
        ended = None
        if rng.random() < 0.35:
            start = approved.date() if approved else lo
            ended = at(day_between(rng, start, hi), 15)
        trained = at(day_between(rng, lo, hi), 9) if rng.random() < 0.7 else None
        spec.volunteers.append(VolunteerSpec(approved, ended, trained))
    # Minutes either side of midnight in Finland (UTC is two hours behind in winter).
    spec.volunteers.append(VolunteerSpec(at(date(2025, 1, 1), 0, 30), None, None))
    spec.volunteers.append(VolunteerSpec(at(date(2024, 12, 31), 23, 30), None, None))
    spec.volunteers.append(
        VolunteerSpec(at(date(2024, 3, 1)), at(date(2024, 12, 31), 23, 59), None)
    )
    for _ in range(20 * size):
        born = rng.randrange(1940, 2025) if rng.random() < 0.75 else None
        spec.participants.append(ParticipantSpec(born, at(day_between(rng, lo, hi))))
    for _ in range(25 * size):
        volunteer = rng.choice(spec.volunteers)
        participant = rng.choice(spec.participants)
        roll = rng.random()
        if roll < 0.1:
            spec.matches.append(
                MatchSpec(volunteer, participant, MatchStatus.PROPOSED, None, None, "")
            )
            continue
        if roll < 0.15:  # declined: closed_at set, but never a match that ended
            closed = at(day_between(rng, lo, hi))
            spec.matches.append(
                MatchSpec(
                    volunteer,
                    participant,
                    MatchStatus.DECLINED,
                    None,
                    closed,
                    "declined_by_volunteer",
                )
            )
            continue
        activated = at(day_between(rng, lo, hi), rng.randrange(8, 20))
        if rng.random() < 0.45:
            closed = activated + timedelta(days=rng.randrange(0, 300), hours=rng.randrange(0, 23))
            spec.matches.append(
                MatchSpec(
                    volunteer,
                    participant,
                    MatchStatus.CLOSED,
                    activated,
                    closed,
                    rng.choice(REASONS),
                )
            )
        else:
            spec.matches.append(
                MatchSpec(volunteer, participant, MatchStatus.ACTIVE, activated, None, "")
            )
    started = [m for m in spec.matches if m.activated_at is not None]
    for _ in range(150 * size):
        match = rng.choice(started)
        spec.meetings.append(
            (
                match,
                day_between(rng, date(2024, 11, 1), date(2026, 2, 1)),
                rng.randrange(15, 240),
                rng.random() < 0.1,
            )
        )
    spec.meetings.append((started[0], date(2025, 1, 1), 60, False))
    spec.meetings.append((started[0], date(2024, 12, 31), 60, False))
    for _ in range(40 * size):
        volunteer = rng.choice(spec.volunteers)
        spec.hours.append(
            (
                volunteer,
                day_between(rng, date(2024, 11, 1), date(2026, 2, 1)),
                rng.randrange(30, 300),
                rng.random() < 0.1,
            )
        )
    statuses = list(SignupStatus)
    for _ in range(8):
        starts = at(day_between(rng, date(2024, 10, 1), date(2026, 2, 1)), 18)
        spec.events.append(
            (
                starts,
                rng.random() < 0.15,
                [rng.choice(statuses) for _ in range(rng.randrange(0, 6))],
            )
        )
    spec.events.append((at(date(2025, 1, 1), 0, 15), False, [SignupStatus.ATTENDED]))
    for _ in range(6):
        starts = at(day_between(rng, date(2024, 10, 1), date(2026, 2, 1)), 17)
        spec.supervision.append(
            (starts, rng.random() < 0.15, [rng.random() < 0.7 for _ in range(rng.randrange(0, 5))])
        )
    return spec  # fmt: skip


def seed(database: Database, org: Org, spec: Spec) -> None:
    """Write `spec` into `org`'s tables (rows directly: the lifecycles are tested elsewhere)."""
    coordinator = org.people[Role.COORDINATOR]
    with in_tenant(database, org) as db:
        for v in spec.volunteers:
            status = (
                VolunteerStatus.ENDED
                if v.ended_at
                else VolunteerStatus.APPROVED
                if v.approved_at
                else VolunteerStatus.APPLIED
            )
            db.add(
                Volunteer(
                    id=v.id,
                    programme_id=spec.programme_id,
                    name=f"Vapaaehtoinen {v.id.hex[:6]}",
                    status=status,
                    status_changed_at=v.ended_at or v.approved_at or at(date(2024, 6, 1)),
                    approved_at=v.approved_at,
                    training_completed_at=v.trained_at,
                )
            )
        for p in spec.participants:
            db.add(
                Participant(
                    id=p.id,
                    programme_id=spec.programme_id,
                    kind=ParticipantKind.CHILD,
                    name=f"Lapsi {p.id.hex[:6]}",
                    birth_year=p.birth_year,
                    intake_source=IntakeSource.GUARDIAN,
                    status=ParticipantStatus.MATCHED,
                    created_at=p.created_at,
                )
            )
        db.flush()
        for m in spec.matches:
            db.add(
                Match(
                    id=m.id,
                    programme_id=spec.programme_id,
                    volunteer_id=m.volunteer.id,
                    participant_id=m.participant.id,
                    status=m.status,
                    proposed_by=coordinator,
                    activated_at=m.activated_at,
                    closed_at=m.closed_at,
                    close_reason=m.reason,
                )
            )
        db.flush()
        for match, met_on, minutes, withdrawn in spec.meetings:
            db.add(
                MeetingLog(
                    match_id=match.id,
                    volunteer_id=match.volunteer.id,
                    met_on=met_on,
                    minutes=minutes,
                    kind=MeetingKind.MEETING,
                    logged_by=coordinator,
                    withdrawn_at=at(met_on) if withdrawn else None,
                )
            )
        for volunteer, worked_on, minutes, withdrawn in spec.hours:
            db.add(
                VolunteerHours(
                    volunteer_id=volunteer.id,
                    worked_on=worked_on,
                    minutes=minutes,
                    activity="Puhelinvuoro",
                    logged_by=coordinator,
                    withdrawn_at=at(worked_on) if withdrawn else None,
                )
            )
        people = [v.id for v in spec.volunteers]
        for starts, cancelled, statuses in spec.events:
            event = Event(
                programme_id=spec.programme_id,
                kind=EventKind.OUTING,
                title="Retki",
                starts_at=starts,
                capacity=10,
                created_by=coordinator,
                cancelled_at=starts if cancelled else None,
            )
            db.add(event)
            db.flush()
            for i, status in enumerate(statuses):
                db.add(
                    EventSignup(
                        event_id=event.id,
                        volunteer_id=people[i],
                        status=status,
                        signed_up_by=coordinator,
                    )
                )
        group = SupervisionGroup(programme_id=spec.programme_id, name="Työnohjaus")
        db.add(group)
        db.flush()
        for starts, cancelled, attended in spec.supervision:
            session = SupervisionSession(
                group_id=group.id, starts_at=starts, cancelled_at=starts if cancelled else None
            )
            db.add(session)
            db.flush()
            for i, flag in enumerate(attended):
                db.add(
                    SupervisionAttendance(
                        session_id=session.id,
                        volunteer_id=people[i],
                        attended=flag,
                        recorded_by=coordinator,
                    )
                )


def make_seeded_programme(
    database: Database, org: Org, rng: random.Random, *, size: int = 1, **programme: Any
) -> Spec:
    spec = make_spec(make_programme(database, org, **programme), rng, size)
    seed(database, org, spec)
    return spec


# --- the expectations, counted in Python -------------------------------------------


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    return at(since, 0), at(until + timedelta(days=1), 0)


def _within(value: datetime | None, lo: datetime, hi: datetime) -> bool:
    return value is not None and lo <= value < hi


def age_band(age: int) -> str:
    for key, low, high in (
        ("0-6", 0, 6),
        ("7-12", 7, 12),
        ("13-17", 13, 17),
        ("18-29", 18, 29),
        ("30-64", 30, 64),
    ):
        if low <= age <= high:
            return key
    return "65+"


def expected(spec: Spec, since: date, until: date) -> dict[str, Any]:
    """The figures the report must show for `spec`, by row key."""
    lo, hi = _bounds(since, until)
    vs = spec.volunteers
    out: dict[str, Any] = {
        "volunteers.active": sum(
            1
            for v in vs
            if v.approved_at and v.approved_at < hi and not (v.ended_at and v.ended_at < lo)
        ),
        "volunteers.new": sum(1 for v in vs if _within(v.approved_at, lo, hi)),
        "volunteers.ended": sum(1 for v in vs if _within(v.ended_at, lo, hi)),
        "volunteers.trained": sum(1 for v in vs if _within(v.trained_at, lo, hi)),
    }  # fmt: skip
    meetings = [m for m in spec.meetings if since <= m[1] <= until and not m[3]]
    others = [h for h in spec.hours if since <= h[1] <= until and not h[3]]
    out["meetings.count"] = len(meetings)
    meeting_minutes = sum(m[2] for m in meetings)
    other_minutes = sum(h[2] for h in others)
    out["hours.meeting_minutes"] = round(meeting_minutes / 60, 1)
    out["hours.other_minutes"] = round(other_minutes / 60, 1)
    out["hours.total_minutes"] = round((meeting_minutes + other_minutes) / 60, 1)

    def active(m: MatchSpec) -> bool:
        return (
            m.activated_at is not None
            and m.activated_at < hi
            and (m.closed_at is None or m.closed_at >= lo)
        )

    ended = [
        m for m in spec.matches if m.status == MatchStatus.CLOSED and _within(m.closed_at, lo, hi)
    ]
    out["matches.started"] = sum(1 for m in spec.matches if _within(m.activated_at, lo, hi))
    out["matches.active"] = sum(1 for m in spec.matches if active(m))
    out["matches.ended"] = len(ended)
    for m in ended:
        key = f"matches.ended_reason:{m.reason or 'unspecified'}"
        out[key] = out.get(key, 0) + 1
    lengths = [
        int((m.closed_at - m.activated_at).total_seconds() // 86400)  # type: ignore[operator]
        for m in ended
    ]
    out["matches.median_days"] = float(statistics.median(lengths)) if lengths else 0
    out["matches.average_days"] = round(statistics.mean(lengths), 1) if lengths else 0
    reached = {m.participant.id: m.participant for m in spec.matches if active(m)}
    out["participants.reached"] = len(reached)
    for p in reached.values():
        band = "not_recorded" if p.birth_year is None else age_band(until.year - p.birth_year)
        key = f"participants.age:{band}"
        out[key] = out.get(key, 0) + 1
    out["participants.new"] = sum(1 for p in spec.participants if _within(p.created_at, lo, hi))
    events = [e for e in spec.events if _within(e[0], lo, hi) and not e[1]]
    out["events.count"] = len(events)
    out["events.attendees"] = sum(s.count(SignupStatus.ATTENDED) for e in events for s in [e[2]])
    sessions = [s for s in spec.supervision if _within(s[0], lo, hi) and not s[1]]
    out["supervision.sessions"] = len(sessions)
    out["supervision.attendances"] = sum(sum(s[2]) for s in sessions)
    return out


def add_expected(*figures: dict[str, Any]) -> dict[str, Any]:
    """The sum of several programmes' counts (measures left out: they are not additive)."""
    out: dict[str, Any] = {}
    for f in figures:
        for key, value in f.items():
            if key.startswith(("matches.median", "matches.average", "hours.")):
                continue
            out[key] = out.get(key, 0) + value
    return out
