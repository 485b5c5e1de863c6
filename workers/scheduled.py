"""Scheduled jobs on RQ's own scheduler: the outbox sweep and the daily scan.

No loop of our own: each run schedules its successor with `Queue.enqueue_at`,
and the scheduler that RQ runs inside `tukiverkko worker` (with_scheduler=True)
enqueues it when due. RQ's scheduler holds a Redis lock per queue, so with
several workers exactly one of them moves scheduled jobs at a time; and the
successor's job id is derived from its due time, so two runs that both
schedule "the next one" schedule the same job once. Every worker re-checks
the chain at start and at each maintenance round, so it survives a Redis that
lost its data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from rq import Queue
from rq.job import Job

from tukiverkko.platform import outbox
from tukiverkko.platform.jobs import make_envelope

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15
DAILY_SCAN_AT = time(2, 30, tzinfo=UTC)  # quiet hours in Finland
SWEEP_JOB = "tukiverkko.workers.scheduled:sweep_outbox"
DAILY_JOB = "tukiverkko.workers.scheduled:daily_scan"

DailyTask = Callable[[], Any]
DAILY_TASKS: dict[str, DailyTask] = {}


def daily_task(name: str) -> Callable[[DailyTask], DailyTask]:
    """Register a task of the daily scan (reminders, cadence warnings, expiries, retention).

    A task runs with no tenant bound; it reads across tenants through
    `context.cross_tenant(reason)` and emits each notification in its
    tenant, with a delivery key that names the day, so a second run of the
    same day's scan emits nothing new.
    """

    def register(func: DailyTask) -> DailyTask:
        DAILY_TASKS[name] = func
        return func

    return register


def _schedule(queue: Queue, at: datetime, function: str, job_id: str) -> bool:
    """Schedule `function` at `at` under `job_id` unless that job exists already."""
    from tukiverkko.workers.runner import run_job

    if Job.exists(job_id, connection=queue.connection):
        return False
    queue.enqueue_at(
        at,
        run_job,
        make_envelope(function, {}, tenant_id=None, request_id=None),
        job_id=job_id,
        result_ttl=3600,
        description=function,
    )
    return True


def next_sweep_at(now: datetime) -> datetime:
    slot = int(now.timestamp()) // SWEEP_SECONDS + 1
    return datetime.fromtimestamp(slot * SWEEP_SECONDS, UTC)


def next_daily_at(now: datetime) -> datetime:
    today = datetime.combine(now.date(), DAILY_SCAN_AT)
    return today if today > now else today + timedelta(days=1)


def ensure_schedule(queue: Queue, now: datetime | None = None) -> None:
    """Make sure the next sweep and the next daily scan are scheduled."""
    now = now or datetime.now(UTC)
    sweep = next_sweep_at(now)
    _schedule(queue, sweep, SWEEP_JOB, f"tukiverkko-sweep-{int(sweep.timestamp())}")
    daily = next_daily_at(now)
    _schedule(queue, daily, DAILY_JOB, f"tukiverkko-daily-scan-{daily.date().isoformat()}")


def sweep_outbox() -> int:
    """Job: queue every outbox message that is due, then schedule the next sweep."""
    from tukiverkko.platform.jobs import rq_queue

    count = outbox.dispatch_due()
    ensure_schedule(rq_queue())
    return count


def daily_scan() -> dict[str, str]:
    """Job: run every daily task; one failing task does not stop the others.

    Fails (and so is retried, then listed by `tukiverkko jobs failed`) if any
    task failed; tasks are idempotent per day, so a retry repeats no message.
    """
    from tukiverkko.platform.jobs import rq_queue
    from tukiverkko.platform.notifications import load_kinds

    load_kinds()  # the modules that own daily tasks register them when imported
    outcome: dict[str, str] = {}
    for name, task in sorted(DAILY_TASKS.items()):
        try:
            task()
            outcome[name] = "ok"
        except Exception as exc:
            log.exception("daily task failed", extra={"task": name})
            outcome[name] = f"{type(exc).__name__}: {exc}"
    ensure_schedule(rq_queue())
    failed = {k: v for k, v in outcome.items() if v != "ok"}
    if failed:
        raise RuntimeError(f"daily tasks failed: {failed}")
    return outcome


@daily_task("outbox_retention")
def purge_old_outbox_rows(days: int = 30) -> int:
    """Finished outbox messages are kept a month for operators, then deleted.

    Delivery records stay longer than any retry could come (90 days): they
    are what stops a late duplicate job from sending again.
    """
    from sqlalchemy import delete

    from tukiverkko.platform import context
    from tukiverkko.platform.db import get_database, utcnow

    now = utcnow()
    with context.cross_tenant("retention: outbox"), get_database().unit_of_work() as s:
        removed = s.execute(
            delete(outbox.OutboxMessage)
            .where(
                outbox.OutboxMessage.status == outbox.OutboxStatus.DONE,
                outbox.OutboxMessage.processed_at < now - timedelta(days=days),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        s.execute(
            delete(outbox.Delivery)
            .where(outbox.Delivery.sent_at < now - timedelta(days=90))
            .execution_options(synchronize_session=False)
        )
    return int(removed)
