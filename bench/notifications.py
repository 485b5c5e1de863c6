"""Benchmark: an announcement to 10,000 volunteers, through the outbox, RQ and SMTP.

    .venv/bin/python bench/notifications.py [--volunteers 10000] [--database postgresql|sqlite]

Starts its own Redis and an aiosmtpd sink on loopback, a database in a
temporary folder (PostgreSQL with row-level security, connected as the
non-owner app role, when PostgreSQL is installed; otherwise SQLite), and one
real `tukiverkko worker` process (RQ's forking worker). Prints:

- announce: the announcing transaction plus handing the message to RQ;
- fan-out: until every inbox entry is written and every email batch is queued;
- send rate: emails accepted by the SMTP sink per second, first to last.

Targets (issue 8): queued in under 5 s, at least 200 emails/s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from tests.support.services import (  # noqa: E402
    APP_ROLE,
    OWNER_ROLE,
    PostgresServer,
    RedisServer,
    free_port,
)
from tukiverkko.platform import context, outbox  # noqa: E402
from tukiverkko.platform.app import create_app  # noqa: E402
from tukiverkko.platform.identity.models import Role, User, UserStatus  # noqa: E402
from tukiverkko.platform.migrate import upgrade  # noqa: E402
from tukiverkko.platform.notifications import Notification, announce  # noqa: E402
from tukiverkko.platform.settings import Settings  # noqa: E402
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus  # noqa: E402


class CountingSink:
    """Accepts every message and notes when it arrived."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.times.append(time.perf_counter())
        return "250 OK"


def _wait_until_ready(redis_url: str, timeout: float = 180) -> None:
    """Until the worker has registered and run its start-up sweep (slow on a busy machine)."""
    import redis as redis_lib
    from rq import Worker

    connection = redis_lib.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = Worker.all(connection=connection)
        idle = all(w.get_state() == "idle" for w in workers)
        if workers and idle and connection.llen("rq:queue:default") == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("the worker did not come up")


def _postgres_available() -> bool:
    import glob
    import shutil

    return bool(glob.glob("/usr/lib/postgresql/*/bin/postgres") or shutil.which("postgres"))


def _database(kind: str, tmp: Path) -> tuple[dict[str, str], PostgresServer | None]:
    """Settings for a fresh database of `kind`, and the server to stop afterwards."""
    if kind == "sqlite":
        return {}, None
    server = PostgresServer(tmp / "pg").start()
    server.sql("postgres", f"CREATE DATABASE bench OWNER {OWNER_ROLE}")
    return {
        "database_url": server.url("bench", APP_ROLE),
        "database_migration_url": server.url("bench"),
        "database_app_role": APP_ROLE,
    }, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument(
        "--database",
        choices=("postgresql", "sqlite"),
        default="postgresql" if _postgres_available() else "sqlite",
    )
    args = parser.parse_args()
    n = args.volunteers

    tmp = Path(tempfile.mkdtemp(prefix="tukiverkko-bench-"))
    tmp.chmod(0o755)  # PostgreSQL runs as its own system user when we are root
    database_settings, postgres = _database(args.database, tmp)
    redis = RedisServer(tmp / "redis").start()
    sink = CountingSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings = Settings(
        env="test",
        secret_key="bench",
        var_dir=tmp,
        job_backend="rq",
        redis_url=redis.url,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        log_json=False,
        log_level="WARNING",
        **database_settings,  # type: ignore[arg-type]
    ).resolved()
    upgrade(settings)
    app = create_app(settings)
    database = app.extensions["tukiverkko.db"]
    worker = None
    try:
        with context.cross_tenant("bench data"), database.unit_of_work() as s:
            tenant = Tenant(
                slug="bench", name="Bench ry", kind=TenantKind.PARTNER,
                status=TenantStatus.ACTIVE, municipality="Turku",
            )  # fmt: skip
            s.add(tenant)
            s.flush()
            tenant_id = tenant.id
            s.execute(
                insert(User),
                [
                    {
                        "id": uuid.uuid4(),
                        "tenant_id": tenant_id,
                        "email": f"vapaaehtoinen{i}@example.fi",
                        "name": f"V {i}",
                        "role": Role.VOLUNTEER,
                        "status": UserStatus.ACTIVE,
                        "language": ("fi", "sv", "en")[i % 3],
                    }
                    for i in range(n)
                ],
            )
        print(f"{n} volunteers in the database ({args.database})")

        # The worker is up before the announcement, as in production.
        env = {
            **os.environ,
            "TUKIVERKKO_ENV": "test", "TUKIVERKKO_SECRET_KEY": "bench",
            "TUKIVERKKO_VAR_DIR": str(tmp), "TUKIVERKKO_DATABASE_URL": settings.database_url,
            "TUKIVERKKO_DATABASE_APP_ROLE": settings.database_app_role,
            "TUKIVERKKO_REDIS_URL": redis.url, "TUKIVERKKO_JOB_BACKEND": "rq",
            "TUKIVERKKO_SMTP_URL": settings.smtp_url, "TUKIVERKKO_LOG_LEVEL": "WARNING",
        }  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "tukiverkko", "worker"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _wait_until_ready(redis.url)

        started = time.perf_counter()
        # Leaving the unit of work commits the announcement and queues it on RQ.
        with app.app_context(), context.bind(tenant_id=tenant_id), database.unit_of_work() as s:
            message = announce(
                s, author_id=uuid.uuid4(), organisation="Bench ry",
                subject="Kevätretki", body="Lähdemme retkelle lauantaina.",
            )  # fmt: skip
            announcement_id = message.id
        announced = time.perf_counter() - started

        deadline = time.monotonic() + 300
        fanned_out = None
        while time.monotonic() < deadline:
            with context.bind(tenant_id=tenant_id), database.unit_of_work() as s:
                row = s.get(outbox.OutboxMessage, announcement_id)
                batches = s.scalar(
                    select(func.count())
                    .select_from(outbox.OutboxMessage)
                    .where(outbox.OutboxMessage.kind == "email_batch")
                )
            if fanned_out is None and row is not None and row.status == "done":
                fanned_out = time.perf_counter() - started
            if len(sink.times) >= n:
                break
            time.sleep(0.05)
        finished = time.perf_counter() - started
        with context.bind(tenant_id=tenant_id), database.unit_of_work() as s:
            inbox = s.scalar(select(func.count()).select_from(Notification))
            deliveries = s.scalar(select(func.count()).select_from(outbox.Delivery))
        sent = len(sink.times)
        span = (sink.times[-1] - sink.times[0]) if sent > 1 else float("nan")
        print(f"announce (commit + queue on RQ): {announced * 1000:.0f} ms")
        print(
            f"fan-out ({inbox} inbox entries written, {batches} email batches queued): "
            f"{fanned_out:.2f} s after the announcement"
            if fanned_out
            else "fan-out did not finish"
        )
        print(f"emails accepted by the SMTP sink: {sent} (delivery records: {deliveries})")
        print(f"send rate: {sent / span:.0f} emails/s (first to last email, {span:.1f} s)")
        print(f"all sent {finished:.1f} s after the announcement")
        ok = announced < 5 and (fanned_out or 99) < 5 and sent == n and sent / span >= 200
        print("targets met" if ok else "TARGETS NOT MET")
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
        controller.stop()
        redis.stop()
        app.extensions["tukiverkko.db"].dispose()
        if postgres is not None:
            postgres.stop()


if __name__ == "__main__":
    main()
