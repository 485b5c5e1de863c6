"""Background jobs carry the tenant and request id of whoever started them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from flask import Flask

from tests.support.services import RedisServer
from tukiverkko.platform import context
from tukiverkko.platform.app import create_app
from tukiverkko.platform.jobs import enqueue
from tukiverkko.workers.runner import resolve, run_job

ROOT = Path(__file__).parents[2]


def test_in_process_job_runs_in_the_callers_context_and_restores_it(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    tenant = uuid.uuid4()
    caplog.set_level("INFO", logger="tukiverkko.workers.runner")
    with app.app_context(), context.bind(request_id="req-abcdef123", tenant_id=tenant):
        enqueue("tukiverkko.platform.mail:deliver", to="a@example.fi", subject="S", body="B")
        assert context.current().tenant_id == tenant
    finished = [r for r in caplog.records if r.getMessage() == "job finished"]
    assert finished and finished[0].request_id == "req-abcdef123"  # type: ignore[attr-defined]
    assert finished[0].tenant_id == str(tenant)  # type: ignore[attr-defined]
    mail_dir = app.config["TUKIVERKKO_SETTINGS"].mail_dir
    assert len(list(mail_dir.glob("*.eml"))) == 1
    assert context.current().tenant_id is None


def test_a_failing_job_does_not_leak_its_tenant(app: Flask) -> None:
    envelope = {
        "function": "tukiverkko.platform.mail:deliver",
        "kwargs": {"wrong": "arguments"},
        "tenant_id": str(uuid.uuid4()),
        "request_id": "req-failing-1",
    }
    with app.app_context(), pytest.raises(TypeError):
        run_job(envelope)
    assert context.current().tenant_id is None


def test_only_our_own_functions_can_be_jobs() -> None:
    with pytest.raises(ValueError):
        resolve("os:system")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_rq_worker_process_runs_the_job_with_tenant_and_request_id(
    app: Flask, redis_server: RedisServer, tmp_path: Path
) -> None:
    settings = replace(
        app.config["TUKIVERKKO_SETTINGS"], job_backend="rq", redis_url=redis_server.url
    )
    # Jobs other tests left in this process's Redis would run in the burst too (and may wait
    # on services those tests have stopped): start from an empty queue.
    redis.Redis.from_url(redis_server.url).flushdb()
    producer = create_app(settings)
    tenant = uuid.uuid4()
    with producer.app_context(), context.bind(request_id="req-rq-0001", tenant_id=tenant):
        job_id = enqueue(
            "tukiverkko.platform.mail:deliver", to="b@example.fi", subject="S", body="B"
        )
    assert job_id
    env = {
        **os.environ,
        "TUKIVERKKO_VAR_DIR": str(settings.var_dir),
        "TUKIVERKKO_DATABASE_URL": settings.database_url,
        "TUKIVERKKO_REDIS_URL": redis_server.url,
        "TUKIVERKKO_JOB_BACKEND": "rq",
        "TUKIVERKKO_MAIL_DIR": str(settings.mail_dir),
        "TUKIVERKKO_LOG_JSON": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tukiverkko", "worker", "--burst"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(list(settings.mail_dir.glob("*.eml"))) == 1
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    finished = [line for line in lines if line.get("msg") == "job finished"]
    assert finished, done.stderr
    assert finished[0]["request_id"] == "req-rq-0001"
    assert finished[0]["tenant_id"] == str(tenant)
