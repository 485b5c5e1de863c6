"""Benchmark: a yearly funder report of a big organisation on a real PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/reports.py

Starts a throwaway PostgreSQL (tests/support/services.py), migrates it with
Alembic as the table owner, and seeds one partner with 10,000 volunteers,
8,000 participants, 10,000 matches (a third of them closed), 100,000
meetings, 20,000 other volunteer hours, 300 events with 3,000 sign-ups and
120 supervision sessions with 1,200 attendances, spread over 2024-2026; a
second partner gets a tenth of that (noise the filters must skip). Then it
measures, through the application's own database layer (the non-owner app
role, so row-level security is on, one transaction per call):

- the partner's yearly report (target: median < 2 s);
- the same report written as XLSX and as PDF;
- the model owner's yearly report over both partners (cross-tenant, suppressed).

Exits with status 1 if the target is missed.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support.services

from flask import Flask  # noqa: E402
from flask_babel import Babel  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer  # noqa: E402
from tukiverkko.platform import context  # noqa: E402
from tukiverkko.platform.db import Database, make_engine, utcnow  # noqa: E402
from tukiverkko.platform.identity.models import Role, User, UserStatus  # noqa: E402
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
from tukiverkko.platform.primitives.models_followup import (  # noqa: E402
    Event,
    EventKind,
    EventSignup,
    MeetingKind,
    MeetingLog,
    SignupStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionSession,
    VolunteerHours,
)
from tukiverkko.platform.reports import exports, service  # noqa: E402
from tukiverkko.platform.settings import Settings  # noqa: E402
from tukiverkko.tenants.licensing import Actor  # noqa: E402
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel  # noqa: E402
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus  # noqa: E402

TARGET_S = 2.0
FIRST, LAST = date(2024, 1, 1), date(2026, 6, 30)
SPAN = (LAST - FIRST).days


def _day(rng: random.Random) -> date:
    return FIRST + timedelta(days=rng.randrange(SPAN))


def _moment(rng: random.Random) -> datetime:
    return datetime.combine(_day(rng), datetime.min.time(), UTC) + timedelta(
        minutes=rng.randrange(24 * 60)
    )


def _tenant(conn: Any, slug: str, kind: TenantKind, now: datetime) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    conn.execute(
        insert(Tenant.__table__),
        [{"id": tenant_id, "slug": slug, "name": f"{slug} ry", "kind": kind,
          "status": TenantStatus.ACTIVE, "business_id": None, "municipality": "Turku",
          "contact_name": "", "contact_email": "", "contact_phone": "",
          "status_changed_at": now, "created_at": now}],
    )  # fmt: skip
    return tenant_id


def seed_partner(conn: Any, tenant_id: uuid.UUID, rng: random.Random, scale: float) -> None:
    """One programme with `scale` times the volumes above, by bulk inserts."""
    now = utcnow()
    n = lambda count: int(count * scale)  # noqa: E731
    user = uuid.uuid4()
    conn.execute(
        insert(User.__table__),
        [{"id": user, "tenant_id": tenant_id, "email": f"k{user.hex[:6]}@bench.example",
          "name": "Koordinaattori", "role": Role.COORDINATOR, "status": UserStatus.ACTIVE,
          "language": "fi", "created_at": now}],
    )  # fmt: skip
    programme = uuid.uuid4()
    conn.execute(
        insert(Programme.__table__),
        [{"id": programme, "tenant_id": tenant_id, "module_key": "mentor_buddy", "name": "Big",
          "accepts_applications": True, "background_check_required": True,
          "extract_max_age_days": 183, "training_required": True, "meetings_per_month_min": 2,
          "meetings_per_month_max": 4, "intake_by_guardian": True, "intake_by_referrer": False,
          "intake_by_self": False, "closing_reasons": ["moved"], "created_at": now,
          "retired_at": None}],
    )  # fmt: skip
    base = {"tenant_id": tenant_id, "created_at": now}
    volunteers = []
    for i in range(n(10_000)):
        approved = _moment(rng) if rng.random() < 0.9 else None
        ended = (
            approved + timedelta(days=rng.randrange(30, 600))
            if approved and rng.random() < 0.3
            else None
        )
        volunteers.append(
            {**base, "id": uuid.uuid4(), "programme_id": programme, "user_id": None,
             "name": f"V{i}", "email": "", "phone": "", "postcode": "20100", "languages": ["fi"],
             "interests": [], "availability": [], "capacity": 1,
             "status": VolunteerStatus.ENDED if ended else VolunteerStatus.APPROVED,
             "status_before_pause": None, "status_changed_at": ended or approved or now,
             "end_reason": "", "check_recorded_at": approved, "training_completed_at": approved,
             "approved_at": approved}
        )  # fmt: skip
    conn.execute(insert(Volunteer.__table__), volunteers)
    participants = [
        {**base, "id": uuid.uuid4(), "programme_id": programme, "kind": ParticipantKind.CHILD,
         "name": f"P{i}", "birth_year": rng.choice([None, *range(2008, 2022)]), "postcode": "",
         "languages": [], "interests": [], "availability": [], "contact_name": "",
         "contact_phone": "", "contact_email": "", "intake_source": IntakeSource.GUARDIAN,
         "referrer_organisation": "", "status": ParticipantStatus.MATCHED,
         "status_changed_at": now, "end_reason": "", "recorded_by": None}
        for i in range(n(8_000))
    ]  # fmt: skip
    conn.execute(insert(Participant.__table__), participants)
    matches = []
    for i in range(n(10_000)):
        activated = _moment(rng)
        closed = activated + timedelta(days=rng.randrange(1, 500)) if rng.random() < 0.33 else None
        matches.append(
            {**base, "id": uuid.uuid4(), "programme_id": programme,
             "volunteer_id": volunteers[i % len(volunteers)]["id"],
             "participant_id": participants[i % len(participants)]["id"],
             "status": MatchStatus.CLOSED if closed else MatchStatus.ACTIVE, "score": None,
             "proposed_by": user, "activated_at": activated, "closed_at": closed,
             "close_reason": rng.choice(["moved", "need_ended", "other"]) if closed else "",
             "close_note": ""}
        )  # fmt: skip
    conn.execute(insert(Match.__table__), matches)
    for chunk in range(0, n(100_000), 20_000):
        meetings = []
        for _ in range(min(20_000, n(100_000) - chunk)):
            match = rng.choice(matches)
            meetings.append(
                {**base, "id": uuid.uuid4(), "match_id": match["id"],
                 "volunteer_id": match["volunteer_id"],
                 "met_on": date(2025, 1, 1) + timedelta(days=rng.randrange(365)),
                 "minutes": rng.randrange(30, 240), "kind": MeetingKind.MEETING, "note": "",
                 "logged_by": user, "withdrawn_at": None}
            )  # fmt: skip
        conn.execute(insert(MeetingLog.__table__), meetings)
    conn.execute(
        insert(VolunteerHours.__table__),
        [{**base, "id": uuid.uuid4(), "volunteer_id": rng.choice(volunteers)["id"],
          "worked_on": _day(rng), "minutes": rng.randrange(60, 240), "activity": "Vuoro",
          "logged_by": user, "withdrawn_at": None}
         for _ in range(n(20_000))],
    )  # fmt: skip
    events = [
        {**base, "id": uuid.uuid4(), "programme_id": programme, "kind": EventKind.OUTING,
         "title": "Retki", "description": "", "starts_at": _moment(rng), "location": "",
         "capacity": 20, "created_by": user, "cancelled_at": None}
        for _ in range(n(300))
    ]  # fmt: skip
    conn.execute(insert(Event.__table__), events)
    conn.execute(
        insert(EventSignup.__table__),
        [{**base, "id": uuid.uuid4(), "event_id": events[i % len(events)]["id"],
          "volunteer_id": volunteers[i]["id"], "participant_id": None,
          "status": rng.choice(list(SignupStatus)), "queued_at": now, "promoted_at": None,
          "signed_up_by": user}
         for i in range(n(3_000))],
    )  # fmt: skip
    group = uuid.uuid4()
    conn.execute(
        insert(SupervisionGroup.__table__),
        [{**base, "id": group, "programme_id": programme, "name": "Työnohjaus",
          "supervisor_name": "", "closed_at": None}],
    )  # fmt: skip
    sessions = [
        {**base, "id": uuid.uuid4(), "group_id": group, "starts_at": _moment(rng),
         "location": "", "cancelled_at": None}
        for _ in range(n(120))
    ]  # fmt: skip
    conn.execute(insert(SupervisionSession.__table__), sessions)
    conn.execute(
        insert(SupervisionAttendance.__table__),
        [{**base, "id": uuid.uuid4(), "session_id": sessions[i % len(sessions)]["id"],
          "volunteer_id": volunteers[i]["id"], "attended": rng.random() < 0.8,
          "recorded_by": user}
         for i in range(n(1_200))],
    )  # fmt: skip


def seed(owner_url: str, rng: random.Random) -> dict[str, uuid.UUID]:
    """Seed as the table owner with bulk inserts (fast; the app role measures)."""
    engine = make_engine(owner_url)
    now = utcnow()
    with engine.begin() as conn:
        big = _tenant(conn, "big", TenantKind.PARTNER, now)
        small = _tenant(conn, "small", TenantKind.PARTNER, now)
        owner = _tenant(conn, "owner", TenantKind.MODEL_OWNER, now)
        seed_partner(conn, big, rng, 1.0)
        seed_partner(conn, small, rng, 0.1)
        model = uuid.uuid4()
        conn.execute(
            insert(ProgrammeModel.__table__),
            [{"id": model, "owner_tenant_id": owner, "name": "Mieskaverit®", "description": "",
              "module_key": "mentor_buddy", "operating_principles": "", "curriculum": "",
              "created_at": now}],
        )  # fmt: skip
        conn.execute(
            insert(Licence.__table__),
            [{"id": uuid.uuid4(), "model_id": model, "partner_tenant_id": partner,
              "area": "Turku", "status": LicenceStatus.ACTIVE, "status_changed_at": now,
              "valid_until": None, "application_note": "", "resources": "", "how_to_apply": "",
              "created_at": now}
             for partner in (big, small)],
        )  # fmt: skip
    engine.dispose()
    return {"big": big, "owner": owner, "model": model}


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


def _explain(database: Database, tenant_id: uuid.UUID, period: service.Period) -> None:
    """Time each statement of one report (`--explain`): where the time goes."""
    from sqlalchemy import event

    starts: list[float] = []

    def before(*args: Any) -> None:
        starts.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        took = (time.perf_counter() - starts.pop()) * 1000
        print(f"  {took:7.1f} ms  {' '.join(statement.split())[:110]}")

    event.listen(database.engine, "before_cursor_execute", before)
    event.listen(database.engine, "after_cursor_execute", after)
    with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
        service.tenant_report(db, period)
    event.remove(database.engine, "before_cursor_execute", before)
    event.remove(database.engine, "after_cursor_execute", after)


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
        t0 = time.perf_counter()
        ids = seed(settings.database_migration_url, random.Random(2026))
        server.sql("bench", "ANALYZE")
        print(f"seeded in {time.perf_counter() - t0:.1f} s")

        database = Database(settings.database_url)  # the app role: row-level security on
        period = service.resolve_period(year=2025)
        # Labels are lazy strings: render them in a request context, as the API does.
        app = Flask("bench")
        Babel(app)

        def partner_report() -> service.TenantReport:
            with context.bind(tenant_id=ids["big"]), database.unit_of_work() as db:
                return service.tenant_report(db, period)

        def owner_report() -> service.OwnerReport:
            with context.cross_tenant("bench"), database.unit_of_work() as db:
                model = service.load_model(db, ids["model"])
                actor = Actor(None, ids["owner"])
                return service.owner_report(db, model, period, actor=actor)

        if "--explain" in sys.argv:
            _explain(database, ids["big"], period)
        r_times, report = timed(partner_report, repeat=7, warmup=1)
        with app.test_request_context("/"):
            x_times, xlsx = timed(lambda: exports.render(report, "xlsx"), repeat=3, warmup=1)
            p_times, pdf = timed(lambda: exports.render(report, "pdf"), repeat=3, warmup=1)
        o_times, _ = timed(owner_report, repeat=5, warmup=1)
        database.dispose()

        figures = {r.key: r.value for s in report.total for r in s.rows}  # type: ignore[attr-defined]
        median = statistics.median(r_times)
        print(f"yearly report, 10,000 volunteers / 100,000 meetings: median {median:.3f} s "
              f"(max {max(r_times):.3f} s; {figures['meetings.count']} meetings, "
              f"{figures['volunteers.active']} active volunteers in 2025)  "
              f"target < {TARGET_S:.0f} s")  # fmt: skip
        print(f"  as XLSX: median {statistics.median(x_times) * 1000:.0f} ms ({len(xlsx)} bytes); "  # type: ignore[arg-type]
              f"as PDF: median {statistics.median(p_times) * 1000:.0f} ms ({len(pdf)} bytes)")  # type: ignore[arg-type]  # fmt: skip
        print(
            f"owner's yearly report over both partners: median {statistics.median(o_times):.3f} s"
        )
        ok = median < TARGET_S
        print("OK" if ok else "TARGET MISSED")
        return 0 if ok else 1
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
