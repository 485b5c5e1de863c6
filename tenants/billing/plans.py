"""The plans: priced by the number of active volunteers, with a free tier.

A plan is a ceiling on *active volunteers* (approved or matched, and those
on a break from either: a break keeps one's place). Everything else is
unlimited on every plan: coordinators, programmes, participants, history.
The model licence itself stays free; these prices are for the platform.
Prices are monthly, in euro cents, VAT 25.5 % added on the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass

FREE = "free"


@dataclass(frozen=True)
class Plan:
    """One plan. `volunteer_limit` None means no ceiling."""

    key: str
    name: str
    volunteer_limit: int | None
    monthly_price_cents: int

    @property
    def is_paid(self) -> bool:
        return self.monthly_price_cents > 0


PLANS: dict[str, Plan] = {
    plan.key: plan
    for plan in (
        Plan(FREE, "Free", 10, 0),
        Plan("small", "Small", 30, 4900),
        Plan("medium", "Medium", 100, 12900),
        Plan("large", "Large", 300, 29900),
    )
}
# What a tenant gets when billing is off (`TUKIVERKKO_BILLING=embedded`) and
# what organisations registered by operators get: no ceiling, no invoice.
UNLIMITED = Plan("unlimited", "Unlimited", None, 0)


def get_plan(key: str) -> Plan:
    """The plan of `key`; an unknown key (a plan since retired) counts as free."""
    return PLANS.get(key, PLANS[FREE])


def paid_plan_keys() -> list[str]:
    return [p.key for p in PLANS.values() if p.is_paid]
