"""Tenants: the organisations on the platform.

A tenant is a partner organisation, a model owner (itself an organisation,
whose staff sign in like anyone else) or the platform operator's own
organisation. The `tenants` table is global: it is guarded by role, not by
the tenant filter.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, str_enum, utcnow


class TenantKind(enum.StrEnum):
    PARTNER = "partner"
    MODEL_OWNER = "model_owner"
    OPERATOR = "operator"


class TenantStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Tenant(HasId, HasTimestamps, Base):
    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(str_enum(TenantKind, "tenant_kind"))
    status: Mapped[TenantStatus] = mapped_column(str_enum(TenantStatus, "tenant_status"))
    business_id: Mapped[str | None] = mapped_column(String(9), unique=True)
    municipality: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def can_sign_in(self) -> bool:
        return self.status == TenantStatus.ACTIVE
