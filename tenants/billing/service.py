"""Billing rules: plans in force, volunteer places, billing state, grace period, read-only.

Plain functions over an explicit session. The provider (Stripe or embedded)
is asked only for facts (a subscription's current state); what follows from
them is decided here.

- An organisation without a `tenant_billing` row (registered by an operator,
  not self-signed-up) is not billed by the platform: no ceiling.
- With billing off (`TUKIVERKKO_BILLING=embedded`) nobody has a ceiling.
- Past due → notices to the organisation's admins → after the grace period
  (`TUKIVERKKO_BILLING_GRACE_DAYS`) read-only → settled: writable again at once.
  Nothing is ever deleted because of billing.
- A cancelled subscription returns the organisation to the free tier. Its
  volunteers stay as they are; only new approvals beyond the free tier wait.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.notifications import Channel, kind, notify
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.platform.primitives.models import Volunteer, VolunteerStatus
from tukiverkko.tenants.billing.interface import SubscriptionSnapshot, limits_enforced
from tukiverkko.tenants.billing.models import BillingState, TenantBilling
from tukiverkko.tenants.billing.plans import FREE, PLANS, UNLIMITED, Plan, get_plan
from tukiverkko.tenants.models import Tenant

# Volunteers who hold a place: approved or matched, or on a break from either
# (a break is the volunteer's right and must not cost them their place).
PLACE_HOLDING = (VolunteerStatus.APPROVED, VolunteerStatus.ACTIVE)
# Days before the end of the grace period on which admins get a reminder.
REMINDER_DAYS = (7, 3, 1)

# The provider's subscription status → our billing state. Statuses not listed
# (`incomplete`: the first payment is still being made) change nothing.
_STATES = {
    "trialing": BillingState.TRIALING,
    "active": BillingState.ACTIVE,
    "past_due": BillingState.PAST_DUE,
    "unpaid": BillingState.PAST_DUE,
    "paused": BillingState.PAST_DUE,
    "canceled": BillingState.CANCELLED,
    "incomplete_expired": BillingState.CANCELLED,
}
_PAYING = (BillingState.TRIALING, BillingState.ACTIVE, BillingState.PAST_DUE)


class TenantReadOnly(Problem):
    status = 403
    code = "tenant_read_only"


class PlanLimitReached(Problem):
    status = 409
    code = "plan_limit_reached"


READ_ONLY_DETAIL = (
    "Your organisation is in read-only mode because its subscription has not been paid. "
    "You can sign in, read and export everything; an admin can settle the bill under "
    "Billing to continue. Nothing has been deleted."
)


@dataclass(frozen=True)
class Places:
    """Volunteer places of an organisation's plan."""

    plan: Plan
    active_volunteers: int

    @property
    def limit(self) -> int | None:
        return self.plan.volunteer_limit

    @property
    def left(self) -> int | None:
        if self.limit is None:
            return None
        return max(self.limit - self.active_volunteers, 0)

    def message(self) -> str:
        if self.left is None:
            return _("Your plan has no limit on volunteers.")
        if self.left == 0:
            return _("All %(limit)s volunteer places of your plan are in use.", limit=self.limit)
        return _("You have %(left)s volunteer places left.", left=self.left)


def billing_of(session: Session, tenant_id: uuid.UUID) -> TenantBilling | None:
    """The organisation's billing row (the caller binds the tenant or crosses tenants)."""
    return session.scalar(select(TenantBilling).where(TenantBilling.tenant_id == tenant_id))


def plan_in_force(billing: TenantBilling | None, *, enforced: bool) -> Plan:
    """The plan whose limits apply now."""
    if not enforced or billing is None:
        return UNLIMITED
    if billing.state in _PAYING:
        return get_plan(billing.plan)
    return PLANS[FREE]


def count_active_volunteers(session: Session, tenant_id: uuid.UUID) -> int:
    """Volunteers holding a place in the organisation (one query)."""
    return int(
        session.scalar(
            select(func.count(Volunteer.id)).where(
                Volunteer.tenant_id == tenant_id,
                or_(
                    Volunteer.status.in_(PLACE_HOLDING),
                    and_(
                        Volunteer.status == VolunteerStatus.PAUSED,
                        Volunteer.status_before_pause.in_(PLACE_HOLDING),
                    ),
                ),
            )
        )
        or 0
    )


