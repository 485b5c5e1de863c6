"""The RQ worker process: `tukiverkko worker`."""

from __future__ import annotations

import logging

from flask import Flask
from rq import Worker
from rq.serializers import JSONSerializer

from tukiverkko.platform.jobs import make_envelope, redis_connection, rq_queue

log = logging.getLogger(__name__)


class TukiverkkoWorker(Worker):
    """RQ's forking worker that also keeps our scheduled jobs scheduled.

    The maintenance round runs in the parent process and touches Redis only;
    every database access happens in the forked work horse.
    """

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        from tukiverkko.workers.scheduled import ensure_schedule

        try:
            ensure_schedule(self.queues[0])
        except Exception:
            log.exception("could not check the schedule")


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Work the default queue inside the app context until stopped (or empty, if burst).

    Starts with one sweep of the outbox, so that a restarted worker drains at
    once what piled up while it (or Redis) was away.
    """
    from tukiverkko.workers.runner import run_job
    from tukiverkko.workers.scheduled import SWEEP_JOB

    with app.app_context():
        connection = redis_connection()
        queue = rq_queue(connection)
        queue.enqueue(
            run_job,
            make_envelope(SWEEP_JOB, {}, tenant_id=None, request_id=None),
            description=SWEEP_JOB,
            result_ttl=600,
        )
        worker = TukiverkkoWorker([queue], connection=connection, serializer=JSONSerializer)
        worker.work(burst=burst, with_scheduler=True)
