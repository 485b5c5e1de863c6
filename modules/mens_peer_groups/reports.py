"""Toiminnan Miehet's sections of the funder report: the MIESluuri phone line.

Shifts held (per programme) and calls by topic. The call log belongs to the
organisation, not to a programme (a caller is anonymous and so is the line's
programme in his call), so an organisation's calls are reported under its
first Toiminnan Miehet programme of the report. Two queries whatever the
number of programmes or partners: both grouped, both naming the programmes
or tenants explicitly (the model owner's report runs across tenants).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.modules.mens_peer_groups.models import Call, PhoneShift, Topic
from tukiverkko.platform.plugins import ReportRow, ReportSection
from tukiverkko.tenants.licensing import FINLAND

TOPIC_LABELS = {
    Topic.RELATIONSHIP: _l("Relationship"),
    Topic.DIVORCE: _l("Divorce or separation"),
    Topic.PARENTHOOD: _l("Parenthood"),
    Topic.LONELINESS: _l("Loneliness"),
    Topic.MENTAL_HEALTH: _l("Mental health"),
    Topic.SUBSTANCES: _l("Alcohol and drugs"),
    Topic.VIOLENCE: _l("Violence"),
    Topic.WORK_MONEY: _l("Work and money"),
    Topic.OTHER: _l("Other topic"),
}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), FINLAND).astimezone(UTC)


def report_sections(
    session: Session, programmes: list[tuple[uuid.UUID, uuid.UUID]], since: date, until: date
) -> dict[uuid.UUID, list[ReportSection]]:
    """The phone line's section of each programme: shifts held, calls in all and by topic."""
    programme_ids = [pid for pid, _ in programmes]
    # The organisation's calls go to its first programme of the module in the report.
    first_of_tenant: dict[uuid.UUID, uuid.UUID] = {}
    for pid, tenant_id in programmes:
        first_of_tenant.setdefault(tenant_id, pid)

    starts, ends = _midnight(since), _midnight(until + timedelta(days=1))
    # A shift is held once it has started; future shifts of the period are not yet.
    held_until = min(ends, datetime.now(UTC))
    shifts = dict(
        session.execute(
            select(PhoneShift.programme_id, func.count(PhoneShift.id))
            .where(
                PhoneShift.programme_id.in_(programme_ids),
                PhoneShift.starts_at >= starts,
                PhoneShift.starts_at < held_until,
            )
            .group_by(PhoneShift.programme_id)
        ).all()
    )
    calls: dict[uuid.UUID, dict[Topic, int]] = {}
    for tenant_id, topic, count in session.execute(
        select(Call.tenant_id, Call.topic, func.count(Call.id))
        .where(
            Call.tenant_id.in_(list(first_of_tenant)),
            Call.shift_date >= since,
            Call.shift_date <= until,
        )
        .group_by(Call.tenant_id, Call.topic)
    ).all():
        calls.setdefault(first_of_tenant[tenant_id], {})[Topic(topic)] = int(count)

    out: dict[uuid.UUID, list[ReportSection]] = {}
    for pid in programme_ids:
        by_topic = calls.get(pid, {})
        rows = [
            ReportRow("phone_line.shifts_held", _l("Phone-line shifts held"), shifts.get(pid, 0)),
            ReportRow("phone_line.calls", _l("Calls answered"), sum(by_topic.values())),
            *(
                ReportRow(
                    f"phone_line.calls:{topic.value}",
                    TOPIC_LABELS[topic],
                    by_topic.get(topic, 0),
                    "phone_line.calls",
                )
                for topic in Topic
            ),
        ]
        out[pid] = [ReportSection("phone_line", _l("MIESluuri phone line"), tuple(rows))]
    return out
