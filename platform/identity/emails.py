"""The emails of sign-in: invitation, password reset, email verification.

They are essential notification kinds (nobody can turn them off) and go
through the outbox: the caller emits them inside the unit of work that
issues the link token, so the email goes out if and only if the token was
committed. They are rendered when delivered, in the recipient's language.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from tukiverkko.platform.identity.models import User
from tukiverkko.platform.notifications import kind, notify


def _link(tenant_slug: str, path: str, token: str) -> str:
    base = current_app.config["TUKIVERKKO_SETTINGS"].base_url.rstrip("/")
    return f"{base}/t/{tenant_slug}/{path}/{token}"


def _key(purpose: str, token: str) -> str:
    # One message per issued token; the key never contains the token itself.
    return f"{purpose}:{hashlib.sha256(token.encode()).hexdigest()}"


@kind("invitation", essential=True)
def render_invitation(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("You are invited to %(org)s on Tukiverkko", org=params["tenant_name"])
    body = _(
        "Hello,\n\n%(org)s has invited you to Tukiverkko. Set your password here:\n"
        "%(link)s\n\nThe link works once and expires in 7 days.",
        org=params["tenant_name"],
        link=_link(params["tenant_slug"], "invitation", params["token"]),
    )
    return subject, body


@kind("password_reset", essential=True)
def render_password_reset(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("Reset your Tukiverkko password")
    body = _(
        "Hello,\n\nSomeone asked to reset the password of this account. If it was you, "
        "choose a new password here:\n%(link)s\n\nThe link works once and expires in one "
        "hour. If it was not you, you can ignore this message.",
        link=_link(params["tenant_slug"], "password-reset", params["token"]),
    )
    return subject, body


@kind("email_verification", essential=True)
def render_email_verification(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("Confirm your email address")
    body = _(
        "Hello,\n\nConfirm that this is your email address:\n%(link)s\n\n"
        "The link works once and expires in 2 days.",
        link=_link(params["tenant_slug"], "verify-email", params["token"]),
    )
    return subject, body


def send_invitation(
    session: Session, *, user: User, tenant_name: str, tenant_slug: str, token: str
) -> None:
    """Emit the invitation email in the caller's transaction."""
    notify(
        session,
        "invitation",
        user_id=user.id,
        params={"tenant_name": tenant_name, "tenant_slug": tenant_slug, "token": token},
        delivery_key=_key("invitation", token),
        tenant_id=user.tenant_id,
    )


def send_password_reset(session: Session, *, user: User, tenant_slug: str, token: str) -> None:
    """Emit the password-reset email in the caller's transaction."""
    notify(
        session,
        "password_reset",
        user_id=user.id,
        params={"tenant_slug": tenant_slug, "token": token},
        delivery_key=_key("password_reset", token),
        tenant_id=user.tenant_id,
    )


def send_email_verification(session: Session, *, user: User, tenant_slug: str, token: str) -> None:
    """Emit the email-verification email in the caller's transaction."""
    notify(
        session,
        "email_verification",
        user_id=user.id,
        params={"tenant_slug": tenant_slug, "token": token},
        delivery_key=_key("email_verification", token),
        tenant_id=user.tenant_id,
    )
