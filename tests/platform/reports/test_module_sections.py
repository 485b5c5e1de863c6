"""A module's own report section through the plugin contract: Toiminnan Miehet's phone line."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import date, timedelta

from tests.factories import Org, make_licence, make_model_owner, make_org, make_programme_model
from tests.platform.primitives.support import in_tenant, make_programme
from tests.platform.reports.support import at
from tukiverkko.modules.mens_peer_groups.models import Call, PhoneShift, Topic
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.reports import service
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import ProgrammeModel

KEY = "mens_peer_groups"


def _seed_line(
    database: Database, org: Org, programme_id: uuid.UUID, rng: random.Random, calls: int
) -> tuple[int, Counter[str]]:
    """Shifts on two evenings a week around 2025 and `calls` calls; returns what 2025 holds."""
    shifts_2025 = 0
    topics: Counter[str] = Counter()
    with in_tenant(database, org) as db:
        day = date(2024, 12, 2)
        while day <= date(2026, 1, 31):
            for evening in (day, day + timedelta(days=2)):  # Monday and Wednesday
                db.add(
                    PhoneShift(
                        programme_id=programme_id,
                        starts_at=at(evening, 18),
                        ends_at=at(evening, 21),
                        places=2,
                        created_by=org.people[Role.COORDINATOR],
                    )
                )
                shifts_2025 += evening.year == 2025
            day += timedelta(days=7)
        for _ in range(calls):
            shift_date = date(2024, 12, 1) + timedelta(days=rng.randrange(420))
            topic = rng.choice(list(Topic))
            db.add(
                Call(
                    duration_minutes=rng.randrange(5, 60),
                    topic=topic,
                    referred_onward=rng.random() < 0.2,
                    shift_date=shift_date,
                )
            )
            if shift_date.year == 2025:
                topics[topic.value] += 1
    return shifts_2025, topics


def test_the_phone_line_section_of_a_partners_report(database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org, module_key=KEY, name="Toiminnan Miehet")
    shifts, topics = _seed_line(database, org, programme_id, random.Random(4), 300)
    other = make_org(database)  # another organisation's line is not counted
    _seed_line(
        database, other, make_programme(database, other, module_key=KEY), random.Random(5), 50
    )
    with in_tenant(database, org) as db:
        report = service.tenant_report(db, service.resolve_period(year=2025))
    section = next(s for s in report.programmes[0].sections if s.key == "phone_line")
    values = {r.key: r.value for r in section.rows}
    assert values["phone_line.shifts_held"] == shifts == 105  # 52 Mondays, 53 Wednesdays
    assert values["phone_line.calls"] == sum(topics.values())
    for topic in Topic:
        assert values[f"phone_line.calls:{topic.value}"] == topics[topic.value]


def test_the_phone_line_in_a_model_owners_report_is_suppressed(database: Database) -> None:
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner, module_key=KEY, name="Toiminnan Miehet")
    partners = [make_org(database) for _ in range(2)]
    want_calls = want_shifts = 0
    for i, partner in enumerate(partners):
        make_licence(database, model_id, partner, status="active", satisfied=True)
        pid = make_programme(database, partner, module_key=KEY)
        # A busy line and a quiet one: the quiet one's topics are all under 5.
        shifts, topics = _seed_line(database, partner, pid, random.Random(i), 400 if i == 0 else 12)
        want_calls += sum(topics.values())
        want_shifts += shifts
    with context.cross_tenant("test"), database.unit_of_work() as db:
        model = db.get(ProgrammeModel, model_id)
        assert model is not None
        report = service.owner_report(
            db, model, service.resolve_period(year=2025), actor=Actor(None, owner.id)
        )
    section = next(s for s in report.total if s.key == "phone_line")
    shown = {r.key: r.value for r in section.rows}
    assert shown["phone_line.calls"] == str(want_calls)
    assert shown["phone_line.shifts_held"] == str(want_shifts)
    for partner in report.partners:
        assert "phone_line.calls" in partner.figures
        assert "phone_line.calls:violence" not in partner.figures  # parts: total only
    values = [v for p in report.partners for v in p.figures.values()] + list(shown.values())
    assert all(v in ("<5", "..") or float(v) >= 5 for v in values)
