"""A model owner's report: its licensed partners summed, no count under 5 in any view or file.

The partners' figures are checked against the seed inputs (summed in
Python); then every value the owner can see - JSON, CSV, XLSX, PDF - is
parsed and no number under 5 may appear, nor any person's name, nor a
small count that subtraction from a shown total would reveal.
"""

from __future__ import annotations

import csv
import io
import random
import re
import uuid
from datetime import date
from typing import Any

from flask.testing import FlaskClient

from tests.factories import (
    Org,
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
    token_for,
)
from tests.platform.primitives.support import make_programme
from tests.platform.reports.support import (
    Spec,
    add_expected,
    expected,
    make_seeded_programme,
)
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.plugins import ReportRow, ReportSection
from tukiverkko.platform.reports import service
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


class World:
    """An owner's model with a big partner, a small partner, and partners that must not count."""

    def __init__(self, database: Database) -> None:
        self.owner = make_model_owner(database)
        self.model_id = make_programme_model(database, self.owner, name="Mieskaverit®")
        rng = random.Random(5)
        self.big, self.small, self.revoked = (make_org(database) for _ in range(3))
        for partner in (self.big, self.small, self.revoked):
            make_licence(database, self.model_id, partner, status="active", satisfied=True)
        self.big_spec = make_seeded_programme(database, self.big, rng, size=2)
        self.small_spec = Spec(make_programme(database, self.small))
        self._tiny(database, self.small, self.small_spec)
        # The big partner's programme of another module: not the owner's model.
        make_seeded_programme(database, self.big, rng, module_key="support_person")
        # A partner whose licence was revoked: its figures are no longer the owner's.
        make_seeded_programme(database, self.revoked, rng)
        with database.unit_of_work() as db:
            for licence in db.query(Licence).filter_by(partner_tenant_id=self.revoked.id):
                licence.status = LicenceStatus.REVOKED
        # A partner whose application was rejected (its programme made while it held one).
        stranger = make_org(database)
        self.stranger = make_seeded_programme(database, stranger, rng)
        with database.unit_of_work() as db:
            for licence in db.query(Licence).filter_by(partner_tenant_id=stranger.id):
                licence.status = LicenceStatus.REJECTED
        self.names = self._names(database)

    def _tiny(self, database: Database, org: Org, spec: Spec) -> None:
        """Three volunteers and one ended match: every count of this partner is under 5."""
        from tests.platform.reports.support import (
            MatchSpec,
            ParticipantSpec,
            VolunteerSpec,
            at,
            seed,
        )
        from tukiverkko.platform.primitives.models import MatchStatus

        spec.volunteers = [VolunteerSpec(at(date(2025, 2, d)), None, None) for d in (1, 2, 3)]
        spec.participants = [ParticipantSpec(2016, at(date(2025, 2, 1)))]
        spec.matches = [
            MatchSpec(
                spec.volunteers[0],
                spec.participants[0],
                MatchStatus.CLOSED,
                at(date(2025, 3, 1)),
                at(date(2025, 3, 4)),
                "moved",
            )
        ]
        spec.meetings = [(spec.matches[0], date(2025, 3, 2), 60, False)]
        seed(database, org, spec)

    def _names(self, database: Database) -> list[str]:
        from sqlalchemy import select

        from tukiverkko.platform.primitives.models import Participant, Volunteer

        with context.cross_tenant("test: names"), database.unit_of_work() as db:
            return [*db.scalars(select(Volunteer.name)), *db.scalars(select(Participant.name))]


def _report(database: Database, world: World, period: tuple[date, date] = YEAR) -> Any:
    with context.cross_tenant("test"), database.unit_of_work() as db:
        model = db.get(ProgrammeModel, world.model_id)
        assert model is not None
        actor = Actor(world.owner.people[Role.OWNER_STAFF], world.owner.id)
        return service.owner_report(db, model, service.Period(*period), actor=actor)


def _shown(value: str) -> int | float | None:
    """The number a cell shows, or None for "<5", ".." and text."""
    return float(value.replace(",", ".")) if NUMBER.match(value.strip()) else None


