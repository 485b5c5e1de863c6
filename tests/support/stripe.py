"""Stripe in tests: the real `stripe` library against localstripe on loopback.

`LocalStripe` starts `tests/support/localstripe_server.py` on a free port of
127.0.0.1 and creates the plans' prices there. Webhook payloads are the
recorded, real-format events in `tests/fixtures/stripe/`, signed with the
test secret exactly as Stripe signs them (`t=<unix time>,v1=<HMAC-SHA256 of
"<t>.<payload>">`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import stripe

from tests.support.services import _wait_for_port, free_port

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe"
SECRET_KEY = "sk_test_tukiverkko_localstripe"
WEBHOOK_SECRET = "whsec_test_tukiverkko"
PRICES = {"small": "price_tukiverkko_small", "medium": "price_tukiverkko_medium"}
AMOUNTS = {"small": 4900, "medium": 12900}
# A yearly price (not one of our plans) used to make localstripe charge at once.
RENEWAL_PRICE = "price_tukiverkko_renewal"


class LocalStripe:
    """A localstripe server of this test process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalStripe:
        script = Path(__file__).resolve().parent / "localstripe_server.py"
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)
        client = self.client()
        product = client.v1.products.create({"name": "Tukiverkko"})
        for plan, price in PRICES.items():
            # localstripe models prices as (legacy) plans; the id is what we configure.
            client.v1.plans.create(
                {
                    "id": price,
                    "product": product.id,
                    "amount": AMOUNTS[plan],
                    "currency": "eur",
                    "interval": "month",
                }
            )
        client.v1.plans.create(
            {
                "id": RENEWAL_PRICE,
                "product": product.id,
                "amount": 49000,
                "currency": "eur",
                "interval": "year",
            }
        )
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.url})

    def settings(self) -> dict[str, Any]:
        return {
            "billing": "stripe",
            "stripe_secret_key": SECRET_KEY,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base": self.url,
            "stripe_prices": ",".join(f"{k}={v}" for k, v in PRICES.items()),
        }

    # --- what a customer does on Stripe's pages (Checkout, the portal) ----------------

    def pay_with_card(self, customer_id: str, number: str = "4242424242424242") -> str:
        """Attach a card as the customer's default payment method (as Checkout would)."""
        client = self.client()
        method = client.v1.payment_methods.create(
            {
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        client.v1.payment_methods.attach(method.id, {"customer": customer_id})
        client.v1.customers.update(
            customer_id, {"invoice_settings": {"default_payment_method": method.id}}
        )
        return str(method.id)

    def fail_renewal(self, subscription_id: str) -> None:
        """The next charge of the subscription is declined: it becomes past due.

        (localstripe charges at once when a subscription moves to a plan of
        another interval; the declining card is Stripe's 4000 0000 0000 0341.)
        """
        client = self.client()
        sub = client.v1.subscriptions.retrieve(subscription_id).to_dict()
        self.pay_with_card(str(sub["customer"]), "4000000000000341")
        client.v1.subscriptions.update(
            subscription_id,
            {"items": [{"id": sub["items"]["data"][0]["id"], "plan": RENEWAL_PRICE}]},
        )

    def settle(self, subscription_id: str) -> None:
        """The customer updates the card in the portal and the open invoice is paid."""
        client = self.client()
        sub = client.v1.subscriptions.retrieve(subscription_id).to_dict()
        self.pay_with_card(str(sub["customer"]))
        for invoice in client.v1.invoices.list({"subscription": subscription_id}).data:
            if invoice.status == "open":
                client.v1.invoices.pay(invoice.id)

    def subscribe(self, customer_id: str, tenant_id: str, plan: str = "small") -> str:
        """Complete a checkout: a paid subscription to `plan` (returns its id)."""
        self.pay_with_card(customer_id)
        sub = self.client().v1.subscriptions.create(
            {
                "customer": customer_id,
                "items": [{"plan": PRICES[plan]}],
                "metadata": {"tenant_id": tenant_id, "plan": plan},
            }
        )
        return str(sub.id)


def load_event(name: str, **values: str) -> dict[str, Any]:
    """A recorded event of `tests/fixtures/stripe/<name>.json`, its placeholders filled."""
    text = (FIXTURES / f"{name}.json").read_text()
    values.setdefault("EVENT_ID", f"evt_{secrets.token_hex(12)}")
    for key, default in (("STATUS", "active"), ("VAT_ID", "FI01234567"), ("BUSINESS_ID", "")):
        values.setdefault(key, default)
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    event: dict[str, Any] = json.loads(text)
    event["created"] = int(time.time())
    return event


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send with `payload`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def post_event(client: Any, event: dict[str, Any], **sign_args: Any) -> Any:
    """POST an event to our webhook the way Stripe does (signed raw JSON body)."""
    payload = json.dumps(event, indent=2).encode()
    return client.post(
        "/api/v1/billing/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": sign(payload, **sign_args)},
        content_type="application/json; charset=utf-8",
    )
