"""Public sign-up pages of an organisation (`/signup`), outside any organisation's pages.

1. `/signup`: the organisation, its Y-tunnus, municipality, contact person,
   billing contact and plan → `tenants.signup.sign_up` (the same service and
   the same throttle per address as `POST /api/v1/signup`) → `/signup/sent`
   (check your email).
2. `/signup/<slug>/confirm/<token>`: the emailed link. Opening it shows a
   button; the POST confirms (a mail scanner that opens links changes
   nothing) and leads to choosing a password (the invitation page).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tukiverkko.platform import context
from tukiverkko.platform.db import get_database, unit_of_work
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.signin import find_tenant_by_slug
from tukiverkko.platform.pages.frame import FORM_NOT_VALID
from tukiverkko.platform.pages.problem_text import show_problem
from tukiverkko.platform.pages.signup_forms import ConfirmForm, SignupForm
from tukiverkko.tenants import signup
from tukiverkko.tenants.billing.plans import PLANS
from tukiverkko.tenants.models import Tenant

blp = Blueprint("signup_pages", __name__, url_prefix="/signup")

# A conflict of the service that belongs to one field of the form.
_CONFLICT_FIELDS = {"slug_taken": "slug", "business_id_taken": "business_id"}


def _plan_choices() -> list[tuple[str, str]]:
    choices = []
    for plan in PLANS.values():
        if plan.is_paid:
            label = _(
                "%(name)s: up to %(limit)s active volunteers, %(price)s € a month + VAT",
                name=plan.name,
                limit=plan.volunteer_limit,
                price=f"{plan.monthly_price_cents / 100:.2f}",
            )
        else:
            label = _(
                "%(name)s: up to %(limit)s active volunteers, free",
                name=plan.name,
                limit=plan.volunteer_limit,
            )
        choices.append((plan.key, label))
    return choices


@blp.route("", methods=["GET", "POST"])
def start() -> Any:
    """The sign-up form; on success, a page that says to check the email."""
    from tukiverkko.tenants.billing import api as billing_api

    form = SignupForm()
    form.plan.choices = _plan_choices()
    if not form.is_submitted():
        form.language.data = str(get_locale() or "fi")
        return render_template("pages/signup/start.html", form=form, error=None)
    error, status = str(FORM_NOT_VALID), 422
    if form.validate():
        tenant_id = uuid.uuid4()
        try:
            billing_api._throttle_signup()  # counts every attempt against the address
            with context.bind(tenant_id=tenant_id), unit_of_work() as db:
                signup.sign_up(
                    db,
                    tenant_id=tenant_id,
                    name=form.name.data or "",
                    slug=form.slug.data or "",
                    business_id=form.business_id.data or "",
                    municipality=form.municipality.data or "",
                    contact_name=form.contact_name.data or "",
                    contact_email=form.contact_email.data or "",
                    billing_email=form.billing_email.data or "",
                    plan=form.plan.data or "",
                    language=form.language.data or "fi",
                    einvoice_address=form.einvoice_address.data or "",
                    einvoice_operator=form.einvoice_operator.data or "",
                )
        except Problem as problem:
            field = _CONFLICT_FIELDS.get(problem.code)
            if field and not problem.errors:
                problem.errors = {field: ["-"]}
            error, status = show_problem(form, problem), problem.status
        else:
            return redirect(url_for(".sent"))
    return render_template("pages/signup/start.html", form=form, error=error), status


@blp.get("/sent")
def sent() -> str:
    """Check your email: the confirmation link is on its way."""
    return render_template("pages/signup/sent.html")


def _pending(slug: str) -> Tenant | None:
    return find_tenant_by_slug(get_database(), slug)


@blp.route("/<slug>/confirm/<token>", methods=["GET", "POST"])
def confirm(slug: str, token: str) -> Any:
    """The emailed link: a button that activates the organisation, then choose a password."""
    form = ConfirmForm()
    tenant = _pending(slug)
    if not form.validate_on_submit():
        if form.is_submitted():
            return render_template("pages/signup/confirm.html", form=form, tenant=tenant), 400
        return render_template("pages/signup/confirm.html", form=form, tenant=tenant)
    try:
        if tenant is None:
            raise signup.invalid_link()
        with context.bind(tenant_id=tenant.id), unit_of_work() as db:
            found = db.get(Tenant, tenant.id)
            assert found is not None
            done = signup.confirm_signup(db, found, token)
            invitation = done.invitation_token
    except Problem as problem:
        # The page says the link is not valid; nothing else is revealed.
        return render_template("pages/signup/confirm.html", form=None, tenant=None), problem.status
    return _to_password(slug, invitation)


def _to_password(slug: str, invitation: str) -> Response:
    flash(_("Your organisation is active. Choose your password to sign in."))
    return redirect(url_for("tenant_web.accept_invitation", slug=slug, token=invitation))
