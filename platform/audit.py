"""The audit trail: who did what, when and from where.

Append-only for the application (on PostgreSQL its role may not UPDATE or
DELETE the table); tenant admins read their own tenant's events.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from tukiverkko.platform import context, metrics
from tukiverkko.platform.db import Base, HasId, TenantOwned, utcnow


class AuditEvent(HasId, TenantOwned, Base):
    __tablename__ = "audit_events"

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: Session,
    action: str,
    *,
    actor_id: uuid.UUID | None = None,
    target_type: str = "",
    target_id: object = "",
    tenant_id: uuid.UUID | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event in the caller's transaction."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=str(target_id or ""),
        ip=(request.remote_addr or "") if has_request_context() else "",
        request_id=context.current().request_id or "",
        details=details,
    )
    if tenant_id is not None:
        event.tenant_id = tenant_id
    session.add(event)
    # Counted as it is recorded: the metric shows attacks and misconfigured SSO as they happen.
    metrics.count_audit_action(action)
    return event
