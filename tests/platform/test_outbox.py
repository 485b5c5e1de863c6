"""The outbox: messages commit with the change, are carried out once, failures stay visible."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_org, token_for
from tukiverkko.platform import context, outbox
from tukiverkko.platform.app import create_app
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role, User
from tukiverkko.platform.jobs import MAX_ATTEMPTS
from tukiverkko.platform.notifications import notify


def _mails(app: Flask) -> list[email.message.EmailMessage]:
    folder: Path = app.config["TUKIVERKKO_SETTINGS"].mail_dir
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def _rows(database: Database) -> list[outbox.OutboxMessage]:
    with context.cross_tenant("test"), database.unit_of_work() as s:
        return list(s.scalars(select(outbox.OutboxMessage)))


def test_a_rolled_back_change_sends_nothing(app: Flask, database: Database) -> None:
    org = make_org(database)
    with (
        app.app_context(),
        pytest.raises(RuntimeError),
        context.bind(tenant_id=org.id),
        database.unit_of_work() as s,
    ):
        notify(
            s, "password_reset", user_id=org.people[Role.VOLUNTEER],
            params={"tenant_slug": org.slug, "token": "t"}, delivery_key="k-rollback",
        )  # fmt: skip
        raise RuntimeError("the change fails")
    assert _rows(database) == []
    assert _mails(app) == []


def test_invitation_is_committed_with_the_account_and_sent_once_in_its_language(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    resp = client.post(
        "/api/v1/users/invitations",
        json={"email": "uusi@example.fi", "name": "Uusi", "language": "sv"},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    (row,) = _rows(database)
    assert row.status == outbox.OutboxStatus.DONE and row.attempts == 1
    assert row.payload == {}  # the raw link token does not stay in the database
    assert row.tenant_id == org.id
    (sent,) = _mails(app)
    assert sent["To"] == "uusi@example.fi"
    assert sent["Subject"].endswith("bjuder in dig till Tukiverkko")  # the recipient's language
    # A second run of the same message (a duplicate job) sends nothing.
    with app.app_context(), context.bind(tenant_id=org.id):
        assert outbox.process_message(str(row.id)) == "skipped"
    assert len(_mails(app)) == 1


def test_a_message_already_delivered_is_not_sent_again_even_if_its_row_is_not_done(
    app: Flask, database: Database
) -> None:
    # The worker died after the send was recorded but before the row was marked done.
    org = make_org(database)
    with app.app_context(), context.bind(tenant_id=org.id), database.unit_of_work() as s:
        notify(
            s, "password_reset", user_id=org.people[Role.VOLUNTEER],
            params={"tenant_slug": org.slug, "token": "t1"}, delivery_key="reset:1",
        )  # fmt: skip
    assert len(_mails(app)) == 1
    with context.cross_tenant("test"), database.unit_of_work() as s:
        row = s.scalars(select(outbox.OutboxMessage)).one()
        row.status = outbox.OutboxStatus.DISPATCHED
        row.payload = {"kind": "password_reset", "user_id": str(org.people[Role.VOLUNTEER]),
                       "params": {"tenant_slug": org.slug, "token": "t1"}}  # fmt: skip
    with app.app_context(), context.bind(tenant_id=org.id):
        assert outbox.process_message(str(row.id)) == "done"
    assert len(_mails(app)) == 1


def test_failures_back_off_then_stay_visible_and_can_be_revived(
    app: Flask, database: Database
) -> None:
    org = make_org(database)
    broken = create_app(replace(app.config["TUKIVERKKO_SETTINGS"], smtp_url="smtp://127.0.0.1:1"))
    with broken.app_context(), context.bind(tenant_id=org.id), database.unit_of_work() as s:
        notify(
            s, "password_reset", user_id=org.people[Role.VOLUNTEER],
            params={"tenant_slug": org.slug, "token": "t"}, delivery_key="reset:fails",
        )  # fmt: skip
    (row,) = _rows(database)
    assert row.status == outbox.OutboxStatus.DISPATCHED and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.available_at > row.created_at  # not due again at once
    with broken.app_context(), context.bind(tenant_id=org.id):
        for _ in range(MAX_ATTEMPTS - 1):
            with pytest.raises(OSError):
                outbox.process_message(str(row.id))
    (row,) = _rows(database)
    assert row.status == outbox.OutboxStatus.FAILED and row.attempts == MAX_ATTEMPTS
    with broken.app_context():
        from tukiverkko.workers.failed import list_failed, retry

        (item,) = list_failed(with_rq=False)
        assert item.id == f"outbox:{row.id}" and "ConnectionRefused" in item.error
    with app.app_context():  # the mail server is back
        assert retry([item.id], with_rq=False) == 1
    (row,) = _rows(database)
    assert row.status == outbox.OutboxStatus.DONE
    assert len(_mails(app)) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_with_redis_down_writes_succeed_and_messages_wait(
    app: Flask, database: Database, tmp_path: Path
) -> None:
    from tests.support.services import free_port

    settings = replace(
        app.config["TUKIVERKKO_SETTINGS"],
        job_backend="rq",
        redis_url=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    )
    rq_app = create_app(settings)
    client = rq_app.test_client()
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    resp = client.post(
        "/api/v1/users/invitations",
        json={"email": "odottaa@example.fi", "name": "Odottaa"},
        headers=admin,
    )
    assert resp.status_code == 201
    (row,) = _rows(database)
    assert row.status == outbox.OutboxStatus.PENDING
    with context.cross_tenant("test"), database.unit_of_work() as s:
        assert s.scalars(select(User).where(User.email == "odottaa@example.fi")).one()
    with rq_app.app_context(), pytest.raises(Exception, match="Connect"):
        outbox.dispatch_due()
    (row,) = _rows(database)
    assert row.status == outbox.OutboxStatus.PENDING  # still there for the next sweep
