"""The emails of sign-in: invitation, password reset, email verification."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from tukiverkko.platform.mail import localized, queue_email


def _link(tenant_slug: str, path: str, token: str) -> str:
    base = current_app.config["TUKIVERKKO_SETTINGS"].base_url.rstrip("/")
    return f"{base}/t/{tenant_slug}/{path}/{token}"


def send_invitation(
    *, to: str, language: str, tenant_name: str, tenant_slug: str, token: str
) -> None:
    with localized(language):
        subject = _("You are invited to %(org)s on Tukiverkko", org=tenant_name)
        body = _(
            "Hello,\n\n%(org)s has invited you to Tukiverkko. Set your password here:\n"
            "%(link)s\n\nThe link works once and expires in 7 days.",
            org=tenant_name,
            link=_link(tenant_slug, "invitation", token),
        )
    queue_email(to=to, subject=subject, body=body)


def send_password_reset(*, to: str, language: str, tenant_slug: str, token: str) -> None:
    with localized(language):
        subject = _("Reset your Tukiverkko password")
        body = _(
            "Hello,\n\nSomeone asked to reset the password of this account. If it was you, "
            "choose a new password here:\n%(link)s\n\nThe link works once and expires in one "
            "hour. If it was not you, you can ignore this message.",
            link=_link(tenant_slug, "password-reset", token),
        )
    queue_email(to=to, subject=subject, body=body)


def send_email_verification(*, to: str, language: str, tenant_slug: str, token: str) -> None:
    with localized(language):
        subject = _("Confirm your email address")
        body = _(
            "Hello,\n\nConfirm that this is your email address:\n%(link)s\n\n"
            "The link works once and expires in 2 days.",
            link=_link(tenant_slug, "verify-email", token),
        )
    queue_email(to=to, subject=subject, body=body)
