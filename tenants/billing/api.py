"""API: self-service sign-up, the organisation's billing, the Stripe webhook; read-only mode.

- `/api/v1/signup…` are public (no sign-in): the plans, the sign-up itself
  (throttled per address) and its confirmation by the emailed link.
- `/api/v1/billing…` are the signed-in organisation's own: plan, state,
  volunteer places left, invoicing details, Stripe Checkout and portal links.
- `/api/v1/billing/stripe/webhook` is public and trusts nothing but a valid
  Stripe signature.
- `refuse_writes_when_read_only` is the one place read-only mode is enforced
  (a before_request hook of the app, see `platform/app.py`).
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, current_principal
from tukiverkko.platform.db import get_database, utcnow
from tukiverkko.platform.errors import Conflict, NotFound, TooManyRequests
from tukiverkko.platform.i18n import LANGUAGES
from tukiverkko.platform.identity import throttle
from tukiverkko.platform.identity.signin import find_tenant_by_slug
from tukiverkko.platform.permissions import Permission
from tukiverkko.tenants import signup
from tukiverkko.tenants.billing import service, webhooks
from tukiverkko.tenants.billing.interface import CustomerDetails, current_provider
from tukiverkko.tenants.billing.models import BillingState, TenantBilling
from tukiverkko.tenants.billing.plans import PLANS, paid_plan_keys
from tukiverkko.tenants.models import Tenant

signup_blp = Blueprint(
    "signup", __name__, url_prefix="/signup", description="Self-service sign-up (public)"
)
billing_blp = Blueprint(
    "billing", __name__, url_prefix="/billing", description="The organisation's plan and billing"
)
BLUEPRINTS = [signup_blp, billing_blp]


# --- schemas -------------------------------------------------------------------


class PlanSchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    volunteer_limit = ma.fields.Integer(allow_none=True, required=True)
    monthly_price_cents = ma.fields.Integer(required=True)


class PlanList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PlanSchema), required=True)


class SignupRequest(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    slug = ma.fields.String(required=True, validate=ma.validate.Length(1, 63))
    business_id = ma.fields.String(required=True, validate=ma.validate.Length(1, 9))
    municipality = ma.fields.String(required=True, validate=ma.validate.Length(1, 100))
    contact_name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    contact_email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    billing_email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    plan = ma.fields.String(required=True, validate=ma.validate.OneOf(list(PLANS)))
    language = ma.fields.String(load_default="fi", validate=ma.validate.OneOf(LANGUAGES))
    einvoice_address = ma.fields.String(load_default="", validate=ma.validate.Length(max=35))
    einvoice_operator = ma.fields.String(load_default="", validate=ma.validate.Length(max=35))


class SignupAccepted(ma.Schema):
    status = ma.fields.String(required=True)


class SignupConfirm(ma.Schema):
    tenant = ma.fields.String(required=True, validate=ma.validate.Length(1, 63))
    token = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))


class SignupConfirmed(ma.Schema):
    tenant = ma.fields.String(required=True)
    set_password_url = ma.fields.String(required=True)


class BillingSchema(ma.Schema):
    self_service = ma.fields.Boolean(required=True)
    provider = ma.fields.String(required=True)
    plan = ma.fields.String(required=True)
    requested_plan = ma.fields.String(allow_none=True, required=True)
    state = ma.fields.String(required=True)
    read_only = ma.fields.Boolean(required=True)
    grace_ends_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    billing_email = ma.fields.String(allow_none=True, required=True)
    vat_id = ma.fields.String(allow_none=True, required=True)
    einvoice_address = ma.fields.String(allow_none=True, required=True)
    einvoice_operator = ma.fields.String(allow_none=True, required=True)


class BillingEdit(ma.Schema):
    billing_email = ma.fields.Email(validate=ma.validate.Length(max=254))
    einvoice_address = ma.fields.String(validate=ma.validate.Length(max=35))
    einvoice_operator = ma.fields.String(validate=ma.validate.Length(max=35))


class PlacesSchema(ma.Schema):
    plan = ma.fields.String(required=True)
    volunteer_limit = ma.fields.Integer(allow_none=True, required=True)
    active_volunteers = ma.fields.Integer(required=True)
    places_left = ma.fields.Integer(allow_none=True, required=True)
    message = ma.fields.String(required=True)


class CheckoutRequest(ma.Schema):
    plan = ma.fields.String(required=True, validate=ma.validate.OneOf(paid_plan_keys()))


class RedirectSchema(ma.Schema):
    url = ma.fields.String(required=True)


class WebhookAck(ma.Schema):
    received = ma.fields.Boolean(required=True)
    duplicate = ma.fields.Boolean(required=True)


# --- sign-up (public) ---------------------------------------------------------------

SIGNUP_THROTTLE_PREFIX = "addr:signup:"


def throttle_signup() -> None:
    """Every sign-up attempt counts against the caller's address (30 per 15 minutes)."""
    key = SIGNUP_THROTTLE_PREFIX + (request.remote_addr or "unknown")
    now = utcnow()
    with get_database().unit_of_work() as db:  # global table; committed even if sign-up fails
        wait = throttle.retry_after(db, [key], now)
        if not wait:
            throttle.record_failure(db, key, now)
    if wait:
        raise TooManyRequests(
            "Too many sign-ups from this address. Try again later.",
            headers={"Retry-After": str(wait)},
        )


