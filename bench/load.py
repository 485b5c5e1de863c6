"""Load test: the production layout on this machine under a bounded mixed load (issue 11).

Run from the repository root (needs `wrk`; installed from Debian when run as root):

    .venv/bin/python bench/load.py [--seconds 60]

What it starts, all on loopback in a temporary folder:

- PostgreSQL (the app connects as the non-owner role: row-level security on), Redis, moto's
  S3-API server (the file store) and an SMTP sink (aiosmtpd, in this process);
- the app under gunicorn with `infra/gunicorn.conf.py` in production mode
  (`TUKIVERKKO_ENV=production`, RQ jobs), two RQ workers and one more worker for RQ's scheduler
  (the layout of `infra/compose.yaml`);
- a bare Flask JSON app under the same gunicorn settings, the yardstick.

Phases:

1. **Yardstick**: in alternating rounds (three of 10 s by default, medians taken), wrk on the
   bare Flask JSON endpoint, then on our read endpoints (lists with a
   bearer token), same connections and duration: the ratio of throughputs (target >= 0.40).
2. **Mixed load** for `--seconds` (>= 60): wrk rotating reads (volunteers, matches, meetings of
   a match, notifications) and writes (meeting logs), plus, from this process, sign-ins,
   invitations (each sends one email) and match proposals. Midway a SECOND gunicorn process starts
   on the same port (SO_REUSEPORT) and must take a share of the requests, with every request still
   answered 2xx (no signed-in user loses the session). Target: zero errors.
3. **Killed web worker**: a writer logs meetings while one gunicorn worker gets SIGKILL; every
   write answered 2xx must be in the database afterwards.
4. **Notifications**: the outbox drains; every invitation's email reached the sink exactly once.

Prints the figures and exits 1 if a target is missed. The app runs with its read cache on, as
in production (`platform/read_cache.py`): the yardstick's repeated lists are answered from Redis.
`--no-read-cache` measures the same layout with every read going to PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support

import redis  # noqa: E402
import requests  # noqa: E402
from rq import Worker  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from tests.factories import PASSWORD, make_org  # noqa: E402
from tests.platform.primitives.support import (  # noqa: E402
    activate_match,
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tests.support.s3 import moto_server, s3_bucket  # noqa: E402
from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer, RedisServer, free_port  # noqa: E402
from tests.support.smtp import SmtpSink  # noqa: E402
from tukiverkko.platform import context, outbox  # noqa: E402
from tukiverkko.platform.db import Database  # noqa: E402
from tukiverkko.platform.identity.models import Role  # noqa: E402
from tukiverkko.platform.migrate import upgrade  # noqa: E402
from tukiverkko.platform.primitives import matching  # noqa: E402
from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer  # noqa: E402
from tukiverkko.platform.primitives.models_followup import MeetingLog  # noqa: E402
from tukiverkko.platform.settings import Settings  # noqa: E402

RATIO_TARGET = 0.40
# Two sync workers per process (the default of infra/gunicorn.conf.py), for both apps. Five
# (gunicorn's (2 x cores) + 1) measured the same ratio and gave socket errors in the mixed phase
# on this 2-core machine, where ten web workers, RQ and PostgreSQL share two cores.
WEB_WORKERS = "2"
WRK_THREADS, WRK_CONNECTIONS = "2", "8"
SECRET = "load-test-secret-key-" + "x" * 40

BARE_APP = """
from flask import Flask, jsonify
app = Flask(__name__)

@app.get("/json")
def hello():
    return jsonify(message="Hei maailma", items=[1, 2, 3])
"""

WRK_SCRIPT = Path(__file__).with_name("load_rotate.lua")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        return shutil.which("wrk") or "wrk"
    sys.exit("bench/load.py needs wrk: sudo apt-get install wrk")


def wrk(script: Path, url: str, seconds: int, args: list[str]) -> dict[str, float]:
    """Run wrk against `url` with the rotating request script; its summary as a dict."""
    result = subprocess.run(
        ["wrk", "-t", WRK_THREADS, "-c", WRK_CONNECTIONS, "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(script), url, "--", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRK "))
    summary: dict[str, float] = json.loads(line[4:])
    summary["rps"] = summary["requests"] / summary["seconds"]
    return summary


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of median throughput (its latencies with it)."""
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


