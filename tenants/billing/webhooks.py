"""Stripe webhooks: received once, processed by the worker, in any order.

1. The endpoint verifies the signature (`stripe.Webhook.construct_event`),
   then, in one transaction, stores the event id in `stripe_events` and
   emits an outbox message for the worker in the event's organisation. An
   id already stored is acknowledged and ignored: Stripe delivers at least
   once, we process exactly once.
2. The worker (outbox handler `billing.stripe_event`) fetches the
   subscription *as it is now* from Stripe and makes the billing state follow
   it (`service.apply_subscription`). Because the state is derived from the
   subscription and not from the event's type, `invoice.paid` arriving
   before `checkout.session.completed`, or a stale `past_due` after the
   payment, all end in the right state.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tukiverkko.platform import context, outbox
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.tenants.billing.interface import current_provider
from tukiverkko.tenants.billing.models import StripeEvent, TenantBilling
from tukiverkko.tenants.billing.service import apply_subscription, billing_of

log = logging.getLogger(__name__)

JOB_KIND = "billing.stripe_event"
# Events that say something about a subscription. Others are stored (so a
# retry is acknowledged) and otherwise ignored.
HANDLED_TYPES = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "customer.subscription.trial_will_end",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
    }
)


@dataclass(frozen=True)
class Received:
    event_id: str
    duplicate: bool
    queued: bool


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def subscription_id_of(obj: dict[str, Any]) -> str | None:
    """The subscription an event's object is about (subscriptions, sessions, invoices)."""
    if obj.get("object") == "subscription":
        return _id(obj.get("id"))
    found = _id(obj.get("subscription"))
    if found:
        return found
    # Invoices since API version 2025-03: parent.subscription_details.subscription.
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription"))


def _tenant_hints(obj: dict[str, Any]) -> list[str]:
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    candidates = [
        obj.get("client_reference_id"),
        (obj.get("metadata") or {}).get("tenant_id"),
        (details.get("metadata") or {}).get("tenant_id"),
    ]
    return [str(c) for c in candidates if c]


def resolve_tenant(session: Session, obj: dict[str, Any]) -> uuid.UUID | None:
    """The organisation an event belongs to (call inside `context.cross_tenant`).

    The customer id is authoritative (we created the customer); the tenant id
    we put in the metadata is used only for an organisation that has a
    billing row and no other customer yet.
    """
    customer = _id(obj.get("customer"))
    if customer:
        found = session.scalar(
            select(TenantBilling.tenant_id).where(TenantBilling.stripe_customer_id == customer)
        )
        if found is not None:
            return found
    for hint in _tenant_hints(obj):
        try:
            tenant_id = uuid.UUID(hint)
        except ValueError:
            continue
        billing = billing_of(session, tenant_id)
        if billing is not None and billing.stripe_customer_id in (None, customer):
            return tenant_id
    return None


class _Duplicate(Exception):
    """A concurrent delivery of the same event stored it first."""


def receive_event(database: Database, event: dict[str, Any]) -> Received:
    """Store a verified event once and hand it to the worker; duplicates change nothing."""
    event_id = str(event.get("id") or "")
    event_type = str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    try:
        with context.cross_tenant("stripe webhook"), database.unit_of_work() as session:
            if session.get(StripeEvent, event_id) is not None:
                raise _Duplicate
            tenant_id = resolve_tenant(session, obj)
            session.add(StripeEvent(event_id=event_id, type=event_type, tenant_id=tenant_id))
            try:
                session.flush()
            except IntegrityError:
                raise _Duplicate from None
            subscription_id = subscription_id_of(obj)
            queued = bool(tenant_id and subscription_id and event_type in HANDLED_TYPES)
            if queued:
                outbox.emit(
                    session,
                    JOB_KIND,
                    {
                        "event_id": event_id,
                        "type": event_type,
                        "subscription_id": subscription_id,
                    },
                    delivery_key=f"stripe-event:{event_id}",
                    tenant_id=tenant_id,
                )
            else:
                log.info(
                    "stripe event not for processing",
                    extra={"event": event_id, "type": event_type},
                )
    except _Duplicate:
        return Received(event_id, duplicate=True, queued=False)
    return Received(event_id, duplicate=False, queued=queued)


@outbox.handler(JOB_KIND, transactional=True)
def process_event(session: Session, message: outbox.Message) -> None:
    """Worker: make the organisation's billing follow the subscription as it is now.

    Runs in the event's organisation (the runner binds it). Raises if the
    provider cannot be reached, so the job is retried with backoff.
    """
    payload = message.payload
    billing = billing_of(session, message.tenant_id)
    if billing is not None:
        snapshot = current_provider().subscription(payload["subscription_id"])
        if (
            billing.stripe_customer_id
            and snapshot.customer_id
            and snapshot.customer_id != billing.stripe_customer_id
        ):
            log.warning("stripe subscription of another customer", extra={"event": message.id})
        else:
            settings = current_app.config["TUKIVERKKO_SETTINGS"]
            apply_subscription(
                session,
                billing,
                snapshot,
                event_id=payload["event_id"],
                grace_days=settings.billing_grace_days,
            )
    session.execute(
        update(StripeEvent)
        .where(StripeEvent.event_id == payload["event_id"])
        .values(processed_at=utcnow())
    )