def _assert_no_small_number(cells: list[str], where: str) -> None:
    for cell in cells:
        number = _shown(cell)
        assert number is None or number >= 5, f"{where}: {cell!r}"


def test_owner_report_sums_licensed_partners_and_suppresses(database: Database) -> None:
    world = World(database)
    report = _report(database, world)

    assert [p.name for p in report.partners] == sorted(
        f"Yhdistys {org.slug}" for org in (world.big, world.small)
    )
    total = {row.key: row.value for s in report.total for row in s.rows}
    want = add_expected(expected(world.big_spec, *YEAR), expected(world.small_spec, *YEAR))
    for key, value in want.items():
        if value < 5:
            assert total[key] == "<5", key
        else:
            assert total[key] in (service.suppress(value), service.HIDDEN), key
    assert int(total["meetings.count"]) == want["meetings.count"]

    small = next(p for p in report.partners if p.name == f"Yhdistys {world.small.slug}")
    assert set(small.figures.values()) <= {"<5", ".."}
    big = next(p for p in report.partners if p is not small)
    assert big.figures["meetings.count"] in (
        str(expected(world.big_spec, *YEAR)["meetings.count"]),
        "..",
    )

    cells = [v for p in report.partners for v in p.figures.values()]
    cells += [row.value for s in report.total for row in s.rows]
    _assert_no_small_number(cells, "service")


def test_no_small_count_can_be_derived_by_subtraction(database: Database) -> None:
    """When one partner's figure is "<5" and the total is shown, another partner's is hidden."""
    world = World(database)
    report = _report(database, world)
    totals = {row.key: row.value for s in report.total for row in s.rows}
    measures = {"matches.median_days", "matches.average_days"}
    checked = 0
    for head in report.headline:
        if head.key in measures:
            continue
        column = [p.figures[head.key] for p in report.partners]
        if totals[head.key] not in ("<5", "..") and column.count("<5") == 1:
            assert ".." in column, (head.key, column, totals[head.key])
            checked += 1
    assert checked >= 3
    # Parts of a whole (ended matches by reason, participants by age): same rule.
    for section in report.total:
        wholes = {r.key: r.value for r in section.rows if r.part_of is None}
        for whole, value in wholes.items():
            parts = [r.value for r in section.rows if r.part_of == whole]
            if parts and value not in ("<5", "..") and parts.count("<5") == 1:
                assert ".." in parts, (whole, parts)


def test_protect_rules() -> None:
    assert service.suppress(0) == "<5" and service.suppress(4) == "<5"
    assert service.suppress(5) == "5" and service.suppress(12.5) == "12.5"
    assert service.protect(20, {"a": 3, "b": 7, "c": 10}) == {"a": "<5", "b": "..", "c": "10"}
    assert service.protect(20, {"a": 3, "b": 2, "c": 15}) == {"a": "<5", "b": "<5", "c": "15"}
    assert service.protect(4, {"a": 3, "b": 1}) == {"a": "<5", "b": "<5"}
    # Module rows go through the same suppression.
    secs = [
        ReportSection(
            "phone",
            "Phone",
            (
                ReportRow("calls", "Calls", 12),
                ReportRow("calls:a", "A", 2, "calls"),
                ReportRow("calls:b", "B", 10, "calls"),
            ),
        )
    ]
    shown = service._suppress_sections(secs, {"calls": 12, "calls:a": 2, "calls:b": 10})
    assert [r.value for r in shown[0].rows] == ["12", "<5", ".."]


def _csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]


def _pdf_cells(data: bytes) -> list[str]:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    # A thousands separator is a no-break space in Finnish ("1 234"): one number, not two.
    return text.replace("\xa0", "").split()