# The sign-up pages (platform/pages/signup.py) call it by this name too.
_throttle_signup = throttle_signup


def _base_url() -> str:
    return str(current_app.config["TUKIVERKKO_SETTINGS"].base_url).rstrip("/")


@signup_blp.route("/plans")
class Plans(MethodView):
    @signup_blp.response(200, PlanList)
    def get(self) -> dict[str, Any]:
        """The plans, priced by the number of active volunteers (public)."""
        return {"items": list(PLANS.values())}


@signup_blp.route("")
class SignUp(MethodView):
    @signup_blp.arguments(SignupRequest)
    @signup_blp.response(202, SignupAccepted)
    def post(self, args: dict[str, Any]) -> dict[str, str]:
        """Sign an organisation up; a confirmation link goes to the contact person."""
        throttle_signup()
        tenant_id = uuid.uuid4()
        with context.bind(tenant_id=tenant_id), get_database().unit_of_work() as db:
            signup.sign_up(db, tenant_id=tenant_id, **args)
        return {"status": "confirmation_sent"}


@signup_blp.route("/confirm")
class ConfirmSignUp(MethodView):
    @signup_blp.arguments(SignupConfirm)
    @signup_blp.response(200, SignupConfirmed)
    def post(self, args: dict[str, Any]) -> dict[str, str]:
        """Confirm a sign-up with the emailed link's token: the organisation becomes active."""
        tenant = find_tenant_by_slug(get_database(), args["tenant"])
        if tenant is None:
            raise signup.invalid_link()
        with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
            tenant = db.get(Tenant, tenant.id)
            assert tenant is not None
            done = signup.confirm_signup(db, tenant, args["token"])
        return {
            "tenant": done.tenant.slug,
            "set_password_url": (
                f"{_base_url()}/t/{done.tenant.slug}/invitation/{done.invitation_token}"
            ),
        }


# --- the organisation's billing ------------------------------------------------------------


def _require_billing(db: Any, tenant_id: uuid.UUID) -> TenantBilling:
    billing = service.billing_of(db, tenant_id)
    if billing is None:
        raise Conflict(
            "Your organisation is not billed through self-service; the platform operator "
            "arranges its agreement.",
            code="billing_not_self_service",
        )
    return billing


def _details(tenant: Tenant, billing: TenantBilling, language: str) -> CustomerDetails:
    return CustomerDetails(
        tenant_id=str(tenant.id),
        name=tenant.name,
        business_id=tenant.business_id or "",
        vat_id=billing.vat_id,
        billing_email=billing.billing_email or tenant.contact_email,
        municipality=tenant.municipality,
        einvoice_address=billing.einvoice_address,
        einvoice_operator=billing.einvoice_operator,
        language=language,
    )


def _billing_view(billing: TenantBilling | None) -> dict[str, Any]:
    provider = current_provider()
    plan = service.plan_in_force(billing, enforced=provider.enforces_limits)
    grace_days = current_app.config["TUKIVERKKO_SETTINGS"].billing_grace_days
    return {
        "self_service": billing is not None,
        "provider": provider.name,
        "plan": plan.key,
        "requested_plan": billing.requested_plan if billing else None,
        "state": billing.state.value if billing else BillingState.FREE.value,
        "read_only": bool(billing and billing.read_only_since),
        "grace_ends_at": service.grace_ends(billing, grace_days) if billing else None,
        "billing_email": billing.billing_email if billing else None,
        "vat_id": billing.vat_id if billing else None,
        "einvoice_address": billing.einvoice_address if billing else None,
        "einvoice_operator": billing.einvoice_operator if billing else None,
    }


@billing_blp.route("")
class Billing(MethodView):
    @billing_blp.response(200, BillingSchema)
    def get(self) -> dict[str, Any]:
        """The organisation's plan, billing state and invoicing details."""
        principal = authorize(Permission.READ_BILLING)
        with get_database().unit_of_work() as db:
            return _billing_view(service.billing_of(db, principal.tenant_id))

    @billing_blp.arguments(BillingEdit)
    @billing_blp.response(200, BillingSchema)
    def patch(self, args: dict[str, Any]) -> dict[str, Any]:
        """Change the billing email and e-invoicing address (kept in step with Stripe)."""
        principal = authorize(Permission.MANAGE_BILLING)
        with get_database().unit_of_work() as db:
            billing = _require_billing(db, principal.tenant_id)
            for key, value in args.items():
                setattr(billing, key, value.strip().lower() if key == "billing_email" else value)
            if billing.stripe_customer_id:
                tenant = db.get(Tenant, principal.tenant_id)
                assert tenant is not None
                # Inside the transaction: if Stripe refuses, nothing is changed here either.
                current_provider().update_customer(
                    billing.stripe_customer_id, _details(tenant, billing, principal.language)
                )
            return _billing_view(billing)


