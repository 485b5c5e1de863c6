"""API: tokens, sign-out, one's own account, password reset and invitations."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from tukiverkko.platform import context
from tukiverkko.platform.auth import require_principal
from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.errors import Problem, TooManyRequests, Unauthorized
from tukiverkko.platform.identity import emails
from tukiverkko.platform.identity.models import TokenPurpose, User, UserStatus
from tukiverkko.platform.identity.passwords import verify_password
from tukiverkko.platform.identity.service import (
    Principal,
    consume_link_token,
    find_user_by_email,
    identity_claims,
    issue_link_token,
    load_principal,
    revoke_session,
    revoke_user_sessions,
    rotate_refresh_token,
    set_password,
    validate_password,
)
from tukiverkko.platform.identity.signin import (
    SignedIn,
    find_tenant_by_slug,
    sign_in_with_password,
)
from tukiverkko.platform.identity.tokens import AccessClaims, issue_access_token
from tukiverkko.tenants.models import Tenant, TenantStatus

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Sign-in and one's own account")

Slug = ma.fields.String(required=True, validate=ma.validate.Length(1, 63))
Email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
Password = ma.fields.String(required=True, validate=ma.validate.Length(1, 1024))
LinkToken = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))


class TokenRequest(ma.Schema):
    tenant = Slug
    email = Email
    password = Password


class RefreshRequest(ma.Schema):
    refresh_token = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))


class TokenResponse(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    refresh_token = ma.fields.String(required=True)


class MeSchema(ma.Schema):
    id = ma.fields.UUID(attribute="user_id", required=True)
    tenant_id = ma.fields.UUID(required=True)
    tenant = ma.fields.String(attribute="tenant_slug", required=True)
    tenant_kind = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    language = ma.fields.String(required=True)
    email_verified = ma.fields.Boolean(required=True)


class VerificationConfirm(ma.Schema):
    tenant = Slug
    token = LinkToken


class PasswordChange(ma.Schema):
    current_password = Password
    new_password = Password


class ResetRequest(ma.Schema):
    tenant = Slug
    email = Email


class ResetConfirm(ma.Schema):
    tenant = Slug
    token = LinkToken
    password = Password


class InvitationAccept(ma.Schema):
    tenant = Slug
    token = LinkToken
    password = Password


INVALID_CREDENTIALS = "The email address or the password is wrong."


def _tokens(principal: Principal, refresh_token: str) -> dict[str, Any]:
    settings = current_app.config["TUKIVERKKO_SETTINGS"]
    lifetime = settings.access_token_minutes * 60
    claims = AccessClaims(
        principal.user_id, principal.tenant_id, principal.session_id, identity_claims(principal)
    )
    return {
        "access_token": issue_access_token(settings.secret_key, claims, lifetime),
        "token_type": "Bearer",
        "expires_in": lifetime,
        "refresh_token": refresh_token,
    }


def _refresh_lifetime() -> timedelta:
    return timedelta(days=current_app.config["TUKIVERKKO_SETTINGS"].refresh_token_days)


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequest)
    @blp.response(200, TokenResponse)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Sign in with email and password under one's organisation."""
        outcome = sign_in_with_password(
            get_database(),
            tenant_slug=args["tenant"],
            email=args["email"],
            password=args["password"],
            ip=request.remote_addr or "",
            kind="api",
            lifetime=_refresh_lifetime(),
        )
        if not isinstance(outcome, SignedIn):
            if outcome.retry_after:
                raise TooManyRequests(
                    "Too many attempts. Try again later.",
                    headers={"Retry-After": str(outcome.retry_after)},
                )
            raise Unauthorized(INVALID_CREDENTIALS, code="invalid_credentials")
        assert outcome.refresh_token is not None
        with context.bind(tenant_id=outcome.tenant_id), get_database().unit_of_work() as db:
            principal = load_principal(db, outcome.session_id)
        if principal is None:  # suspended between the two transactions
            raise Unauthorized(INVALID_CREDENTIALS, code="invalid_credentials")
        return _tokens(principal, outcome.refresh_token)


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshRequest)
    @blp.response(200, TokenResponse)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Exchange a refresh token for new tokens; the old refresh token stops working."""
        raw = args["refresh_token"]
        tenant_part = raw.split(".", 1)[0]
        invalid = Unauthorized("The refresh token is not valid.", code="invalid_refresh_token")
        try:
            tenant_id = uuid.UUID(tenant_part)
        except ValueError:
            raise invalid from None
        with context.bind(tenant_id=tenant_id), get_database().unit_of_work() as db:
            rotated = rotate_refresh_token(db, raw)
            if rotated is None:
                raise invalid
            auth, new_token = rotated
            # The same standing check as every authenticated request.
            principal = load_principal(db, auth.id)
            if principal is None:
                raise invalid
        return _tokens(principal, new_token)


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self) -> None:
        """Sign out: this session's access and refresh tokens stop working at once."""
        principal = require_principal()
        with get_database().unit_of_work() as db:
            revoke_session(db, principal.session_id)


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self) -> dict[str, Any]:
        """The signed-in account."""
        principal = require_principal()
        with get_database().unit_of_work() as db:
            user = get_or_404(db, User, principal.user_id)
            verified = user.email_verified_at is not None
        return {**principal.__dict__, "email_verified": verified}


