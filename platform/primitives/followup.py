"""Follow-up of matches: meeting logs, volunteer hours, replies, check-ins, cadence.

A volunteer logs the meetings of their own active match and their own hours.
Each programme states its expected cadence (`meetings_per_month_min`); the
coordinator's list of matches below it is one SQL query, oldest silence
first. The rule, with `today` and the window of `CADENCE_WINDOW_DAYS`:

- a match active for a whole window is below cadence when it had fewer
  than the programme's minimum meetings in the window;
- a younger match is below cadence when it has had no meeting at all more
  than `FIRST_MEETING_GRACE_DAYS` after it started (the first weeks are
  judged only on whether the pair has met);
- paused matches are paused on purpose and never listed; a programme with a
  minimum of 0 expects nothing.

"Silence" is the date of the last logged meeting, or the day the match
started if they have not met. The daily task `cadence_warnings` tells each
organisation's coordinators how many matches are below cadence.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Select, and_, case, func, or_, select, tuple_
from sqlalchemy.orm import Session, joinedload

from tukiverkko.platform import audit, context
from tukiverkko.platform.db import get_database, utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.notifications import Channel, kind, notify
from tukiverkko.platform.primitives.models import Match, MatchStatus, Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import (
    CheckIn,
    CheckInChannel,
    MeetingKind,
    MeetingLog,
    MeetingReply,
    VolunteerHours,
)
from tukiverkko.platform.primitives.volunteers import _require_not_ended

CADENCE_WINDOW_DAYS = 30
FIRST_MEETING_GRACE_DAYS = 14
# A meeting is logged for a day already past (or today), at most a year back:
# older history belongs to a report, not to follow-up.
MAX_LOG_AGE_DAYS = 366
MAX_MINUTES_PER_DAY = 24 * 60


def _check_day(day: date, today: date, field: str) -> None:
    if day > today or day < today - timedelta(days=MAX_LOG_AGE_DAYS):
        raise ValidationFailed(
            "The date must be today or in the past year.",
            code="invalid_log_date",
            errors={"json": {field: ["Today or in the past year."]}},
        )


def _check_minutes(minutes: int) -> None:
    if not 1 <= minutes <= MAX_MINUTES_PER_DAY:
        raise ValidationFailed(
            "Length in minutes, at most a day.",
            code="invalid_minutes",
            errors={"json": {"minutes": ["Between 1 and 1440."]}},
        )


# ---------------------------------------------------------------------------
# Meeting logs and hours: the volunteer's own


def log_meeting(
    db: Session,
    match: Match,
    *,
    met_on: date,
    minutes: int,
    kind: MeetingKind,
    note: str,
    logged_by: uuid.UUID,
    today: date | None = None,
) -> MeetingLog:
    """The volunteer logs a meeting of their active match (not of a proposed or closed one)."""
    if match.status != MatchStatus.ACTIVE:
        raise Conflict("Meetings are logged for an active match.", code="match_not_active")
    today = today or utcnow().date()
    _check_day(met_on, today, "met_on")
    if match.activated_at is not None and met_on < match.activated_at.date():
        raise ValidationFailed(
            "The match had not started on that day.",
            code="invalid_log_date",
            errors={"json": {"met_on": ["On or after the day the match started."]}},
        )
    _check_minutes(minutes)
    log = MeetingLog(
        match_id=match.id,
        volunteer_id=match.volunteer_id,
        met_on=met_on,
        minutes=minutes,
        kind=kind,
        note=note.strip(),
        logged_by=logged_by,
    )
    db.add(log)
    db.flush()
    return log


def withdraw_meeting(db: Session, log: MeetingLog, *, actor_id: uuid.UUID) -> MeetingLog:
    """Take back a mistaken log: it stops counting and stays in the history."""
    if log.withdrawn_at is not None:
        raise Conflict("The log was already withdrawn.", code="already_withdrawn")
    log.withdrawn_at = utcnow()
    audit.record(
        db, "meeting_withdrawn", actor_id=actor_id, target_type="meeting_log", target_id=log.id
    )
    return log


def reply_to_meeting(
    db: Session, log: MeetingLog, *, author_id: uuid.UUID, text: str
) -> MeetingReply:
    """A coordinator answers a meeting log (the volunteer reads the answer with the log)."""
    if not text.strip():
        raise ValidationFailed(
            "Write the answer.", code="validation_failed", errors={"json": {"text": ["Required."]}}
        )
    reply = MeetingReply(meeting_id=log.id, author_id=author_id, text=text.strip())
    db.add(reply)
    db.flush()
    return reply


def record_check_in(
    db: Session, match: Match, *, channel: CheckInChannel, note: str, recorded_by: uuid.UUID
) -> CheckIn:
    """A coordinator kept in touch with a match (also a closed one: a closing talk)."""
    if match.status in (MatchStatus.PROPOSED, MatchStatus.DECLINED):
        raise Conflict("The match has not started.", code="match_not_started")
    check_in = CheckIn(
        match_id=match.id, channel=channel, note=note.strip(), recorded_by=recorded_by
    )
    db.add(check_in)
    db.flush()
    return check_in


def log_hours(
    db: Session,
    volunteer: Volunteer,
    *,
    worked_on: date,
    minutes: int,
    activity: str,
    logged_by: uuid.UUID,
    today: date | None = None,
) -> VolunteerHours:
    """The volunteer logs hours they gave (a phone shift, leading a group, an event)."""
    _require_not_ended(volunteer)
    _check_day(worked_on, today or utcnow().date(), "worked_on")
    _check_minutes(minutes)
    if not activity.strip():
        raise ValidationFailed(
            "Say what the hours were for.",
            code="validation_failed",
            errors={"json": {"activity": ["Required."]}},
        )
    hours = VolunteerHours(
        volunteer_id=volunteer.id,
        worked_on=worked_on,
        minutes=minutes,
        activity=activity.strip(),
        logged_by=logged_by,
    )
    db.add(hours)
    db.flush()
    return hours


def withdraw_hours(db: Session, hours: VolunteerHours) -> VolunteerHours:
    if hours.withdrawn_at is not None:
        raise Conflict("The hours were already withdrawn.", code="already_withdrawn")
    hours.withdrawn_at = utcnow()
    return hours


# ---------------------------------------------------------------------------
# Cadence: which matches fall below the programme's expected meetings


@dataclass(frozen=True)
class CadenceWindow:
    """The bounds of one evaluation, as bind parameters (no date arithmetic in SQL)."""

    today: date
    window_start: date
    window_start_at: datetime
    grace_before: datetime

    @classmethod
    def on(cls, today: date) -> CadenceWindow:
        start = today - timedelta(days=CADENCE_WINDOW_DAYS)
        midnight = datetime.combine(today, time(), tzinfo=utcnow().tzinfo)
        return cls(
            today=today,
            window_start=start,
            window_start_at=midnight - timedelta(days=CADENCE_WINDOW_DAYS),
            grace_before=midnight - timedelta(days=FIRST_MEETING_GRACE_DAYS),
        )


def _meeting_stats(window: CadenceWindow) -> Any:
    """Per match: the last meeting and the meetings within the window (withdrawn ones ignored)."""
    return (
        select(
            MeetingLog.match_id.label("match_id"),
            func.max(MeetingLog.met_on).label("last_met_on"),
            func.sum(case((MeetingLog.met_on >= window.window_start, 1), else_=0)).label("recent"),
        )
        .where(MeetingLog.withdrawn_at.is_(None))
        .group_by(MeetingLog.match_id)
        # Aggregated once, then joined. Inlined, PostgreSQL under-estimates the
        # tenant's rows (the app's tenant filter and the row-level-security
        # policy look independent to it) and re-runs the aggregate per match:
        # 6x slower with 1,000,000 meetings (bench/list_scale.py).
        .cte("meeting_stats")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def below_cadence_query(window: CadenceWindow) -> tuple[Select[Any], Any, Any]:
    """(statement of (Match, last_met_on, recent, minimum) rows, silence key, stats subquery)."""
    stats = _meeting_stats(window)
    recent = func.coalesce(stats.c.recent, 0)
    # The day the pair last met, or the day the match started.
    silent_since = func.coalesce(stats.c.last_met_on, func.date(Match.activated_at), type_=Date)
    stmt = (
        select(
            Match,
            stats.c.last_met_on,
            recent.label("recent"),
            Programme.meetings_per_month_min,
        )
        .join(Programme, Programme.id == Match.programme_id)
        .outerjoin(stats, stats.c.match_id == Match.id)
        .where(
            Match.status == MatchStatus.ACTIVE,
            Programme.meetings_per_month_min > 0,
            or_(
                and_(
                    Match.activated_at <= window.window_start_at,
                    recent < Programme.meetings_per_month_min,
                ),
                and_(Match.activated_at <= window.grace_before, stats.c.last_met_on.is_(None)),
            ),
        )
    )
    return stmt, silent_since, stats


@dataclass(frozen=True)
class BelowCadence:
    match: Match
    last_met_on: date | None
    meetings_in_window: int
    expected_min: int
    silent_since: date
    days_silent: int


def _encode(day: date, ident: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{day.isoformat()}|{ident}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, ident = raw.split("|", 1)
        return date.fromisoformat(day), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The cursor is not valid.",
            code="invalid_cursor",
            errors={"query": {"cursor": ["Not a cursor from this list."]}},
        ) from exc


def below_cadence(
    db: Session,
    *,
    limit: int,
    cursor: str | None,
    programme_id: uuid.UUID | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """One page of matches below cadence, oldest silence first. One query per page.

    Keyset pagination on (silent_since, match id), ascending: the shared
    `pagination.paginate` pages newest first by a column, this list needs
    the opposite order on a computed key.
    """
    window = CadenceWindow.on(today or utcnow().date())
    stmt, silent_since, _stats = below_cadence_query(window)
    stmt = stmt.add_columns(silent_since.label("silent_since")).options(
        joinedload(Match.volunteer), joinedload(Match.participant)
    )
    if programme_id is not None:
        stmt = stmt.where(Match.programme_id == programme_id)
    if cursor:
        day, last = _decode(cursor)
        stmt = stmt.where(tuple_(silent_since, Match.id) > tuple_(day, last))
    rows = db.execute(stmt.order_by(silent_since, Match.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for match, last_met_on, recent, minimum, since in rows:
        since = since if isinstance(since, date) else date.fromisoformat(str(since))
        items.append(
            BelowCadence(
                match=match,
                last_met_on=last_met_on,
                meetings_in_window=int(recent or 0),
                expected_min=minimum,
                silent_since=since,
                days_silent=(window.today - since).days,
            )
        )
    next_cursor = _encode(items[-1].silent_since, items[-1].match.id) if more else None
    return {"items": items, "next_cursor": next_cursor}


# ---------------------------------------------------------------------------
# The daily warning to coordinators


@kind("cadence_warning", channels=(Channel.EMAIL, Channel.IN_APP))
def _render_cadence_warning(params: dict[str, Any]) -> tuple[str, str]:
    from flask_babel import gettext as _

    subject = _("%(count)s matches have met less often than expected", count=params["count"])
    body = _(
        "Hello,\n\n%(count)s active matches of %(org)s have met less often than their "
        "programme expects. The list, oldest silence first, is in Tukiverkko under "
        "follow-up.",
        count=params["count"],
        org=params.get("organisation", ""),
    )
    return subject, body


def cadence_counts(db: Session, today: date) -> dict[uuid.UUID, int]:
    """Matches below cadence per tenant (run inside `context.cross_tenant`)."""
    stmt, _silent, _stats = below_cadence_query(CadenceWindow.on(today))
    sub = stmt.with_only_columns(Match.tenant_id.label("tenant_id")).subquery()
    counted = select(sub.c.tenant_id, func.count()).group_by(sub.c.tenant_id)
    return {tenant_id: int(n) for tenant_id, n in db.execute(counted)}


def send_cadence_warnings(today: date | None = None) -> int:
    """Tell each organisation's coordinators how many matches are below cadence.

    Reads across tenants once (counts only), then emits in each tenant's own
    unit of work. The delivery key names the day, so a second run of the
    same day's scan sends nothing new. Returns how many notifications were
    emitted.
    """
    from tukiverkko.platform.outbox import OutboxMessage
    from tukiverkko.tenants.models import Tenant, TenantStatus

    today = today or utcnow().date()
    database = get_database()
    with context.cross_tenant("daily scan: cadence warnings"), database.unit_of_work() as db:
        counts = cadence_counts(db, today)
    emitted = 0
    for tenant_id, count in sorted(counts.items()):
        with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
            tenant = db.get(Tenant, tenant_id)
            if tenant is None or tenant.status != TenantStatus.ACTIVE:
                continue  # a suspended or closed organisation is not nagged
            coordinators = db.scalars(
                select(User.id).where(
                    User.role == Role.COORDINATOR, User.status == UserStatus.ACTIVE
                )
            ).all()
            keys = {u: f"cadence_warning:{today.isoformat()}:{u}" for u in coordinators}
            done = set(
                db.scalars(
                    select(OutboxMessage.delivery_key).where(
                        OutboxMessage.delivery_key.in_(list(keys.values()))
                    )
                )
            )
            for user_id, key in keys.items():
                if key in done:
                    continue
                notify(
                    db,
                    "cadence_warning",
                    user_id=user_id,
                    params={"count": count, "organisation": tenant.name},
                    delivery_key=key,
                )
                emitted += 1
    return emitted


def _register_daily_task() -> None:
    # The daily scan lives with the workers; registering here keeps the rule
    # and its schedule together. Imported lazily so the web app does not
    # need the worker's modules to import this one.
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task("cadence_warnings")(send_cadence_warnings)


_register_daily_task()
