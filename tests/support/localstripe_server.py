"""Run the `localstripe` fake Stripe server on loopback, for the billing tests.

`python tests/support/localstripe_server.py PORT` serves localstripe's own
app (customers, tax ids, products, plans, subscriptions, invoices, payment
methods — a stateful fake of Stripe's REST API) with four adjustments, each
for something localstripe does not do:

- no pickle file in /tmp: every test process runs its own server and they
  must not share state;
- Finnish VAT numbers: localstripe wants an `eu_vat` value longer than 10
  characters, but Finland's are exactly 10 (`FI12345678`);
- Checkout and customer-portal sessions (`/v1/checkout/sessions`,
  `/v1/billing_portal/sessions`), which localstripe lacks: sessions are
  recorded (so tests can read back what was asked) and given a URL; the
  customer must exist, as on Stripe;
- it listens on 127.0.0.1 only (localstripe's own `start` binds every address).
"""

from __future__ import annotations

import secrets
import sys
import time
from typing import Any

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError

resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

_tax_id_init = resources.TaxId.__init__


def _tax_id(self: Any, *args: Any, **kwargs: Any) -> None:
    value = kwargs.get("value")
    finnish = kwargs.get("type") == "eu_vat" and isinstance(value, str) and len(value) == 10
    if finnish:
        kwargs["value"] = value + "0"  # passes localstripe's length check; restored below
    _tax_id_init(self, *args, **kwargs)
    self.value = value


resources.TaxId.__init__ = _tax_id  # type: ignore[method-assign]

_customer_init = resources.Customer.__init__


def _customer(self: Any, *args: Any, tax_id_data: Any = None, **kwargs: Any) -> None:
    _customer_init(self, *args, **kwargs)
    for data in tax_id_data or []:
        if not isinstance(data, dict) or set(data) != {"type", "value"}:
            raise UserError(400, "Bad request")
        self.tax_ids._list.append(resources.TaxId(customer=self.id, **data))


resources.Customer.__init__ = _customer  # type: ignore[method-assign]

SESSIONS: dict[str, dict[str, Any]] = {}


def _record(kind: str, prefix: str, data: dict[str, Any], url: str) -> dict[str, Any]:
    session_id = f"{prefix}_test_{secrets.token_hex(12)}"
    body = {
        **data,
        "id": session_id,
        "object": kind,
        "created": int(time.time()),
        "livemode": False,
        "url": f"{url}/{session_id}",
    }
    SESSIONS[session_id] = body
    return body


async def create_checkout_session(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    for field in ("mode", "success_url", "line_items"):
        if not data.get(field):
            raise UserError(400, f"Missing required param: {field}.")
    if data.get("customer"):
        resources.Customer._api_retrieve(data["customer"])  # 404 if unknown, as on Stripe
    body = _record("checkout.session", "cs", data, "https://checkout.stripe.com/c/pay")
    body.update(status="open", payment_status="unpaid", subscription=None)
    return server.json_response(body)


async def retrieve_checkout_session(request: web.Request) -> web.Response:
    found = SESSIONS.get(request.match_info["id"])
    if found is None:
        raise UserError(404, "No such checkout.session")
    return server.json_response(found)


async def create_portal_session(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    if not data.get("customer"):
        raise UserError(400, "Missing required param: customer.")
    resources.Customer._api_retrieve(data["customer"])
    return server.json_response(
        _record("billing_portal.session", "bps", data, "https://billing.stripe.com/p/session")
    )


server.app.router.add_post("/v1/checkout/sessions", create_checkout_session)
server.app.router.add_get("/v1/checkout/sessions/{id}", retrieve_checkout_session)
server.app.router.add_post("/v1/billing_portal/sessions", create_portal_session)

if __name__ == "__main__":
    web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
