"""Self-service sign-up: an organisation registers itself and confirms its email.

1. `sign_up` creates the organisation as *pending* (which reserves its
   address and business ID), its contact person's account (invited, no
   password yet), its billing row with the chosen plan, and emails a signed,
   single-use confirmation link (the identity link tokens: only the hash is
   stored). Nothing is charged here.
2. `confirm_signup` (the link) activates the organisation, marks the email
   verified and hands the contact person the set-password step of the
   invitation flow; as the organisation's first admin they can then invite
   colleagues.
3. Sign-ups not confirmed within `SIGNUP_LIFETIME` are removed by a daily
   task, which frees the address and business ID again.

Answers never reveal anything about another organisation beyond the
taken-codes `slug_taken` and `business_id_taken`.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tukiverkko.platform import audit, context
from tukiverkko.platform.db import Base, Database, utcnow
from tukiverkko.platform.errors import Conflict, Problem, ValidationFailed
from tukiverkko.platform.identity import emails
from tukiverkko.platform.identity.models import OneTimeToken, Role, TokenPurpose, User
from tukiverkko.platform.identity.service import (
    consume_link_token,
    create_user,
    issue_link_token,
)
from tukiverkko.platform.identity.tokens import hash_secret
from tukiverkko.platform.notifications import kind, notify
from tukiverkko.tenants.billing.models import TenantBilling, TenantSignup
from tukiverkko.tenants.billing.plans import PLANS
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus
from tukiverkko.tenants.service import RESERVED_SLUGS, SLUG
from tukiverkko.tenants.ytunnus import normalise_business_id

log = logging.getLogger(__name__)

SIGNUP_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class SignupResult:
    tenant: Tenant
    user: User
    token: str  # the raw confirmation token (emailed; never stored)


@dataclass(frozen=True)
class Confirmed:
    tenant: Tenant
    user: User
    invitation_token: str  # the set-password step (also emailed)


def _field_error(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, errors={"json": {field: [message]}})


def vat_id_of(business_id: str) -> str:
    """Finnish VAT number of a business ID: `1234567-8` → `FI12345678`."""
    return "FI" + business_id.replace("-", "")


def invalid_link() -> Problem:
    return Problem(
        "The link is not valid any more. Sign up again.", code="invalid_link", status=400
    )


def sign_up(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    slug: str,
    name: str,
    business_id: str,
    municipality: str,
    contact_name: str,
    contact_email: str,
    billing_email: str,
    plan: str,
    language: str = "fi",
    einvoice_address: str = "",
    einvoice_operator: str = "",
    now: datetime | None = None,
) -> SignupResult:
    """Register a pending organisation and email its contact person a confirmation link.

    The caller binds `tenant_id` (a fresh uuid) as the current tenant before
    opening the unit of work, so the new organisation's rows are its own.
    """
    now = now or utcnow()
    slug = slug.strip().lower()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise _field_error("slug", "Use lowercase letters, digits and hyphens.", "invalid_slug")
    canonical = normalise_business_id(business_id)
    if canonical is None:
        raise _field_error(
            "business_id", "Not a valid Finnish business ID (Y-tunnus).", "invalid_business_id"
        )
    if plan not in PLANS:
        raise _field_error("plan", "No such plan.", "invalid_plan")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict("This address is already taken. Choose another.", code="slug_taken")
    if session.scalar(select(Tenant.id).where(Tenant.business_id == canonical)):
        raise Conflict(
            "An organisation with this business ID is already registered. "
            "Ask its admin to invite you.",
            code="business_id_taken",
        )
    tenant = Tenant(
        id=tenant_id,
        slug=slug,
        name=name.strip(),
        kind=TenantKind.PARTNER,
        status=TenantStatus.PENDING,
        business_id=canonical,
        municipality=municipality.strip(),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip().lower(),
        status_changed_at=now,
    )
    session.add(tenant)
    try:
        session.flush()
    except IntegrityError:
        # Another sign-up took the address or the ID between the checks and now.
        raise Conflict("This address or business ID was just taken.", code="slug_taken") from None
    user = create_user(
        session,
        tenant_id=tenant.id,
        email=contact_email,
        name=contact_name.strip(),
        role=Role.TENANT_ADMIN,
        language=language,
    )
    session.add(
        TenantBilling(
            tenant_id=tenant.id,
            plan="free",
            requested_plan=plan,
            billing_email=billing_email.strip().lower(),
            vat_id=vat_id_of(canonical),
            einvoice_address=einvoice_address.strip(),
            einvoice_operator=einvoice_operator.strip(),
            state_changed_at=now,
        )
    )
    expires = now + SIGNUP_LIFETIME
    session.add(TenantSignup(tenant_id=tenant.id, user_id=user.id, expires_at=expires))
    token = issue_link_token(session, user, TokenPurpose.EMAIL_VERIFICATION, now=now)
    # The link lives as long as the sign-up itself, not the usual two days.
    session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.token_hash == hash_secret(token))
        .values(expires_at=expires)
    )
    notify(
        session,
        "signup_confirmation",
        user_id=user.id,
        params={"organisation": tenant.name, "tenant_slug": slug, "token": token},
        delivery_key=f"signup_confirmation:{hashlib.sha256(token.encode()).hexdigest()}",
        tenant_id=tenant.id,
    )
    return SignupResult(tenant, user, token)


def confirm_signup(
    session: Session, tenant: Tenant, raw_token: str, now: datetime | None = None
) -> Confirmed:
    """Activate a pending organisation by its emailed link (works once, until it expires).

    The caller binds the organisation as the current tenant.
    """
    now = now or utcnow()
    if tenant.status != TenantStatus.PENDING:
        raise invalid_link()
    user = consume_link_token(session, raw_token, TokenPurpose.EMAIL_VERIFICATION, now=now)
    signup = session.scalar(select(TenantSignup).where(TenantSignup.tenant_id == tenant.id))
    if (
        user is None
        or signup is None
        or signup.user_id != user.id
        or signup.confirmed_at is not None
        or signup.expires_at <= now
    ):
        raise invalid_link()
    signup.confirmed_at = now
    tenant.status = TenantStatus.ACTIVE
    tenant.status_changed_at = now
    user.email_verified_at = now
    invitation = issue_link_token(session, user, TokenPurpose.INVITATION, now=now)
    emails.send_invitation(
        session, user=user, tenant_name=tenant.name, tenant_slug=tenant.slug, token=invitation
    )
    audit.record(
        session,
        "tenant_signed_up",
        tenant_id=tenant.id,
        actor_id=user.id,
        target_type="tenant",
        target_id=tenant.id,
    )
    return Confirmed(tenant, user, invitation)


def expire_signups(session: Session, now: datetime | None = None) -> int:
    """Remove sign-ups never confirmed in time, with everything they created.

    Runs inside `context.cross_tenant`. A pending organisation that never
    confirmed has only what `sign_up` made (its contact's account, link
    token, billing row and the confirmation email's outbox rows), so every
    tenant-owned row of it goes, then the organisation itself: its address
    and business ID are free again. Returns how many were removed.
    """
    from tukiverkko.platform.models import load_models

    load_models()
    now = now or utcnow()
    expired = list(
        session.scalars(
            select(TenantSignup.tenant_id)
            .join(Tenant, Tenant.id == TenantSignup.tenant_id)
            .where(
                TenantSignup.confirmed_at.is_(None),
                TenantSignup.expires_at <= now,
                Tenant.status == TenantStatus.PENDING,
            )
        )
    )
    if not expired:
        return 0
    owned = [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if "tenant_id" in t.c and t.name != "audit_events" and t.name != "stripe_events"
    ]
    removed = 0
    for tenant_id in expired:
        # Audit rows are append-only: an organisation that has some is closed
        # and renamed instead of deleted (sign-up itself writes none).
        audited = session.scalar(
            select(func.count())
            .select_from(audit_table())
            .where(audit_table().c.tenant_id == tenant_id)
        )
        for table in owned:
            # Only tables that hold its rows: some tables are append-only for
            # the app role, and a DELETE there fails even when it would match nothing.
            mine = table.c.tenant_id == tenant_id
            if session.scalar(select(select(table.c.tenant_id).where(mine).exists())):
                session.execute(delete(table).where(mine))
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        if audited:
            tenant.status = TenantStatus.CLOSED
            tenant.slug = f"expired-{tenant_id.hex}"
            tenant.business_id = None
            tenant.contact_name = tenant.contact_email = ""
        else:
            session.delete(tenant)
        removed += 1
    log.info("expired sign-ups removed", extra={"count": removed})
    return removed


def audit_table() -> Any:
    return Base.metadata.tables["audit_events"]


def run_signup_expiry() -> int:
    """Daily task: remove abandoned sign-ups."""
    from tukiverkko.platform.db import get_database

    database: Database = get_database()
    with context.cross_tenant("expire abandoned sign-ups"), database.unit_of_work() as session:
        return expire_signups(session)


@kind("signup_confirmation", essential=True)
def _render_confirmation(params: dict[str, Any]) -> tuple[str, str]:
    base = current_app.config["TUKIVERKKO_SETTINGS"].base_url.rstrip("/")
    link = f"{base}/signup/{params['tenant_slug']}/confirm/{params['token']}"
    subject = _("Confirm the sign-up of %(org)s to Tukiverkko", org=params["organisation"])
    body = _(
        "Hello,\n\nYou signed %(org)s up to Tukiverkko. Confirm your email address to "
        "activate the organisation and choose your password:\n%(link)s\n\n"
        "The link works once and expires in 7 days. If you did not sign up, ignore this "
        "message and nothing will be kept.",
        org=params["organisation"],
        link=link,
    )
    return subject, body


def _register_daily_task() -> None:
    # Like the other daily tasks: registered where the rule lives, imported lazily.
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task("signup_expiry")(run_signup_expiry)


_register_daily_task()
