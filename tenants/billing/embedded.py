"""Billing off: every organisation is unlimited and free; nothing is sent anywhere."""

from __future__ import annotations

from typing import Any

from tukiverkko.tenants.billing.interface import (
    BillingDisabled,
    CustomerDetails,
    SubscriptionSnapshot,
)

_OFF = "Billing is off on this installation: every plan is free."


class EmbeddedBilling:
    """The default implementation (`TUKIVERKKO_BILLING=embedded`)."""

    name = "embedded"
    enforces_limits = False

    def create_customer(self, details: CustomerDetails) -> str:
        raise BillingDisabled(_OFF)

    def update_customer(self, customer_id: str, details: CustomerDetails) -> None:
        return None  # nothing to keep in step

    def checkout_url(
        self, *, customer_id: str, tenant_id: str, plan_key: str, success_url: str, cancel_url: str
    ) -> str:
        raise BillingDisabled(_OFF)

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        raise BillingDisabled(_OFF)

    def verify_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        raise BillingDisabled(_OFF)

    def subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        raise BillingDisabled(_OFF)
