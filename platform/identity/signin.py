"""Sign-in flows shared by the API and the web pages.

They take the `Database` explicitly and open their own units of work,
because the tenant must be in context before the transaction that reads
the tenant's rows begins (PostgreSQL row-level security is set per
transaction), and because a failed attempt must still be committed (the
throttle and the audit log remember it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity import throttle
from tukiverkko.platform.identity.models import User
from tukiverkko.platform.identity.passwords import verify_password
from tukiverkko.platform.identity.service import sign_in, start_session
from tukiverkko.tenants.models import Tenant


@dataclass(frozen=True)
class SignedIn:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    session_id: uuid.UUID
    refresh_token: str | None
    language: str


@dataclass(frozen=True)
class SignInRefused:
    retry_after: int = 0


def find_tenant_by_slug(database: Database, slug: str) -> Tenant | None:
    with database.unit_of_work() as db:
        return db.scalar(select(Tenant).where(Tenant.slug == slug))


def sign_in_with_password(
    database: Database,
    *,
    tenant_slug: str,
    email: str,
    password: str,
    ip: str,
    kind: str,
    lifetime: timedelta,
) -> SignedIn | SignInRefused:
    """Check the password and open a session, or say (generically) no."""
    tenant = find_tenant_by_slug(database, tenant_slug)
    if tenant is None:
        # Same work and the same answer as a wrong password in a real tenant.
        verify_password(None, password)
        with database.unit_of_work() as db:
            key = throttle.address_key(ip)
            wait = throttle.retry_after(db, [key], utcnow())
            if not wait:
                throttle.record_failure(db, key, utcnow())
        return SignInRefused(wait)
    with context.bind(tenant_id=tenant.id), database.unit_of_work() as db:
        result = sign_in(db, tenant=tenant, email=email, password=password, ip=ip)
        if result.user is None:
            return SignInRefused(result.retry_after)
        auth, refresh = start_session(db, result.user, kind=kind, lifetime=lifetime)
        return SignedIn(result.user.id, tenant.id, auth.id, refresh, result.user.language)


def start_session_for(
    database: Database, user: User, *, kind: str, lifetime: timedelta
) -> SignedIn:
    """Open a session for a user already proven (SSO, accepted invitation)."""
    with context.bind(tenant_id=user.tenant_id), database.unit_of_work() as db:
        fresh = db.get(User, user.id)
        assert fresh is not None
        auth, refresh = start_session(db, fresh, kind=kind, lifetime=lifetime)
        return SignedIn(fresh.id, fresh.tenant_id, auth.id, refresh, fresh.language)
