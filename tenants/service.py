"""Organisations: created and moved through their lifecycle by platform operators."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.identity.models import AuthSession
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus
from tukiverkko.tenants.ytunnus import normalise_business_id

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = frozenset({"admin", "api", "static", "t", "www", "login", "signup"})

# Which status may follow which.
TRANSITIONS: dict[TenantStatus, frozenset[TenantStatus]] = {
    TenantStatus.PENDING: frozenset({TenantStatus.ACTIVE, TenantStatus.CLOSED}),
    TenantStatus.ACTIVE: frozenset({TenantStatus.SUSPENDED, TenantStatus.CLOSED}),
    TenantStatus.SUSPENDED: frozenset({TenantStatus.ACTIVE, TenantStatus.CLOSED}),
    TenantStatus.CLOSED: frozenset(),
}

EDITABLE_FIELDS = ("name", "municipality", "contact_name", "contact_email", "contact_phone")


def _field_error(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, errors={"json": {field: [message]}})


def create_tenant(
    session: Session,
    *,
    actor_id: uuid.UUID,
    actor_tenant_id: uuid.UUID,
    slug: str,
    name: str,
    kind: TenantKind,
    business_id: str | None,
    **fields: Any,
) -> Tenant:
    """Register an organisation; it starts as pending until an operator activates it."""
    slug = slug.strip().lower()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise _field_error("slug", "Use lowercase letters, digits and hyphens.", "invalid_slug")
    canonical = None
    if business_id:
        canonical = normalise_business_id(business_id)
        if canonical is None:
            raise _field_error(
                "business_id", "Not a valid Finnish business ID.", "invalid_business_id"
            )
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict("This address is already taken.", code="slug_taken")
    if canonical and session.scalar(select(Tenant.id).where(Tenant.business_id == canonical)):
        raise Conflict("This business ID is already registered.", code="business_id_taken")
    tenant = Tenant(
        slug=slug,
        name=name.strip(),
        kind=kind,
        status=TenantStatus.PENDING,
        business_id=canonical,
        **{k: v for k, v in fields.items() if k in EDITABLE_FIELDS},
    )
    session.add(tenant)
    session.flush()
    audit.record(
        session,
        "tenant_created",
        tenant_id=actor_tenant_id,
        actor_id=actor_id,
        target_type="tenant",
        target_id=tenant.id,
        slug=slug,
    )
    return tenant


def update_tenant(session: Session, tenant: Tenant, changes: dict[str, Any]) -> Tenant:
    for key, value in changes.items():
        if key in EDITABLE_FIELDS:
            setattr(tenant, key, value)
    return tenant


def change_tenant_status(
    session: Session,
    tenant: Tenant,
    new_status: TenantStatus,
    *,
    actor_id: uuid.UUID,
    actor_tenant_id: uuid.UUID,
    reason: str,
) -> Tenant:
    """Move an organisation along its lifecycle; suspending signs everyone out.

    Data is never deleted here: a suspended tenant's rows stay as they were.
    Must run inside `context.cross_tenant(...)` (it touches the tenant's sessions).
    """
    if new_status not in TRANSITIONS[tenant.status]:
        raise Conflict(
            f"An organisation that is {tenant.status.value} cannot become {new_status.value}.",
            code="invalid_transition",
        )
    old = tenant.status
    tenant.status = new_status
    tenant.status_changed_at = utcnow()
    if new_status in (TenantStatus.SUSPENDED, TenantStatus.CLOSED):
        # Sessions are also refused while the tenant is not active (load_principal);
        # revoking them means a reinstated tenant's people sign in afresh.
        session.execute(
            update(AuthSession)
            .where(AuthSession.tenant_id == tenant.id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    audit.record(
        session,
        "tenant_status_changed",
        tenant_id=actor_tenant_id,
        actor_id=actor_id,
        target_type="tenant",
        target_id=tenant.id,
        old=old.value,
        new=new_status.value,
        reason=reason,
    )
    if actor_tenant_id != tenant.id:
        audit.record(
            session,
            "tenant_status_changed",
            tenant_id=tenant.id,
            actor_id=actor_id,
            target_type="tenant",
            target_id=tenant.id,
            old=old.value,
            new=new_status.value,
            reason=reason,
        )
    return tenant
