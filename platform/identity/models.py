"""Accounts, sign-in sessions, single-use tokens and per-tenant SSO settings."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum, utcnow


class Role(enum.StrEnum):
    OPERATOR = "operator"
    OWNER_STAFF = "owner_staff"
    TENANT_ADMIN = "tenant_admin"
    COORDINATOR = "coordinator"
    VOLUNTEER = "volunteer"


class UserStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DISABLED = "disabled"


class User(HasId, HasTimestamps, TenantOwned, Base):
    """A person's account in exactly one organisation (same email elsewhere = another account)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
        UniqueConstraint("tenant_id", "sso_issuer", "sso_subject", name="uq_users_tenant_sso"),
    )

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    status: Mapped[UserStatus] = mapped_column(str_enum(UserStatus, "user_status"))
    language: Mapped[str] = mapped_column(String(2), default="fi")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    sso_issuer: Mapped[str | None] = mapped_column(String(255))
    sso_subject: Mapped[str | None] = mapped_column(String(255))


class AuthSession(HasId, HasTimestamps, TenantOwned, Base):
    """One signed-in session (a browser, or an API client's refresh family).

    Every authenticated request checks that its session, user and tenant are
    still in good standing, so revocation takes effect on the next request.
    """

    __tablename__ = "auth_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "web" or "api"
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    refresh_generation: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"


class OneTimeToken(HasId, HasTimestamps, TenantOwned, Base):
    """A single-use, expiring link token. Only its hash is stored."""

    __tablename__ = "one_time_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-in counters by account key and by client address.

    Global on purpose: the key of an unknown email must behave exactly like
    that of a known one, so nothing here depends on the account existing.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]


class SsoProvider(HasId, HasTimestamps, TenantOwned, Base):
    """A tenant's own OpenID Connect provider."""

    __tablename__ = "sso_providers"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_sso_providers_tenant"),)

    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    # Sealed (platform/encryption.py): open it with the app's keyring where it is used.
    client_secret_sealed: Mapped[str] = mapped_column("client_secret", Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    # When false (the default), only people already invited in this tenant can sign in.
    allow_unknown_users: Mapped[bool] = mapped_column(default=False)
