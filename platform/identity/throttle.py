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
