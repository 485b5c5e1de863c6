"""Enqueue background work: in-process by default, RQ on Redis in production.

A job is named by the dotted path of a plain function (`package.module:function`)
and gets JSON-serialisable keyword arguments. The tenant and request id of the
caller travel with it explicitly and are restored around the call by
`tukiverkko.workers.runner.run_job`. Jobs are stored in Redis as JSON (RQ's
JSONSerializer), never pickled: a job names code, it cannot carry any.
"""

from __future__ import annotations

import uuid
from typing import Any

import redis
from flask import current_app
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from tukiverkko.platform import context

QUEUE_NAME = "default"
# Backoff between the attempts of a failing job (RQ's scheduler enqueues the
# retries, so workers run with `with_scheduler=True`). 1 try + 5 retries.
RETRY_INTERVALS = [10, 60, 300, 900, 3600]
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1
JOB_TIMEOUT = 120
# Failed jobs stay visible to operators (`tukiverkko jobs failed`) for 30 days.
FAILURE_TTL = 30 * 86400


def redis_connection() -> redis.Redis:
    """The app's Redis connection (one pool per process)."""
    ext = current_app.extensions
    if "tukiverkko.redis" not in ext:
        settings = current_app.config["TUKIVERKKO_SETTINGS"]
        ext["tukiverkko.redis"] = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=2, socket_timeout=5
        )
    conn: redis.Redis = ext["tukiverkko.redis"]
    return conn


def rq_queue(connection: redis.Redis | None = None) -> Queue:
    """The job queue, JSON-serialised."""
    return Queue(QUEUE_NAME, connection=connection or redis_connection(), serializer=JSONSerializer)


def make_envelope(
    function: str,
    kwargs: dict[str, Any],
    *,
    tenant_id: uuid.UUID | str | None,
    request_id: str | None,
) -> dict[str, Any]:
    """What a job carries: the function's name, its JSON arguments, tenant and request id."""
    return {
        "function": function,
        "kwargs": kwargs,
        "tenant_id": str(tenant_id) if tenant_id else None,
        "request_id": request_id,
    }


def retry_policy() -> Retry:
    return Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)


def enqueue_envelopes(envelopes: list[dict[str, Any]], *, queue: Queue | None = None) -> list[str]:
    """Put several jobs on RQ in one round trip; each retried with backoff. Returns job ids.

    Raises redis' ConnectionError when Redis is down: callers that must not
    lose work (the outbox) keep their rows pending and try again later.
    """
    from tukiverkko.workers.runner import run_job

    queue = queue or rq_queue()
    datas = [
        Queue.prepare_data(
            run_job,
            args=(env,),
            retry=retry_policy(),
            timeout=JOB_TIMEOUT,
            failure_ttl=FAILURE_TTL,
            description=env["function"],
        )
        for env in envelopes
    ]
    jobs = queue.enqueue_many(datas)  # one pipeline, one round trip
    return [str(job.id) for job in jobs]


def enqueue(function: str, **kwargs: Any) -> str | None:
    """Run `function(**kwargs)` in the background, for the current tenant.

    Returns the RQ job id, or None when the job ran in-process. Work that must
    survive a Redis outage goes through the outbox (`platform/outbox.py`) instead.
    """
    from tukiverkko.workers.runner import run_job

    ctx = context.current()
    envelope = make_envelope(function, kwargs, tenant_id=ctx.tenant_id, request_id=ctx.request_id)
    settings = current_app.config["TUKIVERKKO_SETTINGS"]
    if settings.job_backend == "rq":
        return enqueue_envelopes([envelope])[0]
    run_job(envelope)
    return None
