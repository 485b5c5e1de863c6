"""Prometheus metrics: `GET /metrics`.

What is measured:

- every request, by method, route *rule* (`/api/v1/users/<uuid:user_id>`, never
  the raw path: ids in labels would make one time series per object) and
  status: a counter and a latency histogram;
- sign-in failures and throttled sign-ins, counted where they are audited
  (`platform/audit.py` calls `count_audit_action`);
- read at scrape time, so they are right whichever process answers: the RQ
  queue's depth, failed and scheduled jobs (when Redis is configured), and
  the outbox's backlog and lag. A backing service that is down gives
  `tukiverkko_backend_up{backend=...} 0` instead of an error: the scrape still
  answers, and the readiness probe is the place that fails.

Several gunicorn workers: each process counts in its own memory, so a scrape
would see one worker's share. With `PROMETHEUS_MULTIPROC_DIR` set (before the
process starts; `infra/gunicorn.conf.py` empties it at start-up) the counters
live in files there and every scrape adds up all workers' files.

Who may scrape: with `TUKIVERKKO_METRICS_TOKEN` set, whoever sends
`Authorization: Bearer <token>`; without it, only requests from loopback that
came through no proxy (a proxy on the same host would make every visitor
look local, so forwarded requests are refused).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tukiverkko.platform.errors import Forbidden, Unauthorized

log = logging.getLogger(__name__)

blp = Blueprint("metrics", __name__)

# Our own registry: the process-global default one would also carry whatever
# any other library registers, and tests create many apps in one process.
REGISTRY = CollectorRegistry(auto_describe=True)

# Requests that matched no route are counted under one label, not their path.
UNMATCHED_ROUTE = "<unmatched>"

REQUESTS = Counter(
    "tukiverkko_http_requests",
    "HTTP requests answered, by method, route rule and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "tukiverkko_http_request_duration_seconds",
    "Time from the first request hook to the response, by method, route rule and status.",
    ["method", "route", "status"],
    # Tuned for a web app: most answers well under a second, slow ones visible.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SIGN_IN_FAILURES = Counter(
    "tukiverkko_sign_in_failures",
    "Sign-ins refused: wrong credentials (sign_in_failed) or throttled (sign_in_throttled).",
    ["action"],
    registry=REGISTRY,
)
# Audit actions counted by SIGN_IN_FAILURES; a fixed set keeps the label bounded.
SIGN_IN_FAILURE_ACTIONS = frozenset({"sign_in_failed", "sign_in_throttled"})


def count_audit_action(action: str) -> None:
    """Count an audited action that has a metric (called by `audit.record`)."""
    if action in SIGN_IN_FAILURE_ACTIONS:
        SIGN_IN_FAILURES.labels(action=action).inc()


def multiprocess_dir() -> str | None:
    """The folder shared by the worker processes, when multiprocess mode is on."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@functools.lru_cache(maxsize=4096)
def _request_series(method: str, route: str, status: int) -> tuple[Any, Any]:
    """The request counter and latency series of one label set, looked up once.

    Routes are URL rules and statuses a few dozen, so the label sets are bounded.
    """
    labels = {"method": method, "route": route, "status": str(status)}
    return REQUESTS.labels(**labels), LATENCY.labels(**labels)


# -- request hooks ----------------------------------------------------------------------


def init_metrics(app: Flask) -> None:
    """Count every request of `app` and serve `/metrics`."""

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("metrics_started")
        rule = request.url_rule
        count, latency = _request_series(
            request.method,
            rule.rule if rule is not None else UNMATCHED_ROUTE,
            response.status_code,
        )
        count.inc()
        if started is not None:
            latency.observe(time.perf_counter() - started)
        return response

    app.register_blueprint(blp)


# -- scrape-time collectors -------------------------------------------------------------


def _up(backend: str, up: bool) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "tukiverkko_backend_up",
        "1 when the backing service answered this scrape's queries, 0 when it did not.",
        labels=["backend"],
    )
    family.add_metric([backend], 1.0 if up else 0.0)
    return family


