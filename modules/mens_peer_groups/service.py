"""Rules of Toiminnan Miehet's call log, as plain functions over a session."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.modules.mens_peer_groups.models import Call, Topic
from tukiverkko.platform.errors import ValidationFailed
from tukiverkko.tenants.licensing import today

KEY = "mens_peer_groups"
MAX_CALL_MINUTES = 600


def log_call(
    db: Session, *, duration_minutes: int, topic: Topic, referred_onward: bool, shift_date: date
) -> Call:
    """Log one call. No audit event: it would name who logged it, next to the call."""
    if shift_date > today():
        raise ValidationFailed(
            "A call is logged on or after its shift.",
            code="shift_in_future",
            errors={"json": {"shift_date": ["Not in the future."]}},
        )
    call = Call(
        duration_minutes=duration_minutes,
        topic=topic,
        referred_onward=referred_onward,
        shift_date=shift_date,
    )
    db.add(call)
    db.flush()
    return call


def summary(db: Session, *, since: date, until: date) -> list[dict[str, object]]:
    """Calls per topic in a period: counts, minutes, referrals; never single calls."""
    rows = db.execute(
        select(
            Call.topic,
            func.count(Call.id),
            func.coalesce(func.sum(Call.duration_minutes), 0),
            func.count(Call.id).filter(Call.referred_onward.is_(True)),
        )
        .where(Call.shift_date >= since, Call.shift_date <= until)
        .group_by(Call.topic)
        .order_by(Call.topic)
    ).all()
    return [
        {"topic": topic, "calls": calls, "minutes": int(minutes), "referred_onward": referred}
        for topic, calls, minutes, referred in rows
    ]