def places(session: Session, tenant_id: uuid.UUID, *, enforced: bool | None = None) -> Places:
    """How many volunteer places the plan has and how many are in use."""
    enforced = limits_enforced() if enforced is None else enforced
    plan = plan_in_force(billing_of(session, tenant_id), enforced=enforced)
    return Places(plan, count_active_volunteers(session, tenant_id))


def require_volunteer_place(
    session: Session, tenant_id: uuid.UUID, *, enforced: bool | None = None
) -> None:
    """Refuse to approve one more volunteer beyond the plan (`plan_limit_reached`).

    Called by the volunteer service right before a volunteer takes a place.
    The billing row is locked first on PostgreSQL, so two approvals at the
    same moment cannot both take the last place.
    """
    enforced = limits_enforced() if enforced is None else enforced
    if not enforced:
        return
    stmt = select(TenantBilling).where(TenantBilling.tenant_id == tenant_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    billing = session.scalar(stmt)
    plan = plan_in_force(billing, enforced=True)
    if plan.volunteer_limit is None:
        return
    if count_active_volunteers(session, tenant_id) >= plan.volunteer_limit:
        raise PlanLimitReached(
            f"Your plan ({plan.name}) allows {plan.volunteer_limit} active volunteers and "
            "all places are in use. An admin can move to a larger plan under Billing; "
            "ending or pausing nobody is needed."
        )


def is_read_only(session: Session, tenant_id: uuid.UUID) -> bool:
    """Whether the organisation may only read (grace period over, still unpaid)."""
    since = session.scalar(
        select(TenantBilling.read_only_since).where(TenantBilling.tenant_id == tenant_id)
    )
    return since is not None


def _admins(session: Session, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(User.id).where(
                User.tenant_id == tenant_id,
                User.role == Role.TENANT_ADMIN,
                User.status == UserStatus.ACTIVE,
            )
        )
    )


def _notify_admins(
    session: Session, billing: TenantBilling, kind_name: str, key: str, **params: Any
) -> None:
    tenant = session.get(Tenant, billing.tenant_id)
    params = {"organisation": tenant.name if tenant else "", **params}
    keys = {
        user_id: f"{kind_name}:{key}:{user_id}" for user_id in _admins(session, billing.tenant_id)
    }
    # A second run of the same day's task (or a retried job) emits nothing new.
    sent = set(
        session.scalars(
            select(OutboxMessage.delivery_key).where(
                OutboxMessage.delivery_key.in_(list(keys.values()))
            )
        )
    )
    for user_id, delivery_key in keys.items():
        if delivery_key in sent:
            continue
        notify(
            session,
            kind_name,
            user_id=user_id,
            params=params,
            delivery_key=delivery_key,
            tenant_id=billing.tenant_id,
        )


def grace_ends(billing: TenantBilling, grace_days: int) -> datetime | None:
    if billing.past_due_since is None:
        return None
    return billing.past_due_since + timedelta(days=grace_days)


def apply_subscription(
    session: Session,
    billing: TenantBilling,
    snapshot: SubscriptionSnapshot,
    *,
    event_id: str,
    grace_days: int,
    now: datetime | None = None,
) -> bool:
    """Make the billing state follow the subscription's *current* state.

    The state comes from the subscription as fetched now, never from the
    event's type, so events arriving late, twice or out of order all end in
    the same state. Returns whether anything changed.
    """
    now = now or utcnow()
    billing.stripe_customer_id = billing.stripe_customer_id or snapshot.customer_id or None
    new_state = _STATES.get(snapshot.status)
    if new_state is None:
        return False
    if (
        billing.stripe_subscription_id not in (None, snapshot.id)
        and new_state == BillingState.CANCELLED
    ):
        # An old subscription ending does not cancel the one that replaced it.
        return False
    billing.stripe_subscription_id = snapshot.id
    new_plan = FREE if new_state == BillingState.CANCELLED else (snapshot.plan_key or billing.plan)
    if new_state == billing.state and new_plan == billing.plan:
        return False
    old_state = billing.state
    billing.state, billing.plan, billing.state_changed_at = new_state, new_plan, now
    audit.record(
        session,
        "billing_state_changed",
        tenant_id=billing.tenant_id,
        target_type="tenant",
        target_id=billing.tenant_id,
        old=old_state.value,
        new=new_state.value,
        plan=new_plan,
        event=event_id,
    )
    if new_state == BillingState.PAST_DUE:
        if billing.past_due_since is None:
            billing.past_due_since = now
            ends = grace_ends(billing, grace_days)
            _notify_admins(
                session,
                billing,
                "billing_past_due",
                f"{billing.id}:{now.date().isoformat()}",
                grace_ends=ends.date().isoformat() if ends else "",
            )
        return True
    was_read_only = billing.read_only_since is not None
    billing.past_due_since = None
    billing.read_only_since = None
    if was_read_only:
        _notify_admins(session, billing, "billing_restored", f"{billing.id}:{event_id}")
    return True