def test_every_owner_view_and_export_hides_small_counts_and_people(
    client: FlaskClient, database: Database
) -> None:
    world = World(database)
    headers = token_for(client, world.owner, Role.OWNER_STAFF)
    url = f"/api/v1/reports/models/{world.model_id}"

    resp = client.get(f"{url}?year=2025", headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json
    assert body["threshold"] == 5 and len(body["partners"]) == 2
    cells = [v for p in body["partners"] for v in p["figures"].values()]
    cells += [r["value"] for s in body["total"] for r in s["rows"]]
    assert all(isinstance(c, str) for c in cells)
    _assert_no_small_number(cells, "json")
    small = body["partners"][
        [p["name"] for p in body["partners"]].index(f"Yhdistys {world.small.slug}")
    ]
    assert small["figures"]["volunteers.active"] == "<5"

    exports = {"csv": _csv_cells, "xlsx": _xlsx_cells, "pdf": _pdf_cells}
    for fmt, parse in exports.items():
        resp = client.get(f"{url}/export?format={fmt}&year=2025", headers=headers)
        assert resp.status_code == 200, (fmt, resp.text)
        found = parse(resp.data)
        # Dates of the period aside (2025-01-01), no number under 5 in any cell or word.
        words = [w for w in found if not re.match(r"^\d{4}-\d\d-\d\d$", w)]
        _assert_no_small_number(words, fmt)
        assert "<5" in " ".join(found), fmt
        text = " ".join(found)
        leaked = [n for n in world.names if n in text]
        assert not leaked, (fmt, leaked)
        assert f"Yhdistys {world.revoked.slug}" not in text

    for payload in (resp.text for resp in [client.get(f"{url}?year=2025", headers=headers)]):
        assert not [n for n in world.names if n in payload]
        assert str(world.stranger.programme_id) not in payload


def test_only_the_models_owner_reads_its_report(client: FlaskClient, database: Database) -> None:
    world = World(database)
    url = f"/api/v1/reports/models/{world.model_id}"
    # Another model owner: the model is not theirs to see at all.
    other_owner = make_model_owner(database)
    other = client.get(url, headers=token_for(client, other_owner, Role.OWNER_STAFF))
    assert other.status_code == 404
    # A licensed partner's staff see the model, but not the owner's report.
    partner = client.get(url, headers=token_for(client, world.big, Role.TENANT_ADMIN))
    assert partner.status_code == 403
    # The owner's staff have no partner report of their own (they see no people).
    own = client.get("/api/v1/reports", headers=token_for(client, world.owner, Role.OWNER_STAFF))
    assert own.status_code == 403
    unknown = client.get(
        f"/api/v1/reports/models/{uuid.uuid4()}",
        headers=token_for(client, world.owner, Role.OWNER_STAFF),
    )
    assert unknown.status_code == 404


def test_a_coordinator_cannot_get_another_organisations_report(
    client: FlaskClient, database: Database
) -> None:
    world = World(database)
    headers = token_for(client, world.small, Role.COORDINATOR)
    resp = client.get("/api/v1/reports?year=2025", headers=headers)
    assert resp.status_code == 200
    assert [p["id"] for p in resp.json["programmes"]] == [str(world.small_spec.programme_id)]
    assert str(world.big_spec.programme_id) not in resp.text
    total = {r["key"]: r["value"] for s in resp.json["total"] for r in s["rows"]}
    assert total["volunteers.active"] == 3  # its own figures, unsuppressed
    theirs = client.get(
        f"/api/v1/reports/export?format=csv&programme_id={world.big_spec.programme_id}",
        headers=headers,
    )
    assert theirs.status_code == 404


def test_the_owners_report_costs_the_same_queries_for_more_partners(database: Database) -> None:
    from sqlalchemy import event

    world = World(database)
    counts = []
    for _ in range(2):
        statements: list[str] = []

        def count(*args: Any, statements: list[str] = statements) -> None:
            statements.append(args[2])

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            _report(database, world)
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        counts.append(len(statements))
        # Two more partners with data of their own, then count again.
        for _ in range(2):
            partner = make_org(database)
            make_licence(database, world.model_id, partner, status="active", satisfied=True)
            make_seeded_programme(database, partner, random.Random(len(counts)))
    assert counts[0] == counts[1], counts
