"""Billing through Stripe: customers, Checkout, the customer portal, signed webhooks.

Uses the official `stripe` library's `StripeClient` (no global state, so two
apps in one process never share keys). `TUKIVERKKO_STRIPE_API_BASE` points it
elsewhere than Stripe (tests use the `localstripe` server on loopback).

Finnish invoicing: the customer carries the organisation's EU VAT number (FI +
the business ID's digits, `eu_vat`), its address country FI for Stripe Tax,
and the business ID and e-invoicing address/operator as invoice custom fields
(printed on every invoice) and metadata. Checkout turns on automatic tax and
tax-id collection so that Stripe computes Finnish VAT (or reverse charge).
"""

from __future__ import annotations

import json
from typing import Any

import stripe

from tukiverkko.platform.settings import Settings
from tukiverkko.tenants.billing.interface import (
    BillingUnavailable,
    CustomerDetails,
    InvalidWebhook,
    PlanNotOffered,
    SubscriptionSnapshot,
)

# Seconds a signed webhook stays acceptable (Stripe's own default): older
# ones are refused, so a captured request cannot be replayed later.
WEBHOOK_TOLERANCE = 300


def parse_prices(raw: str) -> dict[str, str]:
    """`small=price_1,medium=price_2` → {"small": "price_1", "medium": "price_2"}."""
    prices: dict[str, str] = {}
    for part in raw.split(","):
        if "=" in part:
            key, price = part.split("=", 1)
            if key.strip() and price.strip():
                prices[key.strip()] = price.strip()
    return prices


def _custom_fields(details: CustomerDetails) -> list[dict[str, str]]:
    # Printed on each invoice: what a Finnish organisation's accounts payable
    # needs to route it (Stripe allows at most four, none empty).
    fields = [
        ("Y-tunnus", details.business_id),
        ("Verkkolaskuosoite", details.einvoice_address),
        ("Välittäjä", details.einvoice_operator),
    ]
    return [{"name": name, "value": value} for name, value in fields if value]


def _metadata(details: CustomerDetails) -> dict[str, str]:
    return {
        "tenant_id": details.tenant_id,
        "business_id": details.business_id,
        "einvoice_address": details.einvoice_address,
        "einvoice_operator": details.einvoice_operator,
    }


class StripeBilling:
    """`TUKIVERKKO_BILLING=stripe`."""

    name = "stripe"
    enforces_limits = True

    def __init__(self, settings: Settings) -> None:
        options: dict[str, Any] = {"max_network_retries": 2}
        if settings.stripe_api_base:
            options["base_addresses"] = {"api": settings.stripe_api_base}
        self._client = stripe.StripeClient(settings.stripe_secret_key, **options)
        self._webhook_secret = settings.stripe_webhook_secret
        self._prices = parse_prices(settings.stripe_prices)

    def create_customer(self, details: CustomerDetails) -> str:
        params: dict[str, Any] = {
            "name": details.name,
            "email": details.billing_email,
            "address": {"country": "FI", "city": details.municipality},
            "preferred_locales": [details.language, "en"],
            "metadata": _metadata(details),
            "invoice_settings": {"custom_fields": _custom_fields(details)},
        }
        if details.vat_id:
            params["tax_id_data"] = [{"type": "eu_vat", "value": details.vat_id}]
        try:
            customer = self._client.v1.customers.create(params)
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe refused the customer: {exc.user_message}") from exc
        return str(customer.id)

    def update_customer(self, customer_id: str, details: CustomerDetails) -> None:
        try:
            self._client.v1.customers.update(
                customer_id,
                {
                    "name": details.name,
                    "email": details.billing_email,
                    "metadata": _metadata(details),
                    "invoice_settings": {"custom_fields": _custom_fields(details)},
                },
            )
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe refused the change: {exc.user_message}") from exc

    def checkout_url(
        self, *, customer_id: str, tenant_id: str, plan_key: str, success_url: str, cancel_url: str
    ) -> str:
        price = self._prices.get(plan_key)
        if price is None:
            raise PlanNotOffered(
                "This plan cannot be bought online here. Choose another or contact us."
            )
        metadata = {"tenant_id": tenant_id, "plan": plan_key}
        try:
            session = self._client.v1.checkout.sessions.create(
                {
                    "mode": "subscription",
                    "customer": customer_id,
                    "client_reference_id": tenant_id,
                    "line_items": [{"price": price, "quantity": 1}],
                    "metadata": metadata,
                    "subscription_data": {"metadata": metadata},
                    # Finnish VAT by Stripe Tax; a VAT number given here makes
                    # an EU reverse charge where it applies.
                    "automatic_tax": {"enabled": True},
                    "tax_id_collection": {"enabled": True},
                    "customer_update": {"address": "auto", "name": "auto"},
                    "billing_address_collection": "required",
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                }
            )
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe refused the checkout: {exc.user_message}") from exc
        return str(session.url)

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        try:
            session = self._client.v1.billing_portal.sessions.create(
                {"customer": customer_id, "return_url": return_url}
            )
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe refused the portal: {exc.user_message}") from exc
        return str(session.url)

    def verify_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        try:
            stripe.Webhook.construct_event(
                payload, signature, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE
            )
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidWebhook("The webhook signature is not valid.") from exc
        event: dict[str, Any] = json.loads(payload)
        return event

    def subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        try:
            sub = self._client.v1.subscriptions.retrieve(subscription_id)
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe did not give the subscription: {exc}") from exc
        data = sub.to_dict()
        customer = data.get("customer")
        if isinstance(customer, dict):
            customer = customer.get("id")
        metadata = data.get("metadata") or {}
        return SubscriptionSnapshot(
            id=str(data["id"]),
            status=str(data.get("status") or ""),
            customer_id=str(customer or ""),
            plan_key=self._plan_of(data) or metadata.get("plan"),
            tenant_id=metadata.get("tenant_id"),
        )

    def _plan_of(self, data: dict[str, Any]) -> str | None:
        """Our plan key of the subscription's first item's price (None if not ours)."""
        by_price = {price: key for key, price in self._prices.items()}
        items = ((data.get("items") or {}).get("data")) or []
        for item in items:
            for ref in (item.get("price"), item.get("plan")):
                ref_id = ref.get("id") if isinstance(ref, dict) else ref
                if ref_id in by_price:
                    return by_price[ref_id]
        return None