@billing_blp.route("/places")
class VolunteerPlaces(MethodView):
    @billing_blp.response(200, PlacesSchema)
    def get(self) -> dict[str, Any]:
        """Volunteer places left on the plan ("you have 3 volunteer places left")."""
        principal = authorize(Permission.READ_BILLING)
        with get_database().unit_of_work() as db:
            found = service.places(db, principal.tenant_id)
        return {
            "plan": found.plan.key,
            "volunteer_limit": found.limit,
            "active_volunteers": found.active_volunteers,
            "places_left": found.left,
            "message": found.message(),
        }


@billing_blp.route("/checkout")
class Checkout(MethodView):
    @billing_blp.arguments(CheckoutRequest)
    @billing_blp.response(200, RedirectSchema)
    def post(self, args: dict[str, Any]) -> dict[str, str]:
        """A Stripe Checkout link that starts (or changes to) a paid plan (admins)."""
        principal = authorize(Permission.MANAGE_BILLING)
        provider = current_provider()
        base = f"{_base_url()}/t/{principal.tenant_slug}/billing"
        with get_database().unit_of_work() as db:
            billing = _require_billing(db, principal.tenant_id)
            tenant = db.get(Tenant, principal.tenant_id)
            assert tenant is not None
            if not billing.stripe_customer_id:
                billing.stripe_customer_id = provider.create_customer(
                    _details(tenant, billing, principal.language)
                )
            billing.requested_plan = args["plan"]
            url = provider.checkout_url(
                customer_id=billing.stripe_customer_id,
                tenant_id=str(tenant.id),
                plan_key=args["plan"],
                success_url=f"{base}?checkout=done",
                cancel_url=f"{base}?checkout=cancelled",
            )
        return {"url": url}


@billing_blp.route("/portal")
class Portal(MethodView):
    @billing_blp.response(200, RedirectSchema)
    def post(self) -> dict[str, str]:
        """A Stripe customer-portal link: cards, invoices, plan change, cancellation (admins)."""
        principal = authorize(Permission.MANAGE_BILLING)
        with get_database().unit_of_work() as db:
            billing = _require_billing(db, principal.tenant_id)
            customer = billing.stripe_customer_id
        if not customer:
            raise Conflict("Choose a paid plan first.", code="no_subscription")
        url = current_provider().portal_url(
            customer_id=customer, return_url=f"{_base_url()}/t/{principal.tenant_slug}/billing"
        )
        return {"url": url}


@billing_blp.route("/stripe/webhook")
class StripeWebhook(MethodView):
    @billing_blp.response(200, WebhookAck)
    def post(self) -> dict[str, bool]:
        """Stripe's webhook (public; refused with 400 unless Stripe's signature is valid)."""
        provider = current_provider()
        if provider.name != "stripe":
            raise NotFound("No such object.")
        event = provider.verify_webhook(
            request.get_data(), request.headers.get("Stripe-Signature", "")
        )
        received = webhooks.receive_event(get_database(), event)
        return {"received": True, "duplicate": received.duplicate}


# --- read-only mode: the one place it is enforced ------------------------------------------

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes a read-only organisation still needs: signing in and out, tokens and
# one's password (the API's `auth` blueprint and the sign-in pages), paying
# the bill (`billing`), and data protection (`privacy`: the export of all its
# data, people's access and erasure requests, leaving the platform), which an
# unpaid bill must never block. The billing and sign-up pages likewise
# (`billing_pages`, `signup_pages`). The sign-in pages are named one by one,
# because other pages share the `tenant_web` blueprint.
READ_ONLY_ALLOWED_BLUEPRINTS = frozenset(
    {"auth", "billing", "signup", "privacy", "billing_pages", "signup_pages"}
)
READ_ONLY_ALLOWED_ENDPOINTS = frozenset(
    {
        "tenant_web.login",
        "tenant_web.logout",
        "tenant_web.password_reset",
        "tenant_web.password_reset_confirm",
        "tenant_web.accept_invitation",
    }
)


def refuse_writes_when_read_only() -> None:
    """before_request: a read-only organisation's people may read and export, not write.

    Every request that could change something (any method but GET, HEAD and
    OPTIONS, on the API and on pages alike) by a signed-in person of an
    organisation in read-only mode is refused with `403 tenant_read_only`,
    except sign-in/sign-out and billing. Requests without a principal are
    left to the endpoint (public forms name an active tenant by slug).
    """
    if request.method in SAFE_METHODS:
        return
    endpoint = request.endpoint or ""
    if (
        endpoint in READ_ONLY_ALLOWED_ENDPOINTS
        or endpoint.split(".", 1)[0] in READ_ONLY_ALLOWED_BLUEPRINTS
    ):
        return
    principal = current_principal()
    if principal is None:
        return
    with get_database().unit_of_work() as db:
        read_only = service.is_read_only(db, principal.tenant_id)
    if read_only:
        raise service.TenantReadOnly(service.READ_ONLY_DETAIL)
