"""Rate limits of the anonymous forms (volunteer and participant applications).

At most `LIMIT` submissions per `WINDOW` from one client address to one
organisation's form, counted with the sign-in throttle's table
(`identity.throttle.count_request`), which works alike on SQLite and
PostgreSQL. The count is committed in a transaction of its own, before the
application is looked at: a refused submission (429 `too_many_requests`
with `Retry-After`) writes nothing else.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.errors import TooManyRequests
from tukiverkko.platform.identity import throttle

LIMIT = 10
WINDOW = timedelta(hours=1)


def key(form: str, tenant_id: uuid.UUID, ip: str) -> str:
    return f"form:{form}:{tenant_id}:{throttle.address_key(ip)}"


def limit_public_form(database: Database, *, form: str, tenant_id: uuid.UUID, ip: str) -> None:
    """Count one submission; raise `TooManyRequests` once the address is over the limit."""
    with database.unit_of_work() as db:  # the counters are global: no tenant needed
        wait = throttle.count_request(
            db, key(form, tenant_id, ip), utcnow(), limit=LIMIT, window=WINDOW
        )
    if wait:
        raise TooManyRequests(
            "Too many applications from this address. Please try again later.",
            headers={"Retry-After": str(wait)},
        )


def check_request(form: str, tenant_id: uuid.UUID) -> None:
    """For a public view: count this request, by its client address, against the limit."""
    from flask import request

    from tukiverkko.platform.db import get_database

    limit_public_form(get_database(), form=form, tenant_id=tenant_id, ip=request.remote_addr or "")
