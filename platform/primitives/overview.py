"""The primitives' figures in a model owner's overview: counts only, per partner licence.

Each function is registered with `licensing.register_partner_count` and gets
(session, licences) inside `context.cross_tenant`: one grouped query for a
whole page of licences. With the tenant filter off, every join names the
partner's tenant explicitly, and only the partner's programmes of the
licensed model's module are counted. What leaves here is a count per
licence: never a row, a name or a person's id. The owner sees them through
`licensing.partner_overview`, which hides counts under 5.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
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


def _licence_programmes(licence_ids: list[uuid.UUID]) -> Any:
    """(licence_id, programme_id, tenant_id) of each licence's partner programmes of its module."""
    return (
        select(
            Licence.id.label("licence_id"),
            Programme.id.label("programme_id"),
            Programme.tenant_id.label("tenant_id"),
        )
        .join(ProgrammeModel, ProgrammeModel.id == Licence.model_id)
        .join(
            Programme,
            and_(
                Programme.tenant_id == Licence.partner_tenant_id,
                Programme.module_key == ProgrammeModel.module_key,
            ),
        )
        .where(Licence.id.in_(licence_ids))
        .subquery("licence_programmes")
    )


def _of_programme(model: Any, lp: Any) -> Any:
    """Join condition: rows of `model` in one of the licence programmes, tenant first."""
    return and_(model.tenant_id == lp.c.tenant_id, model.programme_id == lp.c.programme_id)


def _per_licence(session: Session, stmt: Any) -> dict[uuid.UUID, int]:
    return {licence_id: int(count) for licence_id, count in session.execute(stmt)}


@register_partner_count("active_volunteers")
def active_volunteers(session: Session, licences: list[Licence]) -> dict[uuid.UUID, int]:
    lp = _licence_programmes([licence.id for licence in licences])
    return _per_licence(
        session,
        select(lp.c.licence_id, func.count(Volunteer.id))
        .join(
            Volunteer,
            _of_programme(Volunteer, lp),
        )
        .where(Volunteer.status.in_(ACTIVE_VOLUNTEER_STATUSES))
        .group_by(lp.c.licence_id),
    )


@register_partner_count("active_matches")
def active_matches(session: Session, licences: list[Licence]) -> dict[uuid.UUID, int]:
    lp = _licence_programmes([licence.id for licence in licences])
    return _per_licence(
        session,
        select(lp.c.licence_id, func.count(Match.id))
        .join(Match, _of_programme(Match, lp))
        .where(Match.status == MatchStatus.ACTIVE)
        .group_by(lp.c.licence_id),
    )


@register_partner_count("meetings_last_90_days")
def meetings_last_90_days(session: Session, licences: list[Licence]) -> dict[uuid.UUID, int]:
    """Meetings (not withdrawn) met on today or one of the 89 days before, Finnish time."""
    until = today()
    since = until - timedelta(days=MEETING_WINDOW_DAYS - 1)
    lp = _licence_programmes([licence.id for licence in licences])
    return _per_licence(
        session,
        select(lp.c.licence_id, func.count(MeetingLog.id))
        .join(Match, _of_programme(Match, lp))
        .join(
            MeetingLog,
            and_(MeetingLog.tenant_id == Match.tenant_id, MeetingLog.match_id == Match.id),
        )
        .where(
            MeetingLog.withdrawn_at.is_(None),
            MeetingLog.met_on >= since,
            MeetingLog.met_on <= until,
        )
        .group_by(lp.c.licence_id),
    )


def _year_start(year: int) -> datetime:
    """Midnight of 1 January in Finland, as UTC (the column is UTC)."""
    return datetime.combine(date(year, 1, 1), datetime.min.time(), FINLAND).astimezone(UTC)


@register_partner_count("trained_volunteers_this_year")
def trained_volunteers_this_year(session: Session, licences: list[Licence]) -> dict[uuid.UUID, int]:
    """Volunteers who completed the programme's training in this calendar year (Finland)."""
    year = today().year
    lp = _licence_programmes([licence.id for licence in licences])
    return _per_licence(
        session,
        select(lp.c.licence_id, func.count(Volunteer.id))
        .join(
            Volunteer,
            _of_programme(Volunteer, lp),
        )
        .where(
            Volunteer.training_completed_at >= _year_start(year),
            Volunteer.training_completed_at < _year_start(year + 1),
        )
        .group_by(lp.c.licence_id),
    )
