"""Benchmark: list endpoints with 10,000 vs 1,000,000 meetings on a real PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/list_scale.py

Starts a throwaway PostgreSQL, migrates two databases with Alembic and seeds them in bulk as the
table owner with tenants of the same shape — a coordinator, a programme, 100 volunteers, 100
participants, 100 active matches and 100 meetings per match (10,000 meetings per tenant):

- `small`: 1 tenant  (10,000 meetings);
- `large`: 100 tenants (1,000,000 meetings).

Then it asks the API (the app in-process, the non-owner app role: row-level security on, a
bearer token of the first tenant's coordinator) for the lists people open most, first page of
50, and compares the median latency per list. Target (issue 11): large within 1.5x of small.
Keyset pagination and indexes that lead with the tenant are what make it hold.

Exits with status 1 if a target is missed.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support.services

from sqlalchemy import insert, text  # noqa: E402

from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer  # noqa: E402
from tukiverkko.platform.app import create_app  # noqa: E402
from tukiverkko.platform.db import make_engine, utcnow  # noqa: E402
from tukiverkko.platform.identity.models import Role, User, UserStatus  # noqa: E402
from tukiverkko.platform.identity.passwords import configure_hasher, hash_password  # noqa: E402
from tukiverkko.platform.migrate import upgrade  # noqa: E402
from tukiverkko.platform.primitives.models import (  # noqa: E402
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

RATIO_TARGET = 1.5
PER_TENANT = 100  # volunteers, participants and matches per tenant
MEETINGS_PER_MATCH = 100
PASSWORD = "bench-salasana-2026"
REPEAT = 60


def seed(owner_url: str, tenants: int) -> dict[str, object]:
    """Bulk-seed `tenants` tenants of the same shape; returns the first one's sign-in and ids."""
    engine = make_engine(owner_url)
    now = utcnow()
    password_hash = hash_password(PASSWORD)
    first: dict[str, object] = {}
    with engine.begin() as conn:
        for n in range(tenants):
            tenant_id, programme_id, coordinator = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            slug = f"bench-{n}"
            conn.execute(
                insert(Tenant.__table__),
                [{"id": tenant_id, "slug": slug, "name": f"Bench {n} ry",
                  "kind": TenantKind.PARTNER, "status": TenantStatus.ACTIVE,
                  "business_id": None, "municipality": "Turku", "contact_name": "",
                  "contact_email": "", "contact_phone": "", "status_changed_at": now,
                  "created_at": now}],
            )  # fmt: skip
            conn.execute(
                insert(User.__table__),
                [{"id": coordinator, "tenant_id": tenant_id, "email": f"k@{slug}.example",
                  "name": "Koordinaattori", "role": Role.COORDINATOR,
                  "status": UserStatus.ACTIVE, "language": "fi", "password_hash": password_hash,
                  "created_at": now}],
            )  # fmt: skip
            conn.execute(
                insert(Programme.__table__),
                [{"id": programme_id, "tenant_id": tenant_id, "name": "Kaverit",
                  "module_key": "mentor_buddy", "accepts_applications": True,
                  "background_check_required": True, "extract_max_age_days": 183,
                  "training_required": True, "meetings_per_month_min": 2,
                  "meetings_per_month_max": 4, "intake_by_guardian": True,
                  "intake_by_referrer": False, "intake_by_self": False,
                  "closing_reasons": ["moved"], "created_at": now, "retired_at": None}],
            )  # fmt: skip
            volunteers = [
                {"id": uuid.uuid4(), "tenant_id": tenant_id, "programme_id": programme_id,
                 "user_id": None, "name": f"V{i}", "email": "", "phone": "", "capacity": 1,
                 "status": VolunteerStatus.ACTIVE, "status_before_pause": None,
                 "status_changed_at": now, "end_reason": "", "check_recorded_at": now,
                 "training_completed_at": now, "approved_at": now, "created_at": now,
                 "postcode": "20100", "languages": ["fi"], "interests": [], "availability": []}
                for i in range(PER_TENANT)
            ]  # fmt: skip
            participants = [
                {"id": uuid.uuid4(), "tenant_id": tenant_id, "programme_id": programme_id,
                 "kind": ParticipantKind.CHILD, "name": f"P{i}", "birth_year": 2016,
                 "contact_name": "", "contact_phone": "", "contact_email": "",
                 "intake_source": IntakeSource.GUARDIAN, "referrer_organisation": "",
                 "status": ParticipantStatus.MATCHED, "status_changed_at": now,
                 "end_reason": "", "recorded_by": None, "created_at": now,
                 "postcode": "20100", "languages": ["fi"], "interests": [], "availability": []}
                for i in range(PER_TENANT)
            ]  # fmt: skip
            conn.execute(insert(Volunteer.__table__), volunteers)
            conn.execute(insert(Participant.__table__), participants)
            started = now - timedelta(days=400)
            matches = [
                {"id": uuid.uuid4(), "tenant_id": tenant_id, "programme_id": programme_id,
                 "volunteer_id": volunteers[i]["id"], "participant_id": participants[i]["id"],
                 "status": MatchStatus.ACTIVE, "score": None, "proposed_by": coordinator,
                 "close_reason": "", "close_note": "", "volunteer_accepted_at": started,
                 "participant_accepted_at": started, "activated_at": started,
                 "created_at": started}
                for i in range(PER_TENANT)
            ]  # fmt: skip
            conn.execute(insert(Match.__table__), matches)
            if n == 0:
                first = {"tenant": slug, "email": f"k@{slug}.example", "match": matches[0]["id"]}
        # The meetings in one statement: every match, one meeting every 4 days backwards.
        conn.execute(
            text(
                "INSERT INTO meeting_logs (id, tenant_id, match_id, volunteer_id, met_on, minutes,"
                " kind, note, logged_by, withdrawn_at, created_at)"
                " SELECT gen_random_uuid(), m.tenant_id, m.id, m.volunteer_id,"
                " CURRENT_DATE - (g * 4), 90, 'meeting', '', m.proposed_by, NULL,"
                " now() - make_interval(days => g * 4)"
                " FROM matches m CROSS JOIN generate_series(1, :n) AS g"
            ),
            {"n": MEETINGS_PER_MATCH},
        )
    engine.dispose()
    return first


