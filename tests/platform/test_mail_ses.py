"""Email over Amazon SES (boto3 `SendRawEmail`) against moto's real HTTP server on loopback.

What SES stored is read back from moto's `/moto-api/data.json`. The same MIME
message goes out as over SMTP, and the delivery-key rule holds: a re-run
batch or a retried job sends nothing twice.
"""

from __future__ import annotations

import email
import email.policy
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from tests.factories import make_org
from tukiverkko.platform import context, mail, outbox
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.notifications import announce, notify, send_email_batch
from tukiverkko.platform.settings import Settings

REGION = "eu-north-1"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def settings(settings: Settings, moto_url: str) -> Settings:
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"))
    ses = replace(
        settings,
        mail_backend="ses",
        ses_endpoint_url=moto_url,
        ses_region=REGION,
        ses_access_key="testing",
        ses_secret_key="testing",
    )
    # SES sends only from a verified identity (as the real service does).
    mail.ses_client(ses).verify_email_identity(EmailAddress="noreply@tukiverkko.fi")
    return ses


def _sent(moto_url: str) -> list[dict[str, Any]]:
    data = json.loads(urllib.request.urlopen(f"{moto_url}/moto-api/data.json").read())
    return list(data["ses"]["RawMessage"])


def _parsed(raw: dict[str, Any]) -> email.message.EmailMessage:
    return email.message_from_string(raw["raw_data"], policy=email.policy.default)  # type: ignore[return-value]


def test_a_notification_goes_out_through_ses_once(
    app: Flask, database: Database, moto_url: str
) -> None:
    org = make_org(database)
    user_id = org.people[Role.VOLUNTEER]
    with app.app_context():
        with context.bind(tenant_id=org.id), database.unit_of_work() as s:
            notify(
                s, "announcement", user_id=user_id, delivery_key="ses-test:1",
                params={"subject": "Kevätretki", "body": "Lauantaina!", "organisation": "Tsemppi"},
            )  # fmt: skip
        # A retried job, or a worker that died after SES took it: the key was recorded.
        with context.bind(tenant_id=org.id):
            again = send_email_batch(
                "announcement", {"subject": "x", "body": "y"}, [user_id], "ses-test:1", single=True
            )
    assert again == 0
    (raw,) = _sent(moto_url)
    message = _parsed(raw)
    assert message["To"] == org.emails[Role.VOLUNTEER]
    assert message["Subject"] == "Kevätretki" and "Lauantaina!" in message.get_content()
    assert message["Message-ID"] == mail.message_id_for("ses-test:1")
    assert raw["source"] == "noreply@tukiverkko.fi"
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        (delivery,) = s.scalars(select(outbox.Delivery)).all()
    # The Delivery row names the id SES gave the message (what its bounce reports use).
    assert delivery.delivery_key == "ses-test:1" and delivery.message_id == raw["id"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_announcement_batch_goes_out_over_one_client_and_never_twice(
    app: Flask, database: Database, moto_url: str
) -> None:
    from tukiverkko.platform.identity.service import create_user

    org = make_org(database)
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        for i in range(12):
            create_user(
                s, tenant_id=org.id, email=f"v{i}@example.fi", name=f"V {i}",
                role=Role.VOLUNTEER, password="salasana-pitka-1",
            )  # fmt: skip
    with app.app_context(), context.bind(tenant_id=org.id), database.unit_of_work() as s:
        announce(s, author_id=org.people[Role.COORDINATOR], organisation="Tsemppi",
                 subject="Kevätretki", body="Lauantaina!")  # fmt: skip
    sent = _sent(moto_url)
    assert sorted(_parsed(r)["To"] for r in sent) == sorted(
        [f"v{i}@example.fi" for i in range(12)] + [org.emails[Role.VOLUNTEER]]
    )
    # Running every batch again (a redelivered job) sends nothing more.
    with app.app_context(), context.bind(tenant_id=org.id):
        ids = _volunteer_ids(database, org)
        prefix = _announcement_key(database, org)
        assert send_email_batch("announcement", {"subject": "x", "body": "y"}, ids, prefix) == 0
    assert len(_sent(moto_url)) == len(sent)


def _volunteer_ids(database: Database, org: Any) -> list[Any]:
    from tukiverkko.platform.identity.models import User

    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        return list(s.scalars(select(User.id).where(User.role == Role.VOLUNTEER)))


def _announcement_key(database: Database, org: Any) -> str:
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        return str(
            s.scalar(
                select(outbox.OutboxMessage.delivery_key).where(
                    outbox.OutboxMessage.kind == "announcement"
                )
            )
        )


def test_the_backend_is_chosen_by_setting(tmp_path: Any) -> None:
    base = Settings(var_dir=tmp_path).resolved()
    assert mail.backend_of(base) == "file"
    assert mail.backend_of(replace(base, smtp_url="smtp://127.0.0.1:25")) == "smtp"
    assert mail.backend_of(replace(base, mail_backend="ses")) == "ses"
    with pytest.raises(ValueError, match="TUKIVERKKO_MAIL_BACKEND"):
        mail.backend_of(replace(base, mail_backend="pigeon"))
