"""Email over a real SMTP server on loopback: many messages, one connection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from tests.support.smtp import SmtpSink
from tukiverkko.platform import mail
from tukiverkko.platform.app import create_app


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_batch_goes_over_one_connection_with_stable_message_ids(
    app: Flask, smtp: SmtpSink
) -> None:
    smtp_app = create_app(replace(app.config["TUKIVERKKO_SETTINGS"], smtp_url=smtp.url))
    emails = [
        mail.Email(to=f"v{i}@example.fi", subject="Hei", body="Tervetuloa", delivery_key=f"k:{i}")
        for i in range(25)
    ]
    seen: list[tuple[str, str]] = []
    with smtp_app.app_context():
        sent = mail.send_many(emails, on_sent=lambda e, mid, ch: seen.append((mid, ch)))
    assert sent == 25
    assert smtp.sessions == 1
    assert smtp.recipients() == [e.to for e in emails]
    assert smtp.message_ids() == [mail.message_id_for(f"k:{i}") for i in range(25)]
    assert [ch for _, ch in seen] == ["email"] * 25
