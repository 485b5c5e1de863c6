"""Benchmark: matching suggestions and batch assignment on a real PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/matching.py

Starts a throwaway PostgreSQL (tests/support/services.py), migrates it with
Alembic as the table owner, seeds one tenant with 10,000 approved volunteers
(plus 2,000 open matches, so the capacity join has work to do) in one
programme, and 1,000 volunteers with 1,000 waiting participants in another.
Then it measures, through the application's own database layer (the
non-owner app role, so row-level security is on, one transaction per call):

- suggestions for one participant among the 10,000 (target: median < 100 ms);
- a best overall assignment of 1,000 participants x 1,000 volunteers
  (target: < 2 s).

Exits with status 1 if a target is missed.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support.services

from sqlalchemy import insert  # noqa: E402

from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer  # noqa: E402
from tukiverkko.platform import context  # noqa: E402
from tukiverkko.platform.db import Database, make_engine, utcnow  # noqa: E402
from tukiverkko.platform.identity.models import Role, User, UserStatus  # noqa: E402
from tukiverkko.platform.migrate import upgrade  # noqa: E402
from tukiverkko.platform.primitives import matching  # noqa: E402
from tukiverkko.platform.primitives.models import (  # noqa: E402
    AVAILABILITY_SLOTS,
    IntakeSource,
    Match,
    MatchStatus,
    Participant,
    ParticipantKind,
    ParticipantStatus,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.settings import Settings  # noqa: E402
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus  # noqa: E402

SUGGEST_TARGET_MS = 100.0
BATCH_TARGET_S = 2.0
LANGUAGES = ["fi", "sv", "en", "ar", "so", "ru", "et", "fa", "ku", "uk"]
INTERESTS = [
    "football", "fishing", "chess", "music", "drawing", "cooking", "gaming", "hiking",
    "swimming", "reading", "cycling", "theatre", "floorball", "skating", "lego", "science",
    "animals", "photography", "dance", "crafts",
]  # fmt: skip
# Postcode areas of a few towns: close numbers, close places.
POSTCODES = [f"{base + step:05d}" for base in (100, 20100, 33100, 40100, 70100, 90100)
             for step in range(0, 900, 10)]  # fmt: skip


def _profile(rng: random.Random) -> dict[str, object]:
    return {
        "postcode": rng.choice(POSTCODES),
        "languages": ["fi", *rng.sample(LANGUAGES[1:], rng.randint(0, 2))],
        "interests": rng.sample(INTERESTS, rng.randint(1, 5)),
        "availability": rng.sample(AVAILABILITY_SLOTS, rng.randint(2, 8)),
    }


def seed(owner_url: str, rng: random.Random) -> dict[str, uuid.UUID]:
    """Seed as the table owner with bulk inserts (fast; the app role measures)."""
    engine = make_engine(owner_url)
    tenant_id = uuid.uuid4()
    big, batch = uuid.uuid4(), uuid.uuid4()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Tenant.__table__),
            [{"id": tenant_id, "slug": "bench", "name": "Bench ry", "kind": TenantKind.PARTNER,
              "status": TenantStatus.ACTIVE, "business_id": None, "municipality": "Turku",
              "contact_name": "", "contact_email": "", "contact_phone": "",
              "status_changed_at": now, "created_at": now}],
        )  # fmt: skip
        programme = {"tenant_id": tenant_id, "module_key": "mentor_buddy",
                     "accepts_applications": True, "background_check_required": True,
                     "extract_max_age_days": 183, "training_required": True,
                     "meetings_per_month_min": 2, "meetings_per_month_max": 4,
                     "intake_by_guardian": True, "intake_by_referrer": False,
                     "intake_by_self": False, "closing_reasons": ["moved"], "created_at": now,
                     "retired_at": None}  # fmt: skip
        conn.execute(
            insert(Programme.__table__),
            [{**programme, "id": big, "name": "Big"}, {**programme, "id": batch, "name": "Batch"}],
        )

        def volunteers(programme_id: uuid.UUID, n: int) -> list[dict[str, object]]:
            return [
                {"id": uuid.uuid4(), "tenant_id": tenant_id, "programme_id": programme_id,
                 "user_id": None, "name": f"V{i}", "email": "", "phone": "",
                 "capacity": rng.randint(1, 3), "status": VolunteerStatus.APPROVED,
                 "status_before_pause": None, "status_changed_at": now, "end_reason": "",
                 "check_recorded_at": now, "training_completed_at": now, "approved_at": now,
                 "created_at": now, **_profile(rng)}
                for i in range(n)
            ]  # fmt: skip

        def participants(programme_id: uuid.UUID, n: int) -> list[dict[str, object]]:
            return [
                {"id": uuid.uuid4(), "tenant_id": tenant_id, "programme_id": programme_id,
                 "kind": ParticipantKind.CHILD, "name": f"P{i}", "birth_year": 2016,
                 "contact_name": "", "contact_phone": "", "contact_email": "",
                 "intake_source": IntakeSource.GUARDIAN, "referrer_organisation": "",
                 "status": ParticipantStatus.WAITING, "status_changed_at": now,
                 "end_reason": "", "recorded_by": None, "created_at": now, **_profile(rng)}
                for i in range(n)
            ]  # fmt: skip

        big_volunteers = volunteers(big, 10_000)
        big_participants = participants(big, 2_001)
        conn.execute(insert(Volunteer.__table__), big_volunteers)
        conn.execute(insert(Participant.__table__), big_participants)
        coordinator = uuid.uuid4()
        conn.execute(
            insert(User.__table__),
            [{"id": coordinator, "tenant_id": tenant_id, "email": "k@bench.example",
              "name": "Koordinaattori", "role": Role.COORDINATOR, "status": UserStatus.ACTIVE,
              "language": "fi", "created_at": now}],
        )  # fmt: skip
        # 2,000 open matches: a fifth of the volunteers have used some capacity.
        conn.execute(
            insert(Match.__table__),
            [{"id": uuid.uuid4(), "tenant_id": tenant_id, "programme_id": big,
              "volunteer_id": big_volunteers[i]["id"], "participant_id": big_participants[i]["id"],
              "status": MatchStatus.ACTIVE, "score": None, "proposed_by": coordinator,
              "close_reason": "", "close_note": "", "created_at": now}
             for i in range(2_000)],
        )  # fmt: skip
        conn.execute(insert(Volunteer.__table__), volunteers(batch, 1_000))
        conn.execute(insert(Participant.__table__), participants(batch, 1_000))
    engine.dispose()
    return {"tenant": tenant_id, "big": big, "batch": batch,
            "participant": big_participants[-1]["id"]}  # type: ignore[dict-item]  # fmt: skip


def timed(fn: Callable[[], object], repeat: int, warmup: int) -> tuple[list[float], object]:
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="tukiverkko-bench-"))
    root.chmod(0o755)
    server = PostgresServer(root / "pg").start()
    try:
        server.sql("postgres", f"CREATE DATABASE bench OWNER {OWNER_ROLE}")
        settings = Settings(
            env="test",
            secret_key="bench",
            var_dir=root,
            database_url=server.url("bench", APP_ROLE),
            database_migration_url=server.url("bench"),
            database_app_role=APP_ROLE,
            log_json=False,
        ).resolved()
        upgrade(settings)
        rng = random.Random(2026)
        t0 = time.perf_counter()
        ids = seed(settings.database_migration_url, rng)
        server.sql("bench", "ANALYZE")
        print(f"seeded in {time.perf_counter() - t0:.1f} s")

        database = Database(settings.database_url)  # the app role: row-level security on

        def suggest() -> list[matching.Suggestion]:
            with context.bind(tenant_id=ids["tenant"]), database.unit_of_work() as db:
                programme = db.get(Programme, ids["big"])
                participant = db.get(Participant, ids["participant"])
                assert programme is not None and participant is not None
                return matching.suggest(db, programme, participant, limit=10)

        def batch(method: str) -> Callable[[], list[matching.Assignment]]:
            def run() -> list[matching.Assignment]:
                with context.bind(tenant_id=ids["tenant"]), database.unit_of_work() as db:
                    programme = db.get(Programme, ids["batch"])
                    assert programme is not None
                    return matching.propose_assignment(db, programme, method=method)

            return run

        s_times, found = timed(suggest, repeat=30, warmup=3)
        b_times, pairs = timed(batch("exact"), repeat=5, warmup=1)
        g_times, greedy = timed(batch("greedy"), repeat=3, warmup=0)
        database.dispose()

        s_median = statistics.median(s_times) * 1000
        b_median = statistics.median(b_times)
        exact_total = sum(a.score for a in pairs)  # type: ignore[attr-defined]
        greedy_total = sum(a.score for a in greedy)  # type: ignore[attr-defined]
        print(f"suggestions, 1 participant among 10,000 volunteers: median {s_median:.1f} ms "
              f"(p90 {sorted(s_times)[26] * 1000:.1f} ms, min {min(s_times) * 1000:.1f} ms; "
              f"{len(found)} returned)  target < {SUGGEST_TARGET_MS:.0f} ms")  # type: ignore[arg-type]  # fmt: skip
        print(f"batch, 1,000 participants x 1,000 volunteers, exact: median {b_median:.2f} s "
              f"({len(pairs)} pairs, total score {exact_total:.1f})  "  # type: ignore[arg-type]
              f"target < {BATCH_TARGET_S:.0f} s")  # fmt: skip
        print(f"batch, greedy for comparison: median {statistics.median(g_times):.2f} s "
              f"(total score {greedy_total:.1f})")  # fmt: skip
        ok = s_median < SUGGEST_TARGET_MS and b_median < BATCH_TARGET_S
        print("OK" if ok else "TARGET MISSED")
        return 0 if ok else 1
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
