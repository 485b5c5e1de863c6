"""Scheduled jobs ride on RQ's scheduler, once each; failures are listed and retried."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from tests.factories import make_org
from tests.support.services import RedisServer
from tukiverkko.platform import context, outbox
from tukiverkko.platform.app import create_app
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.jobs import RETRY_INTERVALS, enqueue_envelopes, make_envelope, rq_queue
from tukiverkko.workers import scheduled
from tukiverkko.workers.runner import run_job

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _rq_app(app: Flask, redis: RedisServer) -> Flask:
    return create_app(
        replace(app.config["TUKIVERKKO_SETTINGS"], job_backend="rq", redis_url=redis.url)
    )


def test_the_schedule_is_made_once_with_deterministic_ids(
    app: Flask, own_redis: RedisServer
) -> None:
    now = datetime(2026, 3, 1, 12, 0, 7, tzinfo=UTC)
    with _rq_app(app, own_redis).app_context():
        queue = rq_queue()
        scheduled.ensure_schedule(queue, now)
        scheduled.ensure_schedule(queue, now + timedelta(seconds=1))  # a second worker
        ids = sorted(ScheduledJobRegistry(queue=queue).get_job_ids())
    sweep = int(datetime(2026, 3, 1, 12, 0, 15, tzinfo=UTC).timestamp())
    assert ids == ["tukiverkko-daily-scan-2026-03-02", f"tukiverkko-sweep-{sweep}"]
    assert scheduled.next_daily_at(datetime(2026, 3, 1, 1, 0, tzinfo=UTC)) == datetime(
        2026, 3, 1, 2, 30, tzinfo=UTC
    )


def test_jobs_are_json_and_retried_with_backoff(app: Flask, own_redis: RedisServer) -> None:
    with _rq_app(app, own_redis).app_context():
        (job_id,) = enqueue_envelopes(
            [make_envelope("tukiverkko.x:y", {"a": 1}, tenant_id=None, request_id="r-1")]
        )
        raw = own_redis_client(own_redis).hget(f"rq:job:{job_id}", "data")
        job = rq_queue().fetch_job(job_id)
    assert raw is not None
    stored = json.loads(zlib.decompress(raw))  # RQ compresses; inside is JSON, not a pickle
    assert stored[0] == "tukiverkko.workers.runner.run_job"
    assert stored[2][0]["request_id"] == "r-1"
    assert job is not None and job.retries_left == len(RETRY_INTERVALS)
    assert job.retry_intervals == RETRY_INTERVALS


def own_redis_client(server: RedisServer):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(server.url)


def test_daily_scan_runs_its_tasks_and_deletes_old_finished_messages(
    app: Flask, database: Database, own_redis: RedisServer
) -> None:
    org = make_org(database)
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        for age, status in ((40, "done"), (1, "done"), (40, "failed")):
            s.add(
                outbox.OutboxMessage(
                    kind="notify", payload={}, delivery_key=f"old:{age}:{status}",
                    status=outbox.OutboxStatus(status), available_at=utcnow(),
                    processed_at=utcnow() - timedelta(days=age),
                )
            )  # fmt: skip
    with _rq_app(app, own_redis).app_context():
        outcome = scheduled.daily_scan()  # every registered task ran, and all went well
        assert outcome["outbox_retention"] == "ok" and set(outcome.values()) == {"ok"}
        assert set(outcome) == set(scheduled.DAILY_TASKS)
        assert any(
            i.startswith("tukiverkko-daily-scan-")
            for i in ScheduledJobRegistry(queue=rq_queue()).get_job_ids()
        )
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        left = sorted(m.delivery_key for m in s.scalars(select(outbox.OutboxMessage)))
    assert left == ["old:1:done", "old:40:failed"]  # failures stay for operators


def test_failed_jobs_are_listed_and_retried_from_the_cli(
    app: Flask, own_redis: RedisServer
) -> None:
    settings = replace(app.config["TUKIVERKKO_SETTINGS"], job_backend="rq", redis_url=own_redis.url)
    with create_app(settings).app_context():
        bad = make_envelope(
            "tukiverkko.platform.mail:deliver", {"wrong": 1}, tenant_id=None, request_id=None
        )
        job = rq_queue().enqueue(run_job, bad)  # no retries: fails for good at once
    env = {
        **os.environ,
        "TUKIVERKKO_VAR_DIR": str(settings.var_dir),
        "TUKIVERKKO_DATABASE_URL": settings.database_url,
        "TUKIVERKKO_REDIS_URL": own_redis.url,
        "TUKIVERKKO_JOB_BACKEND": "rq",
        "TUKIVERKKO_LOG_LEVEL": "WARNING",
    }

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tukiverkko", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("worker", "--burst")
    listed = cli("jobs", "failed")
    assert job.id in listed and "TypeError" in listed and "1 failed." in listed
    assert "1 queued again." in cli("jobs", "retry", job.id)
    with create_app(settings).app_context():
        assert FailedJobRegistry(queue=rq_queue()).get_job_ids() == []
        assert job.id in rq_queue().get_job_ids()
