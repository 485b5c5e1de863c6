"""Outgoing email: SMTP when configured, otherwise .eml files in a local folder."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlparse

from flask import current_app
from flask_babel import force_locale

from tukiverkko.platform import jobs


def queue_email(*, to: str, subject: str, body: str) -> None:
    """Send an email in the background (after the caller's work)."""
    jobs.enqueue("tukiverkko.platform.mail:deliver", to=to, subject=subject, body=body)


def deliver(*, to: str, subject: str, body: str) -> str:
    """Job: deliver one message now. Returns its Message-ID."""
    settings = current_app.config["TUKIVERKKO_SETTINGS"]
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="tukiverkko.fi")
    msg.set_content(body)
    if settings.smtp_url:
        url = urlparse(settings.smtp_url)
        with smtplib.SMTP(url.hostname or "127.0.0.1", url.port or 25, timeout=30) as smtp:
            smtp.send_message(msg)
    else:
        settings.mail_dir.mkdir(parents=True, exist_ok=True)
        (settings.mail_dir / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(msg))
    return str(msg["Message-ID"])


def localized(language: str):  # type: ignore[no-untyped-def]
    """Render the email in the recipient's language: `with localized("sv"): ...`."""
    return force_locale(language)