class Stack:
    """Every process of the production layout, started and stopped together."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: list[subprocess.Popen[bytes]] = []
        self.postgres = PostgresServer(root / "pg").start()
        self.redis = RedisServer(root / "redis").start()
        self._s3 = moto_server()
        self.s3_endpoint = self._s3.__enter__()
        s3_bucket(self.s3_endpoint, "tukiverkko-files")
        self.smtp = SmtpSink().start()
        self.postgres.sql("postgres", f"CREATE DATABASE load OWNER {OWNER_ROLE}")
        self.port = free_port()
        self.bare_port = free_port()
        # In memory, as in infra/ (compose's tmpfs, the pods' memory emptyDir): every request
        # writes its metrics to these mmap'd files, and on disk their write-back cost the
        # kernel about 2 ms of CPU a request.
        shm = Path("/dev/shm")
        self.metrics_root = Path(
            tempfile.mkdtemp(prefix="tukiverkko-metrics-", dir=shm if shm.is_dir() else root)
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TUKIVERKKO_")},
            "TUKIVERKKO_ENV": "production",
            "TUKIVERKKO_SECRET_KEY": SECRET,
            "TUKIVERKKO_VAR_DIR": str(root / "var"),
            "TUKIVERKKO_DATABASE_URL": self.postgres.url("load", APP_ROLE),
            "TUKIVERKKO_DATABASE_MIGRATION_URL": self.postgres.url("load"),
            "TUKIVERKKO_DATABASE_APP_ROLE": APP_ROLE,
            "TUKIVERKKO_REDIS_URL": self.redis.url,
            "TUKIVERKKO_JOB_BACKEND": "rq",
            "TUKIVERKKO_SMTP_URL": self.smtp.url,
            "TUKIVERKKO_S3_ENDPOINT_URL": self.s3_endpoint,
            "TUKIVERKKO_S3_BUCKET": "tukiverkko-files",
            "TUKIVERKKO_S3_ACCESS_KEY": "testing",
            "TUKIVERKKO_S3_SECRET_KEY": "testing",
            "TUKIVERKKO_S3_REGION": "eu-north-1",
            "TUKIVERKKO_BASE_URL": f"http://127.0.0.1:{self.port}",
            "TUKIVERKKO_SESSION_COOKIE_SECURE": "false",
            "TUKIVERKKO_METRICS_TOKEN": "load-metrics-token",
            "GUNICORN_WORKERS": WEB_WORKERS,
            "GUNICORN_MAX_REQUESTS": "0",
        }

    def database(self) -> Database:
        return Database(self.env["TUKIVERKKO_DATABASE_URL"])

    def migrate(self) -> None:
        settings = Settings(
            env="test", secret_key=SECRET, var_dir=self.root / "var",
            database_url=self.env["TUKIVERKKO_DATABASE_URL"],
            database_migration_url=self.env["TUKIVERKKO_DATABASE_MIGRATION_URL"],
            database_app_role=APP_ROLE, log_json=False,
        ).resolved()  # fmt: skip
        upgrade(settings)

    def spawn(self, name: str, argv: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = (self.root / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            argv, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def gunicorn(self, name: str, app: str, port: int, **env: str) -> subprocess.Popen[bytes]:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        proc = self.spawn(
            name,
            [gunicorn, "-c", str(ROOT / "infra" / "gunicorn.conf.py"), "--reuse-port", app],
            GUNICORN_BIND=f"127.0.0.1:{port}",
            PROMETHEUS_MULTIPROC_DIR=str(self.metrics_root / name),
            **env,
        )
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 60, f"{name} up")
        return proc

    def log_lines(self, name: str, needle: str) -> int:
        return (self.root / f"{name}.log").read_text(errors="replace").count(needle)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.smtp.stop()
        shutil.rmtree(self.metrics_root, ignore_errors=True)
        self._s3.__exit__(None, None, None)
        self.redis.stop()
        self.postgres.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def wait_until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


def seed(database: Database) -> dict[str, Any]:
    """A partner running Mieskaverit: staff, 60 volunteers, 300 waiting participants, 20 matches."""
    org = make_org(database, "kuormitus")
    programme_id = make_programme(database, org)
    # The first 20 are one person's records (the org's volunteer account): she logs meetings.
    # Capacity 8: the other 40 can take all 280 proposals of the run (at 3, proposals past the
    # 120th were rightly refused with 409 once the app was fast enough to make them).
    volunteers = [make_volunteer(database, org, programme_id, approved=True, capacity=8,
                                 linked=i < 20)
                  for i in range(60)]  # fmt: skip
    participants = [make_participant(database, org, programme_id, name=f"Lapsi {i}")
                    for i in range(300)]  # fmt: skip
    matches = []
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        for i in range(20):
            participant = db.get(Participant, participants[i])
            volunteer = db.get(Volunteer, volunteers[i])
            match = matching.propose(
                db, programme, participant, volunteer, actor_id=org.people[Role.COORDINATOR]
            )
            matches.append(match.id)
    for match_id in matches:
        activate_match(database, org, match_id, days_ago=30)
    # Pairs left for proposals during the run: each participant once, volunteers have capacity.
    pairs = [(participants[i], volunteers[20 + (i % 40)]) for i in range(20, 300)]
    return {"org": org, "matches": matches, "pairs": pairs}


def sign_in(base: str, org: Any, role: Role) -> str:
    resp = requests.post(
        f"{base}/api/v1/auth/token",
        json={"tenant": org.slug, "email": org.emails[role], "password": PASSWORD},
        timeout=30,
    )
    resp.raise_for_status()
    return str(resp.json()["access_token"])


class SideTraffic(threading.Thread):
    """Sign-ins, invitations and match proposals from Python, recording every status."""

    def __init__(self, base: str, token: str, data: dict[str, Any], stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.data, self.stop_event = base, token, data, stop
        self.statuses: Counter[str] = Counter()
        self.invited: list[str] = []

    def run(self) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {self.token}"}
        pairs = list(self.data["pairs"])
        n = 0
        while not self.stop_event.is_set():
            n += 1
            if n % 10 == 0:
                token = sign_in(self.base, self.data["org"], Role.VOLUNTEER)
                self.statuses[f"sign-in {200 if token else 'x'}"] += 1
            email = f"kutsu-{uuid.uuid4().hex[:10]}@example.org"
            resp = session.post(
                f"{self.base}/api/v1/users/invitations",
                headers=headers,
                json={"email": email, "name": "Uusi vapaaehtoinen"},
                timeout=30,
            )
            self.statuses[f"invite {resp.status_code}"] += 1
            if resp.status_code == 201:
                self.invited.append(email)
            if pairs:
                participant, volunteer = pairs.pop()
                resp = session.post(f"{self.base}/api/v1/matches", headers=headers, timeout=30,
                                    json={"participant_id": str(participant),
                                          "volunteer_id": str(volunteer)})  # fmt: skip
                self.statuses[f"propose {resp.status_code}"] += 1
            time.sleep(0.2)


class Writer(threading.Thread):
    """Logs meetings one after another; keeps the note of every write answered 2xx."""

    def __init__(
        self, base: str, token: str, matches: list[uuid.UUID], stop: threading.Event
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.matches, self.stop_event = base, token, matches, stop
        self.answered: list[str] = []
        self.failed = 0

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        n = 0
        while not self.stop_event.is_set():
            n += 1
            note = f"kirjaus-{uuid.uuid4().hex}"
            match = self.matches[n % len(self.matches)]
            try:
                resp = requests.post(
                    f"{self.base}/api/v1/follow-up/matches/{match}/meetings", headers=headers,
                    json={"met_on": date.today().isoformat(), "minutes": 60, "kind": "meeting",
                          "note": note}, timeout=30,
                )  # fmt: skip
            except requests.RequestException:
                self.failed += 1
                continue
            if 200 <= resp.status_code < 300:
                self.answered.append(note)
            else:
                self.failed += 1


def read_cache_results(base: str) -> dict[str, int]:
    """The read cache's hits, misses and bypasses so far, from the app's /metrics."""
    resp = requests.get(
        f"{base}/metrics", headers={"Authorization": "Bearer load-metrics-token"}, timeout=10
    )
    resp.raise_for_status()
    found: dict[str, int] = {}
    for line in resp.text.splitlines():
        if line.startswith("tukiverkko_read_cache_requests_total{"):
            result = line.split('result="', 1)[1].split('"', 1)[0]
            found[result] = int(float(line.rsplit(" ", 1)[1]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the mixed load (>= 60)")
    parser.add_argument("--yardstick-seconds", type=int, default=10)
    parser.add_argument("--yardstick-rounds", type=int, default=3)
    parser.add_argument(
        "--yardstick-only", action="store_true", help="measure the ratio only (phase 1)"
    )
    parser.add_argument(
        "--no-read-cache",
        action="store_true",
        help="turn the read cache off (TUKIVERKKO_READ_CACHE_SECONDS=0): every read from the "
        "database, to measure that path",
    )
    args = parser.parse_args()
    ensure_wrk()
    root = Path(tempfile.mkdtemp(prefix="tukiverkko-load-"))
    root.chmod(0o755)
    stack = Stack(root)
    if args.no_read_cache:
        stack.env["TUKIVERKKO_READ_CACHE_SECONDS"] = "0"
    ok = True
    try:
        stack.migrate()
        database = stack.database()
        from tukiverkko.platform.identity.passwords import configure_hasher

        configure_hasher(time_cost=2, memory_cost=19 * 1024)  # argon2id at OWASP's minimum
        data = seed(database)
        org = data["org"]
        (root / "bare_app.py").write_text(BARE_APP)
        stack.gunicorn("web-1", "tukiverkko.platform.wsgi:app", stack.port)
        stack.gunicorn("bare", "bare_app:app", stack.bare_port, PYTHONPATH=str(root))
        for name in ("worker-1", "worker-2", "scheduler"):
            stack.spawn(name, [sys.executable, "-m", "tukiverkko", "worker"])
        # Measure once the workers have booted: their imports would eat the first round's CPU.
        queue_redis = redis.Redis.from_url(stack.redis.url)
        wait_until(lambda: Worker.count(connection=queue_redis) >= 3, 60, "three RQ workers")
        base = f"http://127.0.0.1:{stack.port}"
        token = sign_in(base, org, Role.COORDINATOR)
        volunteer_token = sign_in(base, org, Role.VOLUNTEER)
        script = WRK_SCRIPT
        match = data["matches"][0]
        tokens = [token, volunteer_token]
        reads = [
            "GET", "/api/v1/volunteers?limit=20", "-", "1",
            "GET", "/api/v1/matches?limit=20", "-", "1",
            "GET", f"/api/v1/follow-up/matches/{match}/meetings?limit=20", "-", "1",
            "GET", "/api/v1/notifications?limit=20", "-", "2",
        ]  # fmt: skip

        # 1. Yardstick: bare Flask JSON vs our read endpoints, same gunicorn settings.
        # Alternating rounds, medians: this machine's speed drifts by a third within minutes,
        # and one round of each would measure the drift as much as the code.
        bares, ourses = [], []
        for _ in range(args.yardstick_rounds):
            bares.append(
                wrk(
                    script,
                    f"http://127.0.0.1:{stack.bare_port}",
                    args.yardstick_seconds,
                    ["-", "-", "GET", "/json", "-", "1"],
                )
            )
            ourses.append(wrk(script, base, args.yardstick_seconds, [*tokens, *reads]))
        bare = median_run(bares)
        ours = median_run(ourses)
        ratio = ours["rps"] / bare["rps"]
        cache = "off" if args.no_read_cache else "on"
        print(f"gunicorn: {WEB_WORKERS} sync workers per process, {WRK_CONNECTIONS} connections, "
              f"read cache {cache}")  # fmt: skip
        pairs = zip(bares, ourses, strict=True)
        print(
            "yardstick rounds (bare / ours req/s): "
            + ", ".join(f"{b['rps']:.0f} / {o['rps']:.0f}" for b, o in pairs)
        )
        print(f"yardstick (medians): bare Flask JSON {bare['rps']:.0f} req/s "
              f"(p50 {bare['p50_ms']:.1f} ms, p95 {bare['p95_ms']:.1f} ms); our reads "
              f"{ours['rps']:.0f} req/s (p50 {ours['p50_ms']:.1f} ms, "
              f"p95 {ours['p95_ms']:.1f} ms); "
              f"ratio {ratio:.2f} (target >= {RATIO_TARGET})")  # fmt: skip
        print(f"read cache during the yardstick: {read_cache_results(base)}")
        errors = sum(o["non_2xx"] + o["socket_errors"] for o in ourses)
        ok &= ratio >= RATIO_TARGET and errors == 0
        if args.yardstick_only:
            print("OK" if ok else "TARGET MISSED")
            return 0 if ok else 1

        # 2. Mixed load, a second web process joining midway.
        write = json.dumps({"met_on": date.today().isoformat(), "minutes": 45, "kind": "meeting"})
        meetings = f"/api/v1/follow-up/matches/{data['matches'][1]}/meetings"
        mixed_args = [*tokens, *reads, "POST", meetings, write, "2"]
        stop = threading.Event()
        side = SideTraffic(base, token, data, stop)
        side.start()
        second: dict[str, Any] = {}

        def start_second() -> None:
            time.sleep(args.seconds / 3)
            stack.gunicorn("web-2", "tukiverkko.platform.wsgi:app", stack.port)
            second["started"] = time.monotonic()

        joiner = threading.Thread(target=start_second, daemon=True)
        web1_before = stack.log_lines("web-1", '"path"')  # the yardstick's requests
        joiner.start()
        mixed = wrk(script, base, args.seconds, mixed_args)
        stop.set()
        side.join(timeout=60)
        joiner.join(timeout=60)
        web2 = stack.log_lines("web-2", '"path"')
        web1 = stack.log_lines("web-1", '"path"') - web1_before
        side_bad = {k: v for k, v in side.statuses.items() if not k.split()[1].startswith("2")}
        print(f"mixed load {args.seconds} s: {mixed['rps']:.0f} req/s, "
              f"p50 {mixed['p50_ms']:.1f} ms, p95 {mixed['p95_ms']:.1f} ms, "
              f"p99 {mixed['p99_ms']:.1f} ms; non-2xx "
              f"{mixed['non_2xx']:.0f}, socket errors {mixed['socket_errors']:.0f}; side traffic "
              f"{dict(side.statuses)}")  # fmt: skip
        print(
            f"second web process: {web2} of {web1 + web2} logged requests "
            f"of the mixed load ({100 * web2 / max(web1 + web2, 1):.0f} %) after joining at "
            f"{args.seconds / 3:.0f} s"
        )
        ok &= mixed["non_2xx"] == 0 and mixed["socket_errors"] == 0 and not side_bad and web2 > 0

        # 3. A web worker killed mid-write.
        stop = threading.Event()
        writer = Writer(base, volunteer_token, data["matches"], stop)
        writer.start()
        time.sleep(5)
        victims = subprocess.run(["pgrep", "-P", str(stack.procs[0].pid)], capture_output=True,
                                 text=True, check=False).stdout.split()  # fmt: skip
        os.kill(int(victims[0]), signal.SIGKILL)
        time.sleep(10)
        stop.set()
        writer.join(timeout=60)
        with context.cross_tenant("load test check"), database.unit_of_work() as db:
            stored = set(
                db.scalars(select(MeetingLog.note).where(MeetingLog.note.in_(writer.answered)))
            )
        lost = len(set(writer.answered) - stored)
        print(
            f"killed web worker {victims[0]}: {len(writer.answered)} writes answered 2xx, "
            f"{lost} of them missing; {writer.failed} not answered 2xx (the client knows)"
        )
        ok &= lost == 0 and len(writer.answered) > 0

        # 4. Every notification delivered exactly once.
        def drained() -> bool:
            with context.cross_tenant("load test check"), database.unit_of_work() as db:
                open_messages = db.scalar(
                    select(func.count()).select_from(outbox.OutboxMessage)
                    .where(outbox.OutboxMessage.status != outbox.OutboxStatus.DONE)
                )  # fmt: skip
            return open_messages == 0

        wait_until(drained, 120, "the outbox to drain")
        time.sleep(2)
        received = Counter(stack.smtp.recipients())
        missing = [e for e in side.invited if received[e] == 0]
        doubled = [e for e in side.invited if received[e] > 1]
        print(
            f"notifications: {len(side.invited)} invitations, {len(missing)} emails missing, "
            f"{len(doubled)} sent twice; {len(stack.smtp.messages)} emails in the sink"
        )
        ok &= not missing and not doubled
        database.dispose()
        print("OK" if ok else "TARGET MISSED")
        return 0 if ok else 1
    finally:
        stack.stop()
        if os.environ.get("KEEP_LOAD_DIR"):
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
