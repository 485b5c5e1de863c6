"""Two real `tukiverkko worker` processes on one real Redis: one scheduler, one daily scan.

Both workers start RQ's scheduler (`with_scheduler=True`); RQ's per-queue
Redis lock lets exactly one of them run it. A daily scan scheduled through
RQ's scheduler then runs once, and its reminder reaches the SMTP sink once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from rq import Worker
from rq.registry import ScheduledJobRegistry

from tests.factories import make_org
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tests.support.services import RedisServer
from tests.support.smtp import SmtpSink
from tukiverkko.platform.app import create_app
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.jobs import QUEUE_NAME, rq_queue
from tukiverkko.platform.primitives import notices, training
from tukiverkko.platform.primitives.models import Programme, Volunteer
from tukiverkko.workers import scheduled

ROOT = Path(__file__).parents[2]
pytestmark = [pytest.mark.parametrize("backend", ["sqlite"]), pytest.mark.slow]


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_workers_run_one_scheduler_and_the_daily_scan_once(
    app: Flask, database: Database, own_redis: RedisServer
) -> None:
    smtp = SmtpSink().start()
    settings = replace(
        app.config["TUKIVERKKO_SETTINGS"],
        job_backend="rq",
        redis_url=own_redis.url,
        smtp_url=smtp.url,
    )
    rq_app = create_app(settings)
    org = make_org(database)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    today = utcnow().astimezone(notices.LOCAL_ZONE).date()
    with rq_app.app_context(), in_tenant(database, org) as db:
        programme, volunteer = db.get(Programme, programme_id), db.get(Volunteer, volunteer_id)
        assert programme is not None and volunteer is not None
        curriculum = training.create_curriculum(
            db, programme, name="Kurssi", description="", hours=3
        )
        starts = datetime.combine(today + timedelta(days=1), datetime.min.time().replace(hour=18))
        session = training.create_session(
            db, curriculum, capacity=5, location="Tsemppi",
            starts_at=starts.replace(tzinfo=notices.LOCAL_ZONE).astimezone(UTC),
        )  # fmt: skip
        training.enrol(db, session, volunteer)
    env = {
        **os.environ,
        "TUKIVERKKO_ENV": "test", "TUKIVERKKO_SECRET_KEY": settings.secret_key,
        "TUKIVERKKO_VAR_DIR": str(settings.var_dir),
        "TUKIVERKKO_DATABASE_URL": settings.database_url,
        "TUKIVERKKO_REDIS_URL": own_redis.url, "TUKIVERKKO_JOB_BACKEND": "rq",
        "TUKIVERKKO_SMTP_URL": smtp.url, "TUKIVERKKO_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tukiverkko", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    connection = redis_lib.Redis.from_url(own_redis.url)
    try:
        _wait(lambda: Worker.count(connection=connection) == 2, 90, "two workers")
        _wait(lambda: connection.exists(f"rq:scheduler-lock:{QUEUE_NAME}"), 30, "a scheduler")
        time.sleep(2)  # give the second worker every chance to start a scheduler too
        # One lock for the queue, and one live scheduler behind it (the other worker's
        # scheduler found the lock taken and never started).
        schedulers = [
            k for k in connection.scan_iter("rq:scheduler:*") if b"scheduler-lock" not in k
        ]
        assert len(schedulers) == 1, schedulers
        holder = connection.get(f"rq:scheduler-lock:{QUEUE_NAME}")
        assert holder is not None and schedulers[0].endswith(holder)

        with rq_app.app_context():
            queue = rq_queue()
            # Both workers already scheduled the chain at start: each job exists once.
            daily = [
                j for j in ScheduledJobRegistry(queue=queue).get_job_ids()
                if j.startswith("tukiverkko-daily-scan-")
            ]  # fmt: skip
            assert len(daily) == 1
            due = datetime.now(UTC) + timedelta(seconds=2)
            assert scheduled._schedule(queue, due, scheduled.DAILY_JOB, "daily-scan-now")
            # A second worker scheduling the same run does nothing.
            assert not scheduled._schedule(queue, due, scheduled.DAILY_JOB, "daily-scan-now")
        volunteer_email = org.emails[Role.VOLUNTEER]
        _wait(lambda: volunteer_email in smtp.recipients(), 90, "the training reminder")
        time.sleep(3)  # anything sent twice would arrive by now
        reminders = [m for m in smtp.messages if "Kurssi" in str(m["Subject"])]
        assert [str(m["To"]) for m in reminders] == [volunteer_email]
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(5)
        smtp.stop()
        rq_app.extensions["tukiverkko.db"].dispose()
