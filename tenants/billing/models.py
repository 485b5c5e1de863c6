"""Tables of sign-up and billing.

- `tenant_billing`: one row per self-signed-up organisation: its plan, billing
  state, billing contact, e-invoicing details and Stripe ids. Tenant-owned
  (row-level security): the webhook and the daily tasks reach it through
  `context.cross_tenant(...)`.
- `tenant_signups`: an organisation's sign-up until it is confirmed by email
  (or expires). Tenant-owned: the pending organisation exists from the start,
  which reserves its address (slug) and business ID.
- `stripe_events`: ids of the Stripe events received, so each is processed
  once. Written across tenants (before the event's organisation is known);
  it names the organisation once known, and row-level security applies to it
  like to tenant-owned tables (an event of no organisation: cross-tenant only).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum, utcnow


class BillingState(enum.StrEnum):
    FREE = "free"  # no paid subscription: the free tier
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # payment failed: grace period, then read-only
    CANCELLED = "cancelled"  # subscription ended: back on the free tier


class TenantBilling(HasId, HasTimestamps, TenantOwned, Base):
    """The billing side of one organisation."""

    __tablename__ = "tenant_billing"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_tenant_billing_tenant_id"),)

    plan: Mapped[str] = mapped_column(String(32), default="free")
    # The plan chosen at sign-up (or last chosen at checkout), paid for once
    # the subscription is active.
    requested_plan: Mapped[str] = mapped_column(String(32), default="free")
    state: Mapped[BillingState] = mapped_column(
        str_enum(BillingState, "billing_state"), default=BillingState.FREE
    )
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    # Finnish VAT number derived from the business ID (FI + its digits).
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    # E-invoicing (verkkolasku): the receiver's address (OVT/EDI code or IBAN)
    # and the operator's id (välittäjätunnus).
    einvoice_address: Mapped[str] = mapped_column(String(35), default="")
    einvoice_operator: Mapped[str] = mapped_column(String(35), default="")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    past_due_since: Mapped[datetime | None]
    # Set when the grace period ran out; cleared when payment is settled.
    read_only_since: Mapped[datetime | None]


class TenantSignup(HasId, HasTimestamps, TenantOwned, Base):
    """An organisation's sign-up, until its contact person confirms the email address."""

    __tablename__ = "tenant_signups"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_tenant_signups_tenant_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]


class StripeEvent(Base):
    """A Stripe event received (exactly-once processing: the id is the key)."""

    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
