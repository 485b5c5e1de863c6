"""The outbox end to end: real Redis, real RQ worker processes, a real SMTP server.

A worker killed with SIGKILL in the middle of a job, then restarted, delivers
the message once; Redis stopped during writes loses nothing. Each test starts
its own Redis (it stops it, or must not see other tests' jobs).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import make_org, token_for
from tests.support.services import RedisServer
from tests.support.smtp import SmtpSink
from tukiverkko.platform import context, outbox
from tukiverkko.platform.app import create_app
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.settings import Settings

ROOT = Path(__file__).parents[2]
LEASE = 2

pytestmark = [pytest.mark.parametrize("backend", ["sqlite"]), pytest.mark.slow]


@pytest.fixture
def redis(own_redis: RedisServer) -> RedisServer:
    return own_redis


def _settings(app: Flask, redis: RedisServer, smtp: SmtpSink, **extra: object) -> Settings:
    return replace(
        app.config["TUKIVERKKO_SETTINGS"],
        job_backend="rq",
        redis_url=redis.url,
        smtp_url=smtp.url,
        outbox_lease_seconds=LEASE,
        **extra,  # type: ignore[arg-type]
    )


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "TUKIVERKKO_ENV": "test",
        "TUKIVERKKO_SECRET_KEY": settings.secret_key,
        "TUKIVERKKO_VAR_DIR": str(settings.var_dir),
        "TUKIVERKKO_DATABASE_URL": settings.database_url,
        "TUKIVERKKO_REDIS_URL": settings.redis_url,
        "TUKIVERKKO_JOB_BACKEND": "rq",
        "TUKIVERKKO_SMTP_URL": settings.smtp_url,
        "TUKIVERKKO_OUTBOX_LEASE_SECONDS": str(settings.outbox_lease_seconds),
        "TUKIVERKKO_OUTBOX_REDISPATCH_SECONDS": str(settings.outbox_redispatch_seconds),
        "TUKIVERKKO_LOG_JSON": "true",
    }


def _worker(settings: Settings, *, burst: bool) -> subprocess.Popen[str]:
    # Its own process group: SIGKILL must take the work horse and the
    # scheduler process down with the worker, as a machine crash would.
    return subprocess.Popen(
        [sys.executable, "-m", "tukiverkko", "worker", *(["--burst"] if burst else [])],
        cwd=ROOT, env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip


def _burst(settings: Settings) -> str:
    proc = _worker(settings, burst=True)
    out, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, out
    return out


def _invite(app: Flask, database: Database, org_slug_org, email_address: str) -> int:  # type: ignore[no-untyped-def]
    client = app.test_client()
    resp = client.post(
        "/api/v1/users/invitations",
        json={"email": email_address, "name": "Vapaaehtoinen"},
        headers=token_for(client, org_slug_org, Role.COORDINATOR),
    )
    return resp.status_code


def _outbox(database: Database) -> list[outbox.OutboxMessage]:
    with context.cross_tenant("test"), database.unit_of_work() as s:
        return list(s.scalars(select(outbox.OutboxMessage)))


def _deliveries(database: Database) -> int:
    with context.cross_tenant("test"), database.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(outbox.Delivery)) or 0)


def _kill_session(session_id: int) -> None:
    """SIGKILL every process of a session: RQ puts its work horse in a process group
    of its own, but it stays in the worker's session."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id:  # field 6 of stat: the session id
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def _kill_mid_send(settings: Settings, smtp: SmtpSink) -> None:
    worker = _worker(settings, burst=False)
    try:
        assert smtp.holding.wait(60), "the job never reached the SMTP server"
    finally:
        _kill_session(worker.pid)  # like a machine that lost power
        worker.wait(10)
    smtp.release.set()  # the conversation's socket is gone with the worker
    time.sleep(LEASE + 0.5)  # the dead job's claim runs out


def test_worker_killed_before_the_server_took_the_message_delivers_it_once_after_restart(
    app: Flask, database: Database, redis: RedisServer
) -> None:
    smtp = SmtpSink(hold="rcpt").start()
    try:
        settings = _settings(app, redis, smtp)
        producer = create_app(settings)
        org = make_org(database)
        assert _invite(producer, database, org, "kerran@example.fi") == 201
        (row,) = _outbox(database)
        assert row.status == outbox.OutboxStatus.DISPATCHED
        _kill_mid_send(settings, smtp)
        assert smtp.recipients() == []
        _burst(settings)  # restarted: its first sweep finds the abandoned message
        assert smtp.recipients() == ["kerran@example.fi"]
        (row,) = _outbox(database)
        assert row.status == outbox.OutboxStatus.DONE and row.attempts == 2
        assert _deliveries(database) == 1
        _burst(settings)  # and nothing more, ever
        assert smtp.recipients() == ["kerran@example.fi"]
    finally:
        smtp.stop()


def test_worker_killed_after_the_server_took_the_message_resends_the_same_message_id(
    app: Flask, database: Database, redis: RedisServer
) -> None:
    """The residual window (docs/notifications.md): the server stored the message but
    the sender died before the server's 250. The sender cannot tell, so it sends
    again, and the copy carries the same Message-ID for the receiving side to drop."""
    smtp = SmtpSink(hold="data").start()
    try:
        settings = _settings(app, redis, smtp)
        producer = create_app(settings)
        org = make_org(database)
        assert _invite(producer, database, org, "ikkuna@example.fi") == 201
        _kill_mid_send(settings, smtp)
        _burst(settings)
        assert smtp.recipients() == ["ikkuna@example.fi", "ikkuna@example.fi"]
        assert len(set(smtp.message_ids())) == 1
        assert _deliveries(database) == 1
        (row,) = _outbox(database)
        assert row.status == outbox.OutboxStatus.DONE
    finally:
        smtp.stop()


def test_redis_stopped_during_writes_loses_nothing(
    app: Flask, database: Database, redis: RedisServer
) -> None:
    smtp = SmtpSink().start()
    try:
        settings = _settings(app, redis, smtp, outbox_redispatch_seconds=1)
        producer = create_app(settings)
        org = make_org(database)
        # Queued while Redis is up; Redis then goes down without saving (the job is gone).
        assert _invite(producer, database, org, "ennen@example.fi") == 201
        redis.stop()
        started = time.monotonic()
        codes = [_invite(producer, database, org, f"aikana{i}@example.fi") for i in range(3)]
        assert codes == [201, 201, 201]  # the API keeps accepting writes
        assert time.monotonic() - started < 10
        statuses = sorted(r.status.value for r in _outbox(database))
        assert statuses == ["dispatched", "pending", "pending", "pending"]
        RedisServer(redis.root, port=redis.port).start()  # back, empty
        time.sleep(1.2)  # the lost job's redispatch time passes
        _burst(settings)
        assert sorted(smtp.recipients()) == sorted(
            ["ennen@example.fi"] + [f"aikana{i}@example.fi" for i in range(3)]
        )
        assert {r.status for r in _outbox(database)} == {outbox.OutboxStatus.DONE}
    finally:
        smtp.stop()
