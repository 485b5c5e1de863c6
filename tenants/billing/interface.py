"""The one billing interface, its errors, and how the app picks an implementation.

`TUKIVERKKO_BILLING=embedded` (default): billing is off and every
organisation is unlimited and free. `TUKIVERKKO_BILLING=stripe`: plans are
enforced and paid through Stripe Checkout and the customer portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tukiverkko.platform.errors import Problem
from tukiverkko.platform.settings import Settings


class BillingDisabled(Problem):
    status = 409
    code = "billing_disabled"


class PlanNotOffered(Problem):
    """A plan this installation does not sell online (no price configured for it)."""

    status = 409
    code = "plan_not_offered"


class BillingUnavailable(Problem):
    """The payment provider could not be reached or refused the call."""

    status = 502
    code = "billing_unavailable"


class InvalidWebhook(Problem):
    """A webhook whose signature is missing, wrong or too old."""

    status = 400
    code = "invalid_signature"


@dataclass(frozen=True)
class CustomerDetails:
    """What the provider needs to invoice an organisation (Finnish VAT, e-invoicing)."""

    tenant_id: str
    name: str
    business_id: str
    vat_id: str
    billing_email: str
    municipality: str
    einvoice_address: str
    einvoice_operator: str
    language: str = "fi"


@dataclass(frozen=True)
class SubscriptionSnapshot:
    """A subscription as the provider sees it *now* (not as an event described it)."""

    id: str
    status: str  # the provider's own word: trialing, active, past_due, unpaid, canceled…
    customer_id: str
    plan_key: str | None
    tenant_id: str | None


class BillingProvider(Protocol):
    """What the rest of the platform may ask of a billing implementation."""

    name: str
    # Whether plan limits apply (the embedded implementation: everything is free).
    enforces_limits: bool

    def create_customer(self, details: CustomerDetails) -> str:
        """Create the organisation's customer; returns the provider's customer id."""

    def update_customer(self, customer_id: str, details: CustomerDetails) -> None:
        """Bring the customer's invoicing details up to date."""

    def checkout_url(
        self, *, customer_id: str, tenant_id: str, plan_key: str, success_url: str, cancel_url: str
    ) -> str:
        """A hosted checkout page that starts a subscription to `plan_key`."""

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        """The hosted customer portal (cards, invoices, plan change, cancellation)."""

    def verify_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        """The event of a signed webhook; raises `InvalidWebhook` if not authentic."""

    def subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        """The subscription's current state, fetched from the provider."""


def make_provider(settings: Settings) -> BillingProvider:
    """The implementation the settings name."""
    if settings.billing == "stripe":
        from tukiverkko.tenants.billing.stripe_billing import StripeBilling

        return StripeBilling(settings)
    from tukiverkko.tenants.billing.embedded import EmbeddedBilling

    return EmbeddedBilling()


def current_provider() -> BillingProvider:
    """The app's billing implementation (one per app, made on first use)."""
    from flask import current_app

    ext = current_app.extensions
    if "tukiverkko.billing" not in ext:
        ext["tukiverkko.billing"] = make_provider(current_app.config["TUKIVERKKO_SETTINGS"])
    provider: BillingProvider = ext["tukiverkko.billing"]
    return provider


def limits_enforced() -> bool:
    """Whether plan limits apply in this process (False outside an app: nothing to bill)."""
    from flask import has_app_context

    return has_app_context() and current_provider().enforces_limits
