"""Accounts: creating people, checking passwords, sessions and single-use links.

Plain functions over an explicit SQLAlchemy session; no Flask globals, so
every rule is testable without a request.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, select, update
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.identity import throttle
from tukiverkko.platform.identity.models import (
    AuthSession,
    OneTimeToken,
    Role,
    TokenPurpose,
    User,
    UserStatus,
)
from tukiverkko.platform.identity.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from tukiverkko.platform.identity.tokens import hash_secret, new_secret
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus

TOKEN_LIFETIMES = {
    TokenPurpose.INVITATION: timedelta(days=7),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    TokenPurpose.EMAIL_VERIFICATION: timedelta(days=2),
}
WEB_SESSION_LIFETIME = timedelta(hours=12)

# Which roles may exist in which kind of organisation.
ROLES_BY_TENANT_KIND = {
    TenantKind.OPERATOR: {Role.OPERATOR},
    TenantKind.MODEL_OWNER: {Role.OWNER_STAFF, Role.TENANT_ADMIN},
    TenantKind.PARTNER: {Role.TENANT_ADMIN, Role.COORDINATOR, Role.VOLUNTEER},
}


@dataclass(frozen=True)
class Principal:
    """The signed-in person, as every permission check sees them."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_slug: str
    tenant_kind: TenantKind
    role: Role
    name: str
    email: str
    language: str
    session_id: uuid.UUID
    # When the session ends by itself (as read by the session check; None from token claims).
    session_expires_at: datetime | None = None


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    retry_after: int = 0


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_password(password: str, email: str = "") -> None:
    """Raise `ValidationFailed` with a field error for a weak password."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            "The password is too short.",
            code="password_too_short",
            errors={"json": {"password": [f"At least {MIN_LENGTH} characters."]}},
        )
    if email and password.strip().lower() == normalise_email(email):
        raise ValidationFailed(
            "The password must not be the email address.",
            code="password_too_weak",
            errors={"json": {"password": ["Must not be the email address."]}},
        )


def create_user(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    language: str = "fi",
) -> User:
    """Create an account in one organisation. With a password it is active at once."""
    email = normalise_email(email)
    tenant = session.get(Tenant, tenant_id)
    if tenant is None or role not in ROLES_BY_TENANT_KIND[tenant.kind]:
        raise ValidationFailed(
            "This role does not exist in this organisation.",
            code="role_not_allowed",
            errors={"json": {"role": ["Not available in this organisation."]}},
        )
    if session.scalar(select(User.id).where(User.tenant_id == tenant_id, User.email == email)):
        raise Conflict("An account with this email already exists.", code="email_taken")
    user = User(
        tenant_id=tenant_id,
        email=email,
        name=name,
        role=role,
        language=language,
        status=UserStatus.ACTIVE if password else UserStatus.INVITED,
    )
    if password:
        validate_password(password, email)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    return user


def find_user_by_email(session: Session, tenant_id: uuid.UUID, email: str) -> User | None:
    return session.scalar(
        select(User).where(User.tenant_id == tenant_id, User.email == normalise_email(email))
    )


def sign_in(
    session: Session,
    *,
    tenant: Tenant,
    email: str,
    password: str,
    ip: str,
    now: datetime | None = None,
) -> SignInResult:
    """Check a password sign-in, throttled by account and by address.

    Failures are recorded in the caller's transaction, which must commit even
    though the sign-in failed. The result never says whether the account exists.
    """
    now = now or utcnow()
    email = normalise_email(email)
    keys = [throttle.account_key(tenant.id, email), throttle.address_key(ip)]
    wait = throttle.retry_after(session, keys, now)
    if wait:
        audit.record(session, "sign_in_throttled", tenant_id=tenant.id, email=email)
        return SignInResult(None, wait)
    user = find_user_by_email(session, tenant.id, email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if (
        user is None
        or not password_ok
        or user.status != UserStatus.ACTIVE
        or tenant.status != TenantStatus.ACTIVE
    ):
        for key in keys:
            throttle.record_failure(session, key, now)
        audit.record(
            session,
            "sign_in_failed",
            tenant_id=tenant.id,
            actor_id=user.id if user else None,
            email=email,
        )
        return SignInResult(None)
    throttle.record_success(session, keys[0])
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, "sign_in", tenant_id=tenant.id, actor_id=user.id, method="password")
    return SignInResult(user)


def start_session(
    session: Session, user: User, *, kind: str, lifetime: timedelta, now: datetime | None = None
) -> tuple[AuthSession, str | None]:
    """Open a signed-in session; API sessions also get a refresh token."""
    now = now or utcnow()
    refresh = f"{user.tenant_id}.{new_secret()}" if kind == "api" else None
    auth = AuthSession(
        tenant_id=user.tenant_id,
        user_id=user.id,
        kind=kind,
        refresh_token_hash=hash_secret(refresh) if refresh else None,
        expires_at=now + lifetime,
        last_seen_at=now,
    )
    session.add(auth)
    session.flush()
    return auth, refresh


@functools.cache
def _principal_statement() -> Select[Any]:
    # Built once: constructing the statement cost more than running it.
    return (
        select(
            User.id, Tenant.id, Tenant.slug, Tenant.kind, User.role, User.name, User.email,
            User.language, AuthSession.expires_at,
        )
        .select_from(AuthSession)
        .join(User, User.id == AuthSession.user_id)
        .join(Tenant, Tenant.id == AuthSession.tenant_id)
        .where(
            AuthSession.id == bindparam("session_id"),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > bindparam("now"),
            User.status == UserStatus.ACTIVE,
            Tenant.status == TenantStatus.ACTIVE,
        )
    )  # fmt: skip


def fetch_principal(
    db: Session | Connection, session_id: uuid.UUID, now: datetime | None = None
) -> Principal | None:
    """The principal of a live session, or None when it, its user or its tenant is not.

    One query, on a session or a bare connection (the request's session check
    runs inside the transaction's first moments, on its connection). Columns,
    not entities: this runs on every signed-in request, and loading three ORM
    objects cost several times the query itself.
    """
    params = {"session_id": session_id, "now": now or utcnow()}
    row = db.execute(_principal_statement(), params).first()
    if row is None:
        return None
    user_id, tenant_id, slug, kind, role, name, email, language, expires_at = row
    return Principal(
        user_id=user_id,
        tenant_id=tenant_id,
        tenant_slug=slug,
        tenant_kind=TenantKind(kind),
        role=Role(role),
        name=name,
        email=email,
        language=language,
        session_id=session_id,
        session_expires_at=expires_at,
    )


def load_principal(
    session: Session, session_id: uuid.UUID, now: datetime | None = None
) -> Principal | None:
    """The principal of a live session (see `fetch_principal`).

    Checked on every authenticated request, so revoking a session, disabling
    a user or suspending a tenant takes effect on the next request.
    """
    return fetch_principal(session, session_id, now)


def same_standing(current: Principal, claimed: Principal) -> bool:
    """Whether `claimed` has the rights `current` has: same user, session, tenant and role."""
    return (current.user_id, current.session_id, current.tenant_id, current.tenant_kind,
            current.tenant_slug, current.role) == (
        claimed.user_id, claimed.session_id, claimed.tenant_id, claimed.tenant_kind,
        claimed.tenant_slug, claimed.role,
    )  # fmt: skip


def take_current_profile(principal: Principal, current: Principal) -> None:
    """Give `principal` the current name, email and language, in place.

    In place, because the request's code already holds the object: what it
    reads from then on is current. Only these three fields change, and only
    here (the dataclass stays frozen for everyone else).
    """
    for field in ("name", "email", "language"):
        object.__setattr__(principal, field, getattr(current, field))


def identity_claims(principal: Principal) -> dict[str, str]:
    """What an access token says of its holder (`tokens.IDENTITY_CLAIMS`)."""
    return {
        "role": principal.role.value,
        "tkind": principal.tenant_kind.value,
        "tslug": principal.tenant_slug,
        "lang": principal.language,
    }


def principal_from_claims(
    user_id: uuid.UUID, tenant_id: uuid.UUID, session_id: uuid.UUID, identity: dict[str, str]
) -> Principal | None:
    """The principal an access token describes, or None if its claims are not ours.

    Name and email are not in tokens (a bearer token travels in every request
    and may end up in a proxy's log): they stay empty until the request's
    first transaction has checked the session and filled them in
    (`take_current_profile`). No code reads them before that.
    """
    try:
        return Principal(
            user_id=user_id,
            tenant_id=tenant_id,
            tenant_slug=identity["tslug"],
            tenant_kind=TenantKind(identity["tkind"]),
            role=Role(identity["role"]),
            name="",
            email="",
            language=identity["lang"],
            session_id=session_id,
        )
    except (KeyError, ValueError):
        return None


def rotate_refresh_token(
    session: Session, refresh_token: str, now: datetime | None = None
) -> tuple[AuthSession, str] | None:
    """Exchange a refresh token for a new one (the old one stops working).

    Presenting an already-used token revokes the whole session: someone has
    a copy of it.
    """
    now = now or utcnow()
    digest = hash_secret(refresh_token)
    auth = session.scalar(select(AuthSession).where(AuthSession.refresh_token_hash == digest))
    if auth is None or auth.revoked_at is not None or auth.expires_at <= now:
        return None
    new_token = f"{auth.tenant_id}.{new_secret()}"
    auth.refresh_token_hash = hash_secret(new_token)
    auth.refresh_generation += 1
    auth.last_seen_at = now
    return auth, new_token


def revoke_session(session: Session, session_id: uuid.UUID, now: datetime | None = None) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )


def revoke_user_sessions(
    session: Session,
    user_id: uuid.UUID,
    *,
    keep: uuid.UUID | None = None,
    now: datetime | None = None,
) -> None:
    """Sign a person out everywhere (but `keep`)."""
    stmt = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    session.execute(stmt.values(revoked_at=now or utcnow()))


def issue_link_token(
    session: Session, user: User, purpose: TokenPurpose, now: datetime | None = None
) -> str:
    """A single-use, expiring token for an emailed link. Earlier ones of its kind die."""
    now = now or utcnow()
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    raw = new_secret()
    session.add(
        OneTimeToken(
            tenant_id=user.tenant_id,
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_secret(raw),
            expires_at=now + TOKEN_LIFETIMES[purpose],
        )
    )
    session.flush()
    return raw


def consume_link_token(
    session: Session, raw: str, purpose: TokenPurpose, now: datetime | None = None
) -> User | None:
    """Use a link token once. None when unknown, used, expired or of another kind."""
    now = now or utcnow()
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == hash_secret(raw), OneTimeToken.purpose == purpose
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    token.used_at = now
    return session.get(User, token.user_id)


def set_password(session: Session, user: User, password: str, now: datetime | None = None) -> None:
    """Set a new password and sign the person out of every session."""
    validate_password(password, user.email)
    now = now or utcnow()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    revoke_user_sessions(session, user.id, now=now)
    audit.record(
        session, "password_changed", actor_id=user.id, target_type="user", target_id=user.id
    )
