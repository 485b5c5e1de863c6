"""infra/gunicorn.conf.py for real: a gunicorn master on a free loopback port.

- SIGTERM mid-request: the request in hand still completes with 200, and the
  master exits by itself (cleanly) afterwards.
- Several workers with PROMETHEUS_MULTIPROC_DIR: /metrics adds up every worker's
  requests, and a stale file of an earlier run is cleared at start-up.
- gunicorn's own log lines are JSON, and each request is logged once (by the app).
- Each worker has frozen the loaded app for the garbage collector.
- The app is loaded before the port is bound: a starting master takes no
  connection it cannot answer at once, and a killed worker is replaced at once.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "infra" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"

# The real app plus two test-only routes: one that takes its time (and says when
# it started, so the test signals mid-request), one that names its worker.
SLOW_APP = """
import gc
import os
import time
from pathlib import Path

from flask import request

from tukiverkko.platform.app import create_app

time.sleep(float(os.environ.get("IMPORT_DELAY", "0")))  # an app that takes its time to load
app = create_app()


@app.get("/slow")
def slow():
    Path(os.environ["SLOW_STARTED"]).touch()
    time.sleep(float(request.args.get("seconds", "2")))
    return {"pid": os.getpid(), "finished": True}


@app.get("/gc")
def garbage_collector():
    return {"frozen": gc.get_freeze_count()}
"""


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int
    stderr_path: Path
    started_marker: Path

    def request(self, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def wait_until_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.stderr()
            try:
                if self.request("/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not serve in {timeout}s:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def start_gunicorn(tmp_path: Path, **env_overrides: str) -> Gunicorn:
    (tmp_path / "slowapp.py").write_text(SLOW_APP)
    port = free_port()
    marker = tmp_path / "slow-started"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TUKIVERKKO_", "GUNICORN_", "PROMETHEUS_"))
    }
    env.update(
        {
            "TUKIVERKKO_VAR_DIR": str(tmp_path / "var"),  # the embedded SQLite default
            "TUKIVERKKO_LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_GRACEFUL_TIMEOUT": "20",
            "SLOW_STARTED": str(marker),
            **env_overrides,
        }
    )
    stderr_path = tmp_path / "gunicorn.stderr"
    process = subprocess.Popen(
        [str(GUNICORN), "--config", str(CONFIG), "--pythonpath", str(tmp_path), "slowapp:app"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr_path.open("wb"),
    )
    return Gunicorn(process, port, stderr_path, marker)


@pytest.fixture
def gunicorn_factory(tmp_path: Path) -> Iterator[list[Gunicorn]]:
    started: list[Gunicorn] = []
    yield started
    for server in started:  # only the masters this test started, by their pid
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)


@pytest.mark.slow
def test_sigterm_finishes_the_request_in_hand_then_the_master_exits(
    tmp_path: Path, gunicorn_factory: list[Gunicorn]
) -> None:
    server = start_gunicorn(tmp_path, TUKIVERKKO_LOG_LEVEL="INFO")  # the app's request lines
    gunicorn_factory.append(server)
    server.wait_until_serving()
    # The master froze the loaded app out of the garbage collector's scans before forking.
    status, body = server.request("/gc")
    assert status == 200 and json.loads(body)["frozen"] > 100_000

    result: dict[str, object] = {}

    def slow_request() -> None:
        try:
            result["status"], result["body"] = server.request("/slow?seconds=2")
        except Exception as exc:  # reported by the assertion below
            result["error"] = exc

    client = threading.Thread(target=slow_request)
    client.start()
    deadline = time.monotonic() + 20
    while not server.started_marker.exists():  # the worker is inside the request now
        assert time.monotonic() < deadline, server.stderr()
        time.sleep(0.02)
    signalled_at = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    client.join(timeout=30)

    assert "error" not in result, f"{result['error']!r}\n{server.stderr()}"
    assert result["status"] == 200
    assert json.loads(result["body"])["finished"] is True  # type: ignore[arg-type]
    assert server.process.wait(timeout=30) == 0, server.stderr()
    # It waited for the request (about 2 s), not for the whole graceful timeout.
    assert time.monotonic() - signalled_at < 15

    # gunicorn's own lines are JSON objects, like the app's.
    lines = [line for line in server.stderr().splitlines() if line.strip()]
    gunicorn_lines = [json.loads(line) for line in lines if '"gunicorn.error"' in line]
    assert any("Listening at" in entry["msg"] for entry in gunicorn_lines), lines
    assert any("Handling signal: term" in entry["msg"] for entry in gunicorn_lines), lines
    # Each request is logged once, by the app; gunicorn's access log stays off.
    assert not [line for line in lines if "gunicorn.access" in line or '"GET /slow' in line], lines
    assert [line for line in lines if "/slow" in line and '"tukiverkko.' in line], lines


@pytest.mark.slow
def test_metrics_add_up_every_worker_in_multiprocess_mode(
    tmp_path: Path, gunicorn_factory: list[Gunicorn]
) -> None:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    # A stale (and unreadable) file of an earlier run: reading the config clears it.
    (metrics_dir / "counter_999999.db").write_bytes(b"not a metrics file")
    server = start_gunicorn(
        tmp_path, GUNICORN_WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    )
    gunicorn_factory.append(server)
    server.wait_until_serving()
    assert not (metrics_dir / "counter_999999.db").exists()

    # Four overlapping slow requests on two sync workers: both workers serve some.
    answers: list[tuple[int, bytes]] = []
    threads = [
        threading.Thread(target=lambda: answers.append(server.request("/slow?seconds=0.5")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [status for status, _ in answers] == [200] * 4
    pids = {json.loads(body)["pid"] for _, body in answers}
    assert len(pids) == 2, "both workers should have served"

    status, body = server.request("/metrics")
    assert status == 200, body
    total = sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "tukiverkko_http_requests_total"
        and sample.labels == {"method": "GET", "route": "/slow", "status": "200"}
    )
    assert total == 4

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0, server.stderr()


def _first_connection(port: int, timeout: float) -> http.client.HTTPConnection:
    """A connection to `port` as soon as anything accepts one there."""
    deadline = time.monotonic() + timeout
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.connect()
            return conn
        except OSError:
            conn.close()
            assert time.monotonic() < deadline, "nothing listened"
            time.sleep(0.02)


@pytest.mark.slow
def test_a_starting_server_takes_no_connection_it_cannot_answer_at_once(
    tmp_path: Path, gunicorn_factory: list[Gunicorn]
) -> None:
    # A process joining a loaded port (a second process, a new pod) must not
    # queue users' connections while it loads the app: the master loads it first.
    started = time.monotonic()
    server = start_gunicorn(tmp_path, IMPORT_DELAY="3")
    gunicorn_factory.append(server)
    conn = _first_connection(server.port, timeout=60)
    accepted = time.monotonic()
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200
    answered = time.monotonic()
    conn.close()
    assert accepted - started >= 3, "the port was bound before the app was loaded"
    assert answered - accepted < 1.5, f"waited {answered - accepted:.1f} s in the backlog"

    # A killed worker is replaced by a fork of the loaded master, not a new import.
    status, body = server.request("/slow?seconds=0")
    worker = json.loads(body)["pid"]
    os.kill(worker, signal.SIGKILL)
    killed = time.monotonic()
    while True:
        try:
            status, body = server.request("/slow?seconds=0", timeout=5)
            if status == 200 and json.loads(body)["pid"] != worker:
                break
        except OSError:
            pass
        assert time.monotonic() - killed < 2.5, server.stderr()
        time.sleep(0.05)
