"""Pages of one organisation: sign-in, sign-out, password reset, invitations."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tukiverkko.platform import context
from tukiverkko.platform.auth import WEB_SESSION_KEY, current_principal
from tukiverkko.platform.db import get_database
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.i18n import LANG_COOKIE
from tukiverkko.platform.identity import api as identity_api
from tukiverkko.platform.identity.forms import (
    LoginForm,
    LogoutForm,
    NewPasswordForm,
    ResetRequestForm,
)
from tukiverkko.platform.identity.models import TokenPurpose
from tukiverkko.platform.identity.service import WEB_SESSION_LIFETIME, Principal, revoke_session
from tukiverkko.platform.identity.signin import SignedIn, find_tenant_by_slug, sign_in_with_password
from tukiverkko.tenants.models import Tenant, TenantStatus

blp = Blueprint("tenant_web", __name__, url_prefix="/t/<slug>")


def load_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """URL preprocessor of `/t/<slug>/…` pages: the organisation into `g.tenant`, or 404."""
    slug = (values or {}).pop("slug", "")
    tenant = find_tenant_by_slug(get_database(), slug)
    if tenant is None or tenant.status == TenantStatus.CLOSED:
        abort(404)
    g.tenant = tenant


def add_slug(endpoint: str, values: dict[str, Any]) -> None:
    """URL defaults of `/t/<slug>/…` pages: links stay within the current organisation."""
    if "slug" not in values and "tenant" in g:
        values["slug"] = g.tenant.slug


blp.url_value_preprocessor(load_tenant)
blp.url_defaults(add_slug)


def begin_web_session(signed: SignedIn, next_url: str | None = None) -> Response:
    """Put a fresh session in the cookie (a new id: no fixation) and go on.

    `next_url` (the page that asked for sign-in) is followed only if it is a
    page of this organisation; otherwise the start page.
    """
    from tukiverkko.platform.pages.frame import safe_next

    session.clear()
    session[WEB_SESSION_KEY] = str(signed.session_id)
    session["tid"] = str(signed.tenant_id)
    session.permanent = True
    response = redirect(safe_next(next_url) or url_for("tenant_web.start"))
    response.set_cookie(LANG_COOKIE, signed.language, max_age=365 * 86400, samesite="Lax")
    return response


def tenant_principal() -> Principal | None:
    """The signed-in person, if they belong to the organisation of this page."""
    principal = current_principal()
    if principal is None or principal.tenant_id != g.tenant.id:
        return None
    return principal


@blp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    tenant: Tenant = g.tenant
    form = LoginForm()
    error, status = None, 200
    if tenant.status != TenantStatus.ACTIVE:
        error = _("Signing in to this organisation is not possible at the moment.")
    elif form.validate_on_submit():
        outcome = sign_in_with_password(
            get_database(),
            tenant_slug=tenant.slug,
            email=form.email.data or "",
            password=form.password.data or "",
            ip=request.remote_addr or "",
            kind="web",
            lifetime=WEB_SESSION_LIFETIME,
        )
        if isinstance(outcome, SignedIn):
            return begin_web_session(outcome, request.args.get("next"))
        if outcome.retry_after:
            error, status = (
                _(
                    "Too many attempts. Try again in %(seconds)s seconds.",
                    seconds=outcome.retry_after,
                ),
                429,
            )
        else:
            error, status = _("The email address or the password is wrong."), 401
    elif form.is_submitted():
        status = 422
    form.password.data = ""
    sso = _sso_enabled(tenant)
    return render_template("auth/login.html", form=form, error=error, sso=sso), status


def _sso_enabled(tenant: Tenant) -> bool:
    from sqlalchemy import select

    from tukiverkko.platform.identity.models import SsoProvider

    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        return bool(db.scalar(select(SsoProvider.enabled).where(SsoProvider.enabled.is_(True))))


@blp.post("/logout")
def logout() -> Response:
    form = LogoutForm()
    principal = tenant_principal()
    if form.validate_on_submit() and principal is not None:
        with get_database().unit_of_work() as db:
            revoke_session(db, principal.session_id)
    session.clear()
    return redirect(url_for("tenant_web.login"))


@blp.get("/")
def start() -> Any:
    principal = tenant_principal()
    if principal is None:
        return redirect(url_for("tenant_web.login"))
    from tukiverkko.platform.pages.dashboard import dashboard  # the role-aware start page

    return dashboard(principal)


@blp.route("/password-reset", methods=["GET", "POST"])
def password_reset() -> Any:
    form = ResetRequestForm()
    if form.validate_on_submit():
        identity_api.request_password_reset(g.tenant.slug, form.email.data or "")
        return render_template(
            "auth/message.html",
            title=_("Check your email"),
            message=_(
                "If an account with that address exists, we sent a link for choosing a new "
                "password. The link works for one hour."
            ),
        )
    return render_template("auth/password_reset.html", form=form), (
        422 if form.is_submitted() else 200
    )


def _set_password_page(token: str, purpose: TokenPurpose, title: str) -> Any:
    form = NewPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            identity_api.complete_link(g.tenant.slug, token, purpose, form.password.data or "")
        except Problem as problem:
            error = (
                _("The link is not valid any more. Ask for a new one.")
                if problem.code == "invalid_link"
                else _("Choose a longer password that is not your email address.")
            )
        else:
            return render_template(
                "auth/message.html",
                title=_("Password saved"),
                message=_("You can now sign in with your new password."),
                login_link=True,
            )
    status = 422 if form.is_submitted() else 200
    return render_template("auth/set_password.html", form=form, title=title, error=error), status


@blp.route("/password-reset/<token>", methods=["GET", "POST"])
def password_reset_confirm(token: str) -> Any:
    return _set_password_page(token, TokenPurpose.PASSWORD_RESET, _("Choose a new password"))


@blp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    return _set_password_page(token, TokenPurpose.INVITATION, _("Welcome! Choose your password"))


@blp.get("/verify-email/<token>")
def verify_email(token: str) -> Any:
    try:
        identity_api.confirm_email(g.tenant.slug, token)
    except Problem:
        message, status = _("The link is not valid any more. Ask for a new one."), 400
    else:
        message, status = _("Your email address is confirmed. Thank you!"), 200
    return render_template(
        "auth/message.html", title=_("Confirm your email address"), message=message
    ), status