def measure(settings: Settings, first: dict[str, object]) -> dict[str, float]:
    """Median milliseconds per list (first page of 50) for the first tenant's coordinator."""
    app = create_app(settings)
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token",
        json={"tenant": first["tenant"], "email": first["email"], "password": PASSWORD},
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    lists = {
        "meetings of a match": f"/api/v1/follow-up/matches/{first['match']}/meetings?limit=50",
        "matches": "/api/v1/matches?limit=50",
        "volunteers": "/api/v1/volunteers?limit=50",
        "participants": "/api/v1/participants?limit=50",
        "below cadence": "/api/v1/follow-up/below-cadence?limit=50",
    }
    medians = {}
    for name, path in lists.items():
        times = []
        for i in range(REPEAT + 5):
            start = time.perf_counter()
            resp = client.get(path, headers=headers)
            elapsed = time.perf_counter() - start
            assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
            if i >= 5:  # warm-up
                times.append(elapsed)
        medians[name] = statistics.median(times) * 1000
    app.extensions["tukiverkko.db"].dispose()
    return medians


def main() -> int:
    configure_hasher(time_cost=1, memory_cost=8 * 1024)
    root = Path(tempfile.mkdtemp(prefix="tukiverkko-bench-"))
    root.chmod(0o755)
    server = PostgresServer(root / "pg").start()
    results: dict[str, dict[str, float]] = {}
    try:
        for name, tenants in (("small", 1), ("large", 100)):
            server.sql("postgres", f"CREATE DATABASE {name} OWNER {OWNER_ROLE}")
            settings = Settings(
                env="test",
                secret_key="bench-secret-key",
                var_dir=root,
                database_url=server.url(name, APP_ROLE),
                database_migration_url=server.url(name),
                database_app_role=APP_ROLE,
                log_json=False,
                log_level="WARNING",
            ).resolved()
            upgrade(settings)
            t0 = time.perf_counter()
            first = seed(settings.database_migration_url, tenants)
            server.sql(name, "VACUUM ANALYZE")
            count = tenants * PER_TENANT * MEETINGS_PER_MATCH
            print(f"{name}: {tenants} tenant(s), {count:,} meetings, seeded in "
                  f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
            results[name] = measure(settings, first)
        ok = True
        print(f"{'list (first page of 50)':<24} {'10k ms':>8} {'1M ms':>8} {'ratio':>6}")
        for name, small in results["small"].items():
            large = results["large"][name]
            ratio = large / small
            ok = ok and ratio <= RATIO_TARGET
            print(f"{name:<24} {small:8.2f} {large:8.2f} {ratio:6.2f}")
        print(f"target: every ratio <= {RATIO_TARGET}  ->  {'OK' if ok else 'TARGET MISSED'}")
        return 0 if ok else 1
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
