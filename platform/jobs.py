"""Enqueue background work: in-process by default, RQ on Redis in production.

A job is named by the dotted path of a plain function (`package.module:function`)
and gets JSON-serialisable keyword arguments. The tenant and request id of the
caller travel with it explicitly and are restored around the call by
`tukiverkko.workers.runner.run_job`.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import current_app

from tukiverkko.platform import context

QUEUE_NAME = "default"


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


def enqueue(function: str, **kwargs: Any) -> str | None:
    """Run `function(**kwargs)` in the background, for the current tenant.

    Returns the RQ job id, or None when the job ran in-process.
    """
    from tukiverkko.workers.runner import run_job

    ctx = context.current()
    envelope = {
        "function": function,
        "kwargs": kwargs,
        "tenant_id": str(ctx.tenant_id) if ctx.tenant_id else None,
        "request_id": ctx.request_id,
    }
    settings = current_app.config["TUKIVERKKO_SETTINGS"]
    if settings.job_backend == "rq":
        from rq import Queue
        from rq.serializers import JSONSerializer

        queue = Queue(QUEUE_NAME, connection=redis_connection(), serializer=JSONSerializer)
        job = queue.enqueue(run_job, envelope)
        return str(job.id)
    run_job(envelope)
    return None
