"""Stripe end to end: Checkout and portal links, signed webhooks, state through the worker.

The real `stripe` library talks to localstripe on loopback; webhook bodies are
the recorded real-format events of `tests/fixtures/stripe/`, signed with the
test secret exactly as Stripe signs them.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import Org, token_for
from tests.support.stripe import LocalStripe, load_event, post_event, sign
from tests.tenants.billing.support import billing_row, make_billed_org
from tukiverkko.platform import context
from tukiverkko.platform.audit import AuditEvent
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role, User
from tukiverkko.platform.notifications import Notification
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.tenants.billing import service
from tukiverkko.tenants.billing.models import BillingState, StripeEvent
from tukiverkko.tenants.models import Tenant


def _checkout(client: FlaskClient, org: Org, plan: str = "small") -> dict[str, Any]:
    resp = client.post(
        "/api/v1/billing/checkout",
        json={"plan": plan},
        headers=token_for(client, org, Role.TENANT_ADMIN),
    )
    assert resp.status_code == 200, resp.text
    return dict(resp.json)


def _subscribed(
    client: FlaskClient, database: Database, localstripe: LocalStripe
) -> tuple[Org, str, str]:
    """An organisation that went through our Checkout link and paid: (org, customer, sub)."""
    org = make_billed_org(database)
    _checkout(client, org)
    customer = billing_row(database, org).stripe_customer_id
    assert customer
    return org, customer, localstripe.subscribe(customer, str(org.id))


def _ids(org: Org, customer: str, sub: str) -> dict[str, str]:
    return {"TENANT_ID": str(org.id), "CUSTOMER_ID": customer, "SUBSCRIPTION_ID": sub}


def _state(database: Database, org: Org) -> tuple[BillingState, str, bool]:
    row = billing_row(database, org)
    return row.state, row.plan, row.read_only_since is not None


def _count(database: Database, model: Any, *where: Any) -> int:
    with context.cross_tenant("test"), database.unit_of_work() as db:
        return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_checkout_makes_a_customer_with_finnish_vat_and_gives_the_checkout_link(
    client: FlaskClient, database: Database, localstripe: LocalStripe
) -> None:
    org = make_billed_org(database)
    with database.unit_of_work() as db:
        tenant = db.get(Tenant, org.id)
        assert tenant is not None
        business_id = tenant.business_id
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        billing = service.billing_of(db, org.id)
        assert billing is not None
        billing.vat_id = "FI" + str(business_id).replace("-", "")
        billing.einvoice_address = "003712345678"
        billing.einvoice_operator = "E204503"

    url = _checkout(client, org, "medium")["url"]
    assert url.startswith("https://checkout.stripe.com/")

    stripe = localstripe.client()
    row = billing_row(database, org)
    assert row.requested_plan == "medium"
    customer = stripe.v1.customers.retrieve(str(row.stripe_customer_id)).to_dict()
    assert customer["metadata"]["tenant_id"] == str(org.id)
    assert customer["address"]["country"] == "FI"
    fields = {f["name"]: f["value"] for f in customer["invoice_settings"]["custom_fields"]}
    assert fields == {
        "Y-tunnus": business_id,
        "Verkkolaskuosoite": "003712345678",
        "Välittäjä": "E204503",
    }
    tax_ids = stripe.v1.customers.tax_ids.list(customer["id"]).data
    assert [(t.type, t.value) for t in tax_ids] == [("eu_vat", row.vat_id)]

    session = stripe.v1.checkout.sessions.retrieve(url.rsplit("/", 1)[1]).to_dict()
    assert session["mode"] == "subscription" and session["customer"] == customer["id"]
    assert session["line_items"] == [{"price": "price_tukiverkko_medium", "quantity": "1"}]
    assert session["automatic_tax"] == {"enabled": "True"} or session["automatic_tax"]["enabled"]
    assert session["client_reference_id"] == str(org.id)
    assert session["subscription_data"]["metadata"]["tenant_id"] == str(org.id)

    # A second checkout reuses the customer.
    _checkout(client, org, "small")
    assert billing_row(database, org).stripe_customer_id == customer["id"]
    # A plan with no Stripe price on this installation is not sold online.
    resp = client.post(
        "/api/v1/billing/checkout",
        json={"plan": "large"},
        headers=token_for(client, org, Role.TENANT_ADMIN),
    )
    assert resp.status_code == 409 and resp.json["code"] == "plan_not_offered"


def test_portal_link_and_invoicing_details_follow_to_stripe(
    client: FlaskClient, database: Database, localstripe: LocalStripe
) -> None:
    org, customer, _sub = _subscribed(client, database, localstripe)
    headers = token_for(client, org, Role.TENANT_ADMIN)
    resp = client.post("/api/v1/billing/portal", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json["url"].startswith("https://billing.stripe.com/")

    resp = client.patch(
        "/api/v1/billing",
        json={"billing_email": "Talous@Example.fi", "einvoice_address": "FI4950009420028730"},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json["billing_email"] == "talous@example.fi"
    stripe_customer = localstripe.client().v1.customers.retrieve(customer).to_dict()
    assert stripe_customer["email"] == "talous@example.fi"
    assert stripe_customer["metadata"]["einvoice_address"] == "FI4950009420028730"

    # Coordinators see the plan, only admins pay.
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert client.get("/api/v1/billing", headers=coordinator).status_code == 200
    denied = client.post("/api/v1/billing/portal", headers=coordinator)
    assert denied.status_code == 403 and denied.json["code"] == "permission_denied"


def test_valid_signature_is_accepted_and_the_state_follows_the_subscription(
    client: FlaskClient, database: Database, localstripe: LocalStripe
) -> None:
    org, customer, sub = _subscribed(client, database, localstripe)
    assert _state(database, org) == (BillingState.FREE, "free", False)
    resp = post_event(client, load_event("checkout.session.completed", **_ids(org, customer, sub)))
    assert resp.status_code == 200, resp.text
    assert resp.json == {"received": True, "duplicate": False}
    assert _state(database, org) == (BillingState.ACTIVE, "small", False)
    row = billing_row(database, org)
    assert row.stripe_subscription_id == sub
    admin = token_for(client, org, Role.TENANT_ADMIN)
    view = client.get("/api/v1/billing", headers=admin).json
    assert view["plan"] == "small" and view["state"] == "active" and view["provider"] == "stripe"


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "stale", "tampered", "missing"],
)
def test_bad_or_stale_signature_is_refused_and_nothing_changes(
    client: FlaskClient, database: Database, localstripe: LocalStripe, how: str
) -> None:
    org, customer, sub = _subscribed(client, database, localstripe)
    event = load_event("checkout.session.completed", **_ids(org, customer, sub))
    payload = json.dumps(event).encode()
    header = {
        "wrong secret": sign(payload, secret="whsec_not_ours"),
        "stale": sign(payload, timestamp=int(time.time()) - 600),
        "tampered": sign(payload.replace(b"complete", b"completX")),
        "missing": "",
    }[how]
    resp = client.post(
        "/api/v1/billing/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": header} if header else {},
        content_type="application/json",
    )
    assert resp.status_code == 400, resp.text
    assert resp.json["code"] == "invalid_signature"
    assert _state(database, org) == (BillingState.FREE, "free", False)
    assert _count(database, StripeEvent) == 0
    assert _count(database, OutboxMessage, OutboxMessage.kind == "billing.stripe_event") == 0


def test_the_same_event_twice_changes_the_state_once(
    client: FlaskClient, database: Database, localstripe: LocalStripe
) -> None:
    org, customer, sub = _subscribed(client, database, localstripe)
    event = load_event("checkout.session.completed", **_ids(org, customer, sub))
    first, second = post_event(client, event), post_event(client, event)
    assert first.json["duplicate"] is False and second.status_code == 200
    assert second.json == {"received": True, "duplicate": True}
    assert _state(database, org) == (BillingState.ACTIVE, "small", False)
    assert _count(database, StripeEvent) == 1
    assert _count(database, OutboxMessage, OutboxMessage.kind == "billing.stripe_event") == 1
    changes = _count(database, AuditEvent, AuditEvent.action == "billing_state_changed")
    assert changes == 1


def test_invoice_paid_before_checkout_completed_still_ends_active(
    client: FlaskClient, database: Database, localstripe: LocalStripe
) -> None:
    org, customer, sub = _subscribed(client, database, localstripe)
    ids = _ids(org, customer, sub)
    assert post_event(client, load_event("invoice.paid", **ids)).status_code == 200
    assert _state(database, org) == (BillingState.ACTIVE, "small", False)
    assert post_event(client, load_event("checkout.session.completed", **ids)).status_code == 200
    assert _state(database, org) == (BillingState.ACTIVE, "small", False)
    assert _count(database, StripeEvent, StripeEvent.processed_at.is_not(None)) == 2


def test_past_due_grace_notices_read_only_then_paid_again(
    app: Flask, client: FlaskClient, database: Database, localstripe: LocalStripe
) -> None:
    org, customer, sub = _subscribed(client, database, localstripe)
    ids = _ids(org, customer, sub)
    post_event(client, load_event("checkout.session.completed", **ids))

    localstripe.fail_renewal(sub)
    assert post_event(client, load_event("invoice.payment_failed", **ids)).status_code == 200
    assert _state(database, org) == (BillingState.PAST_DUE, "small", False)
    admin_id = org.people[Role.TENANT_ADMIN]
    notices = _count(
        database,
        Notification,
        Notification.kind == "billing_past_due",
        Notification.user_id == admin_id,
    )
    assert notices == 1
    grace = app.config["TUKIVERKKO_SETTINGS"].billing_grace_days
    row = billing_row(database, org)
    assert row.past_due_since is not None

    with app.app_context():
        for days in (grace - 7, grace - 7, grace - 1):  # reminders, once a day
            with context.cross_tenant("test"), database.unit_of_work() as db:
                now = row.past_due_since + timedelta(days=days, minutes=1)
                assert service.run_grace_period(db, grace_days=grace, now=now) == 0
        reminders = _count(database, Notification, Notification.kind == "billing_grace_reminder")
        assert reminders == 2
        # Still writable during the grace period.
        assert _state(database, org)[2] is False
        with context.cross_tenant("test"), database.unit_of_work() as db:
            now = row.past_due_since + timedelta(days=grace)
            assert service.run_grace_period(db, grace_days=grace, now=now) == 1
    assert _state(database, org) == (BillingState.PAST_DUE, "small", True)
    assert _count(database, Notification, Notification.kind == "billing_read_only") == 1
    headers = token_for(client, org, Role.TENANT_ADMIN)  # signing in still works
    refused = client.post(
        "/api/v1/users/invitations",
        json={"email": "uusi@example.fi", "name": "Uusi", "role": "coordinator"},
        headers=headers,
    )
    assert refused.status_code == 403 and refused.json["code"] == "tenant_read_only"

    # The admin settles the bill in the portal; Stripe says so.
    localstripe.settle(sub)
    paid = load_event("invoice.paid", **ids)
    assert post_event(client, paid).status_code == 200
    assert _state(database, org) == (BillingState.ACTIVE, "small", False)
    assert _count(database, Notification, Notification.kind == "billing_restored") == 1
    allowed = client.post(
        "/api/v1/users/invitations",
        json={"email": "uusi@example.fi", "name": "Uusi", "role": "coordinator"},
        headers=headers,
    )
    assert allowed.status_code == 201, allowed.text

    # A late copy of the old "past due" update changes nothing: Stripe says active.
    late = load_event("customer.subscription.updated", STATUS="past_due", **ids)
    assert post_event(client, late).status_code == 200
    assert _state(database, org) == (BillingState.ACTIVE, "small", False)


def test_cancelled_subscription_returns_to_the_free_tier_and_deletes_nothing(
    client: FlaskClient, database: Database, localstripe: LocalStripe
) -> None:
    org, customer, sub = _subscribed(client, database, localstripe)
    ids = _ids(org, customer, sub)
    post_event(client, load_event("checkout.session.completed", **ids))
    people_before = _count(database, User, User.tenant_id == org.id)
    localstripe.client().v1.subscriptions.cancel(sub)
    assert post_event(client, load_event("customer.subscription.deleted", **ids)).status_code == 200
    assert _state(database, org) == (BillingState.CANCELLED, "free", False)
    assert _count(database, User, User.tenant_id == org.id) == people_before == 3
    admin = token_for(client, org, Role.TENANT_ADMIN)
    places = client.get("/api/v1/billing/places", headers=admin).json
    assert places["plan"] == "free" and places["volunteer_limit"] == 10


def test_events_of_unknown_customers_are_acknowledged_and_ignored(
    client: FlaskClient, database: Database
) -> None:
    event = load_event(
        "invoice.paid",
        TENANT_ID="not-a-tenant",
        CUSTOMER_ID="cus_someone_else",
        SUBSCRIPTION_ID="sub_someone_else",
    )
    resp = post_event(client, event)
    assert resp.status_code == 200 and resp.json["duplicate"] is False
    assert _count(database, OutboxMessage, OutboxMessage.kind == "billing.stripe_event") == 0


def test_grace_daily_task_is_registered() -> None:
    from tukiverkko.workers.scheduled import DAILY_TASKS

    assert DAILY_TASKS["billing_grace"] is service.run_billing_grace
