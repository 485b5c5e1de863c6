"""Sign-in throttling: slow an attacker down, never lock the right person out for good.

Each failure past a free allowance doubles the wait (capped at 15 minutes);
a quiet window resets the count; a successful sign-in clears the account's
counter. Keys are the same whether or not the account exists.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tukiverkko.platform.identity.models import LoginThrottle

WINDOW = timedelta(minutes=15)
MAX_WAIT = timedelta(minutes=15)
FREE_ATTEMPTS = {"acct": 5, "addr": 30}


def account_key(tenant_id: uuid.UUID, email: str) -> str:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"acct:{tenant_id}:{digest}"


def address_key(ip: str) -> str:
    return f"addr:{ip or 'unknown'}"


def retry_after(session: Session, keys: list[str], now: datetime) -> int:
    """Seconds to wait before the next attempt is even checked (0: go ahead)."""
    wait = 0.0
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = max(wait, (row.blocked_until - now).total_seconds())
    return math.ceil(wait)


def record_failure(session: Session, key: str, now: datetime) -> None:
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        session.add(row)
    elif now - row.window_started_at > WINDOW and (row.blocked_until or now) <= now:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    excess = row.failures - FREE_ATTEMPTS[key.split(":", 1)[0]]
    if excess >= 0:
        row.blocked_until = now + min(timedelta(seconds=2**excess), MAX_WAIT)


def record_success(session: Session, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)


def count_request(
    session: Session, key: str, now: datetime, *, limit: int, window: timedelta
) -> int:
    """Count one request against `key` in a fixed window: 0 if allowed, else seconds to wait.

    For anonymous forms (rate limits rather than failures): at most `limit`
    requests per `window`; a refused request is not counted. The same table
    as the sign-in counters, so it works alike on SQLite and PostgreSQL; the
    row is locked on PostgreSQL so that concurrent requests count one by one.
    """
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():  # a concurrent first request may insert it too
                session.add(LoginThrottle(key=key, failures=0, window_started_at=now))
        except IntegrityError:
            pass
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        assert row is not None
    if now - row.window_started_at >= window:
        row.failures, row.window_started_at, row.blocked_until = 0, now, None
    if row.failures >= limit:
        return max(1, math.ceil((row.window_started_at + window - now).total_seconds()))
    row.failures += 1
    if row.failures >= limit:
        row.blocked_until = row.window_started_at + window
    return 0