def run_grace_period(session: Session, *, grace_days: int, now: datetime | None = None) -> int:
    """Daily: remind admins during the grace period; at its end, make the tenant read-only.

    Runs inside `context.cross_tenant`. Idempotent per day (delivery keys name
    the day). Returns how many organisations became read-only.
    """
    now = now or utcnow()
    became = 0
    rows = session.scalars(
        select(TenantBilling).where(
            TenantBilling.state == BillingState.PAST_DUE,
            TenantBilling.read_only_since.is_(None),
            TenantBilling.past_due_since.is_not(None),
        )
    )
    for billing in rows:
        ends = grace_ends(billing, grace_days)
        assert ends is not None
        if now >= ends:
            billing.read_only_since = now
            became += 1
            audit.record(
                session,
                "tenant_read_only",
                tenant_id=billing.tenant_id,
                target_type="tenant",
                target_id=billing.tenant_id,
            )
            _notify_admins(
                session, billing, "billing_read_only", f"{billing.id}:{now.date().isoformat()}"
            )
            continue
        days_left = math.ceil((ends - now).total_seconds() / 86400)
        if days_left in REMINDER_DAYS:
            _notify_admins(
                session,
                billing,
                "billing_grace_reminder",
                f"{billing.id}:{now.date().isoformat()}",
                days=days_left,
                grace_ends=ends.date().isoformat(),
            )
    return became


# --- notices to the organisation's admins (email and in-app; cannot be turned off)


@kind("billing_past_due", essential=True, channels=(Channel.EMAIL, Channel.IN_APP))
def _render_past_due(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("Payment failed: %(org)s on Tukiverkko", org=params["organisation"])
    body = _(
        "Hello,\n\nThe latest payment of %(org)s's Tukiverkko subscription failed. Please "
        "settle it under Billing by %(date)s. After that date the organisation can still sign "
        "in, read and export everything, but cannot add or change anything until the bill "
        "is paid. Nothing will be deleted.",
        org=params["organisation"],
        date=params["grace_ends"],
    )
    return subject, body


@kind("billing_grace_reminder", essential=True, channels=(Channel.EMAIL, Channel.IN_APP))
def _render_grace_reminder(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("%(days)s days left to pay for Tukiverkko", days=params["days"])
    body = _(
        "Hello,\n\nThe subscription of %(org)s is still unpaid. On %(date)s the organisation "
        "becomes read-only until the bill is paid. Settle it under Billing.",
        org=params["organisation"],
        date=params["grace_ends"],
    )
    return subject, body


@kind("billing_read_only", essential=True, channels=(Channel.EMAIL, Channel.IN_APP))
def _render_read_only(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("%(org)s is now read-only on Tukiverkko", org=params["organisation"])
    body = _(
        "Hello,\n\nThe subscription of %(org)s has not been paid, so the organisation is now "
        "read-only: everyone can sign in, read and export, but nothing can be added or "
        "changed. Nothing has been deleted. Paying the bill under Billing lifts this at once.",
        org=params["organisation"],
    )
    return subject, body


@kind("billing_restored", essential=True, channels=(Channel.EMAIL, Channel.IN_APP))
def _render_restored(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("Thank you: %(org)s can work normally again", org=params["organisation"])
    body = _(
        "Hello,\n\nThe payment has arrived and %(org)s is no longer read-only.",
        org=params["organisation"],
    )
    return subject, body


def run_billing_grace() -> int:
    """Daily task: grace-period reminders and read-only mode when it runs out."""
    from flask import current_app

    from tukiverkko.platform import context
    from tukiverkko.platform.db import get_database

    grace_days = current_app.config["TUKIVERKKO_SETTINGS"].billing_grace_days
    with context.cross_tenant("billing grace period"), get_database().unit_of_work() as s:
        return run_grace_period(s, grace_days=grace_days)


def _register_daily_task() -> None:
    # Like the other daily tasks: registered where the rule lives, imported lazily.
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task("billing_grace")(run_billing_grace)


_register_daily_task()
