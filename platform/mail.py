"""Outgoing email: SMTP or Amazon SES when configured, otherwise .eml files in a local folder.

`send_many` sends a whole batch over ONE SMTP connection: opening a
connection (TCP, greeting, EHLO) costs more than a message, and a bulk
announcement is thousands of messages.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from flask import current_app
from flask_babel import force_locale

from tukiverkko.platform import jobs

log = logging.getLogger(__name__)

MESSAGE_ID_DOMAIN = "tukiverkko.fi"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    # The message's stable identity; also gives its Message-ID, so a copy sent
    # again after a crash is recognisably the same message.
    delivery_key: str = ""
    # The language it is written in (fi/sv/en): a Content-Language header, so
    # screen readers and mail clients read it right.
    language: str = ""


def message_id_for(delivery_key: str) -> str:
    """A Message-ID derived from the delivery key: equal for every attempt of one message."""
    digest = hashlib.sha256(delivery_key.encode()).hexdigest()[:40]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def build(settings: Any, email: Email) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = email.to
    msg["Subject"] = email.subject
    msg["Message-ID"] = (
        message_id_for(email.delivery_key)
        if email.delivery_key
        else make_msgid(domain=MESSAGE_ID_DOMAIN)
    )
    msg.set_content(email.body)
    if email.language:  # after set_content, which replaces the Content-* headers
        msg["Content-Language"] = email.language
    return msg


# `send(to, message_bytes)`; returns the provider's own message id when it has one (SES).
Sender = Callable[[str, bytes], str | None]

BACKENDS = ("smtp", "ses", "file")


def backend_of(settings: Any) -> str:
    """The email channel: the explicit setting, else SMTP if configured, else files."""
    chosen = getattr(settings, "mail_backend", "") or ("smtp" if settings.smtp_url else "file")
    if chosen not in BACKENDS:
        raise ValueError(f"TUKIVERKKO_MAIL_BACKEND must be one of {BACKENDS}, not {chosen!r}")
    return chosen


def ses_client(settings: Any) -> Any:
    """A boto3 SES client from the settings (empty values fall back to boto3's defaults)."""
    import boto3

    options: dict[str, Any] = {}
    if settings.ses_endpoint_url:
        options["endpoint_url"] = settings.ses_endpoint_url
    if settings.ses_region:
        options["region_name"] = settings.ses_region
    if settings.ses_access_key:
        options["aws_access_key_id"] = settings.ses_access_key
        options["aws_secret_access_key"] = settings.ses_secret_key
    return boto3.client("ses", **options)


@contextmanager
def connection(settings: Any) -> Iterator[Sender]:
    """A `send(to, message_bytes)` function over one connection: SMTP, SES or the mail folder.

    SES gets the very bytes SMTP would (`SendRawEmail`), so templates,
    headers and the delivery-key Message-ID are the same on both channels;
    one boto3 client (one kept-alive HTTPS connection) serves a whole batch.
    """
    backend = backend_of(settings)
    if backend == "ses":
        client = ses_client(settings)
        source = parseaddr(settings.mail_from)[1]

        def send_ses(to: str, data: bytes) -> str:
            answer = client.send_raw_email(
                Source=source, Destinations=[to], RawMessage={"Data": data}
            )
            return str(answer["MessageId"])

        yield send_ses
    elif backend == "smtp":
        url = urlparse(settings.smtp_url)
        sender = parseaddr(settings.mail_from)[1]
        with smtplib.SMTP(url.hostname or "127.0.0.1", url.port or 25, timeout=30) as smtp:

            def send_smtp(to: str, data: bytes) -> str | None:
                smtp.sendmail(sender, [to], data)
                return None

            yield send_smtp
    else:
        folder: Path = settings.mail_dir
        folder.mkdir(parents=True, exist_ok=True)

        def write_file(to: str, data: bytes) -> str | None:
            (folder / f"{uuid.uuid4().hex}.eml").write_bytes(data)
            return None

        yield write_file


class _Renderer:
    """Message bytes for many recipients of the same text, cheaply.

    Building an `EmailMessage` costs more than sending it (the header registry
    parses every header); in a batch most messages share subject and body, so
    everything but `To` and `Message-ID` is serialised once per distinct text.
    Addresses that are not plain ASCII take the full path.
    """

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.bodies: dict[tuple[str, str], bytes] = {}

    def __call__(self, email: Email) -> tuple[bytes, str]:
        message_id = (
            message_id_for(email.delivery_key)
            if email.delivery_key
            else make_msgid(domain=MESSAGE_ID_DOMAIN)
        )
        if not email.to.isascii() or "\n" in email.to or "\r" in email.to:
            msg = build(self.settings, email)
            return msg.as_bytes(policy=SMTP_POLICY), str(msg["Message-ID"])
        key = (email.subject, email.body, email.language)
        if key not in self.bodies:
            base = build(
                self.settings,
                Email(to="x@example.invalid", subject=key[0], body=key[1], language=key[2]),
            )
            del base["To"]
            del base["Message-ID"]
            self.bodies[key] = base.as_bytes(policy=SMTP_POLICY)
        head = f"To: {email.to}\r\nMessage-ID: {message_id}\r\n".encode("ascii")
        return head + self.bodies[key], message_id


def send_many(
    emails: list[Email], *, on_sent: Callable[[Email, str, str], None] | None = None
) -> int:
    """Send `emails` over one connection; `on_sent(email, message_id, channel)` after each.

    `message_id` is our Message-ID, or on SES the id SES gave the message
    (SES may rewrite the header; its id is what bounce reports name).

    `on_sent` runs as soon as the server has accepted a message, so a crash
    later in the batch does not make it send again. A recipient the server
    refuses for good is reported with channel "email_refused" and skipped;
    any other error stops the batch (the job is retried; sent ones are skipped).
    """
    settings = current_app.config["TUKIVERKKO_SETTINGS"]
    render = _Renderer(settings)
    sent = 0
    with connection(settings) as send:
        for email in emails:
            data, message_id = render(email)
            try:
                message_id = send(email.to, data) or message_id
            except smtplib.SMTPRecipientsRefused:
                log.warning("email refused by the server", extra={"key": email.delivery_key})
                if on_sent:
                    on_sent(email, message_id, "email_refused")
                continue
            sent += 1
            if on_sent:
                on_sent(email, message_id, "email")
    return sent


def queue_email(*, to: str, subject: str, body: str) -> None:
    """Send an email in the background (after the caller's work).

    Not transactional: for emails about a database change use the outbox
    (`notifications.notify`), which cannot lose them.
    """
    jobs.enqueue("tukiverkko.platform.mail:deliver", to=to, subject=subject, body=body)


def deliver(*, to: str, subject: str, body: str) -> str:
    """Job: deliver one message now. Returns its Message-ID."""
    settings = current_app.config["TUKIVERKKO_SETTINGS"]
    msg = build(settings, Email(to=to, subject=subject, body=body))
    with connection(settings) as send:
        send(to, msg.as_bytes(policy=SMTP_POLICY))
    return str(msg["Message-ID"])


def localized(language: str):  # type: ignore[no-untyped-def]
    """Render the email in the recipient's language: `with localized("sv"): ...`."""
    return force_locale(language)
