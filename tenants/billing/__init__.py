"""Billing: plans, volunteer limits, read-only mode and the payment provider (issue 10).

One interface (`interface.BillingProvider`) with two implementations chosen by
`TUKIVERKKO_BILLING`: `embedded` (billing off, everything free; the default, so
`make run` needs no Stripe account) and `stripe` (Checkout, the customer
portal and signed webhooks). The rules (`service.py`) never talk to Stripe
directly; they get what they need from the provider.
"""