@blp.route("/password")
class ChangePassword(MethodView):
    @blp.arguments(PasswordChange)
    @blp.response(204)
    def post(self, args: dict[str, Any]) -> None:
        """Change one's password. Every other session is signed out."""
        principal = require_principal()
        with get_database().unit_of_work() as db:
            user = db.get(User, principal.user_id)
            assert user is not None
            if not verify_password(user.password_hash, args["current_password"]):
                raise Problem(
                    "The current password is wrong.",
                    code="wrong_password",
                    status=422,
                    errors={"json": {"current_password": ["Wrong password."]}},
                )
            set_password(db, user, args["new_password"])
            revoke_user_sessions(db, user.id)  # all, including this one: sign in again


@blp.route("/password-reset")
class PasswordReset(MethodView):
    @blp.arguments(ResetRequest)
    @blp.response(202)
    def post(self, args: dict[str, Any]) -> None:
        """Ask for a reset link. The answer is the same whether or not the account exists."""
        request_password_reset(args["tenant"], args["email"])


def request_password_reset(tenant_slug: str, email: str) -> None:
    """Email a reset link if such an active account exists; otherwise do nothing."""
    database = get_database()
    tenant = find_tenant_by_slug(database, tenant_slug)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        return
    with context.bind(tenant_id=tenant.id), database.unit_of_work() as db:
        user = find_user_by_email(db, tenant.id, email)
        if user is None or user.status != UserStatus.ACTIVE:
            return
        token = issue_link_token(db, user, TokenPurpose.PASSWORD_RESET)
        # In the same transaction as the token: the email goes out iff the token exists.
        emails.send_password_reset(db, user=user, tenant_slug=tenant.slug, token=token)


def _invalid_link() -> Problem:
    return Problem(
        "The link is not valid any more. Ask for a new one.", code="invalid_link", status=400
    )


def _link_tenant(tenant_slug: str) -> Tenant:
    """The active organisation an emailed link belongs to, or the invalid-link problem."""
    tenant = find_tenant_by_slug(get_database(), tenant_slug)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        raise _invalid_link()
    return tenant


def complete_link(tenant_slug: str, token: str, purpose: TokenPurpose, password: str) -> User:
    """Use a reset or invitation link to set a password. Raises a problem if the link is bad."""
    tenant = _link_tenant(tenant_slug)
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        user = consume_link_token(db, token, purpose)
        if user is None or user.status == UserStatus.DISABLED:
            raise _invalid_link()
        validate_password(password, user.email)
        set_password(db, user, password)
        if purpose == TokenPurpose.INVITATION:
            user.status = UserStatus.ACTIVE
        user.email_verified_at = user.email_verified_at or utcnow()
        return user


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(ResetConfirm)
    @blp.response(204)
    def post(self, args: dict[str, Any]) -> None:
        """Set a new password with the emailed link's token (works once)."""
        complete_link(args["tenant"], args["token"], TokenPurpose.PASSWORD_RESET, args["password"])


@blp.route("/email-verification")
class EmailVerification(MethodView):
    @blp.response(202)
    def post(self) -> None:
        """Send oneself a link that confirms the account's email address."""
        principal = require_principal()
        with get_database().unit_of_work() as db:
            user = get_or_404(db, User, principal.user_id)
            token = issue_link_token(db, user, TokenPurpose.EMAIL_VERIFICATION)
            emails.send_email_verification(
                db, user=user, tenant_slug=principal.tenant_slug, token=token
            )


def confirm_email(tenant_slug: str, token: str) -> None:
    """Mark an email address verified by its emailed link. Raises a problem if the link is bad."""
    tenant = _link_tenant(tenant_slug)
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        user = consume_link_token(db, token, TokenPurpose.EMAIL_VERIFICATION)
        if user is None:
            raise _invalid_link()
        user.email_verified_at = utcnow()


@blp.route("/email-verification/confirm")
class EmailVerificationConfirm(MethodView):
    @blp.arguments(VerificationConfirm)
    @blp.response(204)
    def post(self, args: dict[str, Any]) -> None:
        """Confirm the email address with the emailed link's token (works once)."""
        confirm_email(args["tenant"], args["token"])


@blp.route("/invitations/accept")
class AcceptInvitation(MethodView):
    @blp.arguments(InvitationAccept)
    @blp.response(204)
    def post(self, args: dict[str, Any]) -> None:
        """Accept an invitation by choosing a password (the link works once)."""
        complete_link(args["tenant"], args["token"], TokenPurpose.INVITATION, args["password"])
