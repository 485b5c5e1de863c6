"""Organisations that pay through self-service billing, for the billing tests."""

from __future__ import annotations

from datetime import datetime

from tests.factories import Org, make_org
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.tenants.billing.models import BillingState, TenantBilling


def make_billed_org(
    database: Database,
    *,
    plan: str = "free",
    state: BillingState = BillingState.FREE,
    customer_id: str | None = None,
    read_only_since: datetime | None = None,
    past_due_since: datetime | None = None,
) -> Org:
    """An active organisation with a billing row (as after a confirmed sign-up)."""
    org = make_org(database)
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        db.add(
            TenantBilling(
                tenant_id=org.id,
                plan=plan,
                requested_plan=plan,
                state=state,
                billing_email=f"laskutus@{org.slug}.example",
                vat_id="FI01234567",
                stripe_customer_id=customer_id,
                read_only_since=read_only_since,
                past_due_since=past_due_since,
                state_changed_at=utcnow(),
            )
        )
    return org


def billing_row(database: Database, org: Org) -> TenantBilling:
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        from sqlalchemy import select

        row = db.scalar(select(TenantBilling).where(TenantBilling.tenant_id == org.id))
        assert row is not None
        return row