class QueueCollector(Collector):
    """RQ queue depth, failed, scheduled and started jobs, read from Redis at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        settings = self.app.config["TUKIVERKKO_SETTINGS"]
        if not settings.redis_url:
            return
        from tukiverkko.platform.jobs import redis_connection, rq_queue

        try:
            with self.app.app_context():
                queue = rq_queue(redis_connection())
                counts = {
                    "queued": queue.count,
                    "failed": queue.failed_job_registry.count,
                    "scheduled": queue.scheduled_job_registry.count,
                    "started": queue.started_job_registry.count,
                }
        except Exception as exc:  # Redis down or slow: report it, do not fail the scrape
            log.warning("metrics: cannot read the job queue", extra={"error": repr(exc)})
            yield _up("redis", False)
            return
        yield _up("redis", True)
        jobs = GaugeMetricFamily(
            "tukiverkko_queue_jobs",
            "RQ jobs of a queue by state (queued is the depth; failed stay for 30 days).",
            labels=["queue", "state"],
        )
        for state, count in counts.items():
            jobs.add_metric([queue.name, state], float(count))
        yield jobs


class OutboxCollector(Collector):
    """The outbox's backlog: messages not yet delivered, the oldest one's age, failures."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        try:
            with self.app.app_context():
                backlog, oldest, failed = self._read()
        except Exception as exc:
            log.warning("metrics: cannot read the outbox", extra={"error": repr(exc)})
            yield _up("database", False)
            return
        yield _up("database", True)
        yield GaugeMetricFamily(
            "tukiverkko_outbox_backlog_messages",
            "Outbox messages committed but not yet delivered (pending or dispatched).",
            value=float(backlog),
        )
        yield GaugeMetricFamily(
            "tukiverkko_outbox_lag_seconds",
            "Age of the oldest outbox message not yet delivered; 0 when there is none.",
            value=oldest,
        )
        yield GaugeMetricFamily(
            "tukiverkko_outbox_failed_messages",
            "Outbox messages that gave up after every retry (revive with the jobs command).",
            value=float(failed),
        )

    @staticmethod
    def _read() -> tuple[int, float, int]:
        from sqlalchemy import func, select

        from tukiverkko.platform import context
        from tukiverkko.platform.db import get_database, utcnow
        from tukiverkko.platform.outbox import OutboxMessage, OutboxStatus

        waiting = OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.DISPATCHED])
        # Counts only, across tenants: the same kind of read as the dispatcher's.
        with context.cross_tenant("metrics: outbox backlog"), get_database().unit_of_work() as s:
            backlog, oldest = s.execute(
                select(func.count(), func.min(OutboxMessage.created_at)).where(waiting)
            ).one()
            failed = s.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.FAILED)
            )
        lag = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        return int(backlog), max(lag, 0.0), int(failed or 0)


def render(app: Flask) -> bytes:
    """The exposition text: this process's (or all workers') counters, then scrape-time values."""
    directory = multiprocess_dir()
    if directory:
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=directory)
    else:
        counted = REGISTRY
    live = CollectorRegistry(auto_describe=False)
    live.register(QueueCollector(app))
    live.register(OutboxCollector(app))
    # Two registries, disjoint metric names: their texts concatenate into one valid page.
    return generate_latest(counted) + generate_latest(live)


# -- the endpoint -----------------------------------------------------------------------


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def check_scraper() -> None:
    """Let only the configured scraper through (see the module docstring)."""
    token = current_app.config["TUKIVERKKO_SETTINGS"].metrics_token
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise Unauthorized(
                "Metrics need the bearer token (TUKIVERKKO_METRICS_TOKEN).",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return
    proxied = any(h in request.headers for h in ("Forwarded", "X-Forwarded-For", "X-Real-Ip"))
    if proxied or not _is_loopback(request.remote_addr):
        raise Forbidden(
            "Metrics are served to loopback only; set TUKIVERKKO_METRICS_TOKEN to scrape "
            "from elsewhere.",
            code="metrics_forbidden",
        )


@blp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition."""
    check_scraper()
    body = render(current_app._get_current_object())  # type: ignore[attr-defined]
    return Response(body, content_type=CONTENT_TYPE_LATEST)
