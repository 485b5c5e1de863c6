"""gunicorn settings for Tukiverkko's web tier: `gunicorn -c infra/gunicorn.conf.py APP`.

Every knob is an environment variable with a default that suits one container:

| variable | default | meaning |
|---|---|---|
| `GUNICORN_BIND` | `0.0.0.0:8000` | address to listen on |
| `GUNICORN_WORKERS` (or `WEB_CONCURRENCY`) | `2` | worker processes (scale pods past a few) |
| `GUNICORN_WORKER_CLASS` | `sync` | `sync`, or `gthread` with `GUNICORN_THREADS` |
| `GUNICORN_THREADS` | `1` | threads per worker (gthread) |
| `GUNICORN_TIMEOUT` | `30` | a worker silent this long is killed and replaced |
| `GUNICORN_GRACEFUL_TIMEOUT` | `25` | on SIGTERM, time the requests in hand get to finish |
| `GUNICORN_KEEPALIVE` | `5` | seconds an idle keep-alive connection stays open (gthread) |
| `GUNICORN_MAX_REQUESTS` | `2000` | a worker is recycled after this many requests (0: never) |
| `PROMETHEUS_MULTIPROC_DIR` | unset | where the workers' metrics add up (emptied at start) |

Graceful shutdown: on SIGTERM the master closes the listening socket (no new
connection is taken) and passes SIGTERM to each worker; a worker finishes the
request it is serving and exits. Whatever has not finished after
`GUNICORN_GRACEFUL_TIMEOUT` is killed, so keep it below the orchestrator's
grace period (Kubernetes' `terminationGracePeriodSeconds`, compose's
`stop_grace_period`).

Logs: gunicorn's own lines are JSON like the app's (one object a line on
standard error). Its access log is off (`AppLogsRequests`): the app already
logs every request as JSON with the request id and tenant
(`platform/security.py`), and a second line per request cost the web tier a
tenth of its throughput.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger


def _int(name: str, default: int, *fallbacks: str) -> int:
    """An integer from the first of `name`, `fallbacks` that is set, else `default`."""
    for key in (name, *fallbacks):
        raw = os.environ.get(key, "").strip()
        if raw:
            return int(raw)
    return default


def _empty_metrics_folder() -> None:
    """Empty (or make) the metrics folder: a previous run's files would be counted again.

    Done as this file is read, before the master imports the app (preloaded):
    no gunicorn hook runs that early, and the app's metrics need the folder.
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


_empty_metrics_folder()

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", 2, "WEB_CONCURRENCY")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycling bounds slow memory growth; the jitter keeps workers from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max(max_requests // 10, 0)
# The heartbeat file on tmpfs: a container's overlay disk can stall it and get workers killed.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None
# The master imports the app once, before it binds the port, and forks ready
# workers from it. A process that joins (a new pod, a second process on the same
# port) takes no connection before it can answer it: importing in each worker
# left a joining process's first connections waiting seconds in its backlog
# (p99 2-2.6 s in bench/load.py's mixed load; 0.26 s preloaded). A killed or
# recycled worker is replaced by a fork in milliseconds, and the workers share
# the app's memory. Each forked worker opens its own database and Redis
# connections (`platform/db.py`, redis-py's pool). New code means new processes
# (a rolling deploy), not a SIGHUP.
preload_app = True
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


class AppLogsRequests(Logger):
    """gunicorn's logger without its access log.

    gunicorn writes an access line whenever a `logconfig_dict` is given, even
    with `accesslog = None`; the app's own JSON line per request says more.
    """

    def _compute_access_log_enabled(self) -> bool:
        return False

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return None


logger_class = AppLogsRequests
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "tukiverkko.platform.logs.JsonFormatter"}},
    "filters": {"context": {"()": "tukiverkko.platform.logs.ContextFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["context"],
            "stream": "ext://sys.stderr",
        }
    },
    # No handler on the root logger here: the app installs its JSON one (no line twice).
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        # Not propagated: the app installs its own JSON handler on the root logger.
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}


def when_ready(server: Any) -> None:
    """Keep the loaded application out of the garbage collector's way, in every worker.

    The app is some 300,000 long-lived objects (mappers, schemas, catalogues,
    the OpenAPI spec); every older-generation collection walked them all
    again, a tenth of a worker's time under load. Frozen, they are never
    scanned; what requests allocate is collected as before. Frozen in the
    master, once, before any worker is forked: each worker inherits it, and no
    worker's collection writes to the pages it shares with the master.
    """
    import gc

    gc.collect()
    gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    """Tell prometheus_client a worker is gone, so its live gauges stop being reported."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
