"""The primitives' figures in a model owner's overview: counts only, per partner licence.

Each function is registered with `licensing.register_partner_count` and gets
(session, licence) inside `context.cross_tenant`. With the tenant filter off,
every query names the partner's tenant explicitly, and only the partner's
programmes of the licensed model's module are counted. What leaves here is
one integer: never a row, a name or an id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform.primitives.models import (
    Match,
    MatchStatus,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import MeetingLog
from tukiverkko.tenants.licensing import FINLAND, register_partner_count, today
from tukiverkko.tenants.licensing_models import Licence, ProgrammeModel

# Volunteers who are available to, or serving, the programme (not paused, not ended).
ACTIVE_VOLUNTEER_STATUSES = (VolunteerStatus.APPROVED, VolunteerStatus.ACTIVE)
MEETING_WINDOW_DAYS = 90


def _programme_ids(session: Session, licence: Licence) -> Any:
    """The partner's programmes of the licensed model's module (a subquery)."""
    module_key = session.scalar(
        select(ProgrammeModel.module_key).where(ProgrammeModel.id == licence.model_id)
    )
    return select(Programme.id).where(
        Programme.tenant_id == licence.partner_tenant_id,
        Programme.module_key == module_key,
    )


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


@register_partner_count("active_volunteers")
def active_volunteers(session: Session, licence: Licence) -> int:
    return _count(
        session,
        select(func.count(Volunteer.id)).where(
            Volunteer.tenant_id == licence.partner_tenant_id,
            Volunteer.programme_id.in_(_programme_ids(session, licence)),
            Volunteer.status.in_(ACTIVE_VOLUNTEER_STATUSES),
        ),
    )


@register_partner_count("active_matches")
def active_matches(session: Session, licence: Licence) -> int:
    return _count(
        session,
        select(func.count(Match.id)).where(
            Match.tenant_id == licence.partner_tenant_id,
            Match.programme_id.in_(_programme_ids(session, licence)),
            Match.status == MatchStatus.ACTIVE,
        ),
    )


@register_partner_count("meetings_last_90_days")
def meetings_last_90_days(session: Session, licence: Licence) -> int:
    """Meetings (not withdrawn) met on today or one of the 89 days before, Finnish time."""
    until = today()
    since = until - timedelta(days=MEETING_WINDOW_DAYS - 1)
    return _count(
        session,
        select(func.count(MeetingLog.id))
        .join(Match, Match.id == MeetingLog.match_id)
        .where(
            MeetingLog.tenant_id == licence.partner_tenant_id,
            Match.tenant_id == licence.partner_tenant_id,
            Match.programme_id.in_(_programme_ids(session, licence)),
            MeetingLog.withdrawn_at.is_(None),
            MeetingLog.met_on >= since,
            MeetingLog.met_on <= until,
        ),
    )


def _year_start(year: int) -> datetime:
    """Midnight of 1 January in Finland, as UTC (the column is UTC)."""
    return datetime.combine(date(year, 1, 1), datetime.min.time(), FINLAND).astimezone(UTC)


@register_partner_count("trained_volunteers_this_year")
def trained_volunteers_this_year(session: Session, licence: Licence) -> int:
    """Volunteers who completed the programme's training in this calendar year (Finland)."""
    year = today().year
    return _count(
        session,
        select(func.count(Volunteer.id)).where(
            Volunteer.tenant_id == licence.partner_tenant_id,
            Volunteer.programme_id.in_(_programme_ids(session, licence)),
            Volunteer.training_completed_at >= _year_start(year),
            Volunteer.training_completed_at < _year_start(year + 1),
        ),
    )
