"""A partner's report: figures equal what the seed inputs say, per programme and in total.

The expectations are counted in Python from the specs that seeded the
tables (`support.expected`), never by querying, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant
from tests.platform.reports.support import add_expected, expected, make_seeded_programme
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.reports import service

YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def _values(sections: Any) -> dict[str, Any]:
    return {row.key: row.value for section in sections for row in section.rows}


def _json_values(sections: list[dict[str, Any]]) -> dict[str, Any]:
    return {row["key"]: row["value"] for section in sections for row in section["rows"]}


def _assert_figures(actual: dict[str, Any], wanted: dict[str, Any]) -> None:
    for key, value in wanted.items():
        assert actual.get(key, 0) == value, (key, actual.get(key), value)
    # Nothing counted that the seed does not explain (zero rows aside).
    extra = {k: v for k, v in actual.items() if k not in wanted and v and ":" in k}
    assert not extra, extra


def test_report_figures_equal_the_seed_inputs(database: Database) -> None:
    rng = random.Random(20251231)
    a, b = make_org(database), make_org(database)
    first = make_seeded_programme(database, a, rng, name="Mieskaverit Turku")
    second = make_seeded_programme(database, a, rng, name="Mieskaverit Raisio")
    make_seeded_programme(database, b, rng)  # another organisation: never in A's report

    for since, until in (YEAR, (date(2025, 3, 1), date(2025, 6, 30))):
        with in_tenant(database, a) as db:
            report = service.tenant_report(db, service.Period(since, until))
        assert [p.id for p in report.programmes] == [first.programme_id, second.programme_id]
        want_first = expected(first, since, until)
        want_second = expected(second, since, until)
        _assert_figures(_values(report.programmes[0].sections), want_first)
        _assert_figures(_values(report.programmes[1].sections), want_second)
        total = _values(report.total)
        for key, value in add_expected(want_first, want_second).items():
            assert total.get(key, 0) == value, key
        minutes = sum(
            m[2] for s in (first, second) for m in s.meetings if since <= m[1] <= until and not m[3]
        )
        assert total["hours.meeting_minutes"] == round(minutes / 60, 1)


def test_edges_of_the_year_are_finnish_midnight(database: Database) -> None:
    """00:30 on 1 January in Finland is 22:30 UTC on 31 December: it belongs to the new year."""
    a = make_org(database)
    spec = make_seeded_programme(database, a, random.Random(7))
    with in_tenant(database, a) as db:
        report = service.tenant_report(db, service.resolve_period(year=2025))
    figures = _values(report.programmes[0].sections)
    new_in_2025 = [
        v for v in spec.volunteers if v.approved_at and date(2025, 1, 1) <= _fi(v.approved_at)
    ]
    new_in_2025 = [v for v in new_in_2025 if _fi(v.approved_at) <= date(2025, 12, 31)]
    assert figures["volunteers.new"] == len(new_in_2025)
    assert any(
        _fi(v.approved_at) == date(2025, 1, 1) and v.approved_at.day == 31 for v in new_in_2025
    )


def _fi(moment: Any) -> date:
    from tests.platform.reports.support import HELSINKI

    return moment.astimezone(HELSINKI).date()


def test_a_constant_number_of_queries_whatever_the_data(database: Database) -> None:
    counts = []
    for size in (1, 3):
        org = make_org(database)
        make_seeded_programme(database, org, random.Random(size), size=size)
        make_seeded_programme(database, org, random.Random(size + 10), size=size)
        statements: list[str] = []

        def count(*args: Any, statements: list[str] = statements) -> None:
            statements.append(args[2])

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            with in_tenant(database, org) as db:
                service.tenant_report(db, service.resolve_period(year=2025))
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 16, counts


def test_the_period_is_checked() -> None:
    with pytest.raises(service.ValidationFailed) as bad:
        service.resolve_period(since=date(2025, 2, 1), until=date(2025, 1, 1))
    assert bad.value.code == "invalid_period"
    with pytest.raises(service.ValidationFailed):
        service.resolve_period(year=2025, since=date(2025, 1, 1))
    with pytest.raises(service.ValidationFailed):
        service.resolve_period(since=date(2025, 1, 1))
    assert service.resolve_period(year=2024) == service.Period(date(2024, 1, 1), date(2024, 12, 31))


def test_the_api_serves_the_organisations_own_report(
    client: FlaskClient, database: Database
) -> None:
    rng = random.Random(99)
    a, b = make_org(database), make_org(database)
    spec = make_seeded_programme(database, a, rng)
    other = make_seeded_programme(database, b, rng)
    headers = token_for(client, a, Role.COORDINATOR)

    resp = client.get("/api/v1/reports?year=2025&lang=en", headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json
    assert body["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert [p["id"] for p in body["programmes"]] == [str(spec.programme_id)]
    _assert_figures(_json_values(body["programmes"][0]["sections"]), expected(spec, *YEAR))
    titles = [s["title"] for s in body["total"]]
    assert "Volunteers" in titles and "Matches" in titles

    one = client.get(
        f"/api/v1/reports?from=2025-01-01&to=2025-12-31&programme_id={spec.programme_id}",
        headers=headers,
    )
    assert one.status_code == 200 and len(one.json["programmes"]) == 1
    # Another organisation's programme is unknown here, as any wrong id.
    theirs = client.get(f"/api/v1/reports?programme_id={other.programme_id}", headers=headers)
    assert theirs.status_code == 404 and theirs.json["code"] == "not_found"
    bad = client.get("/api/v1/reports?from=2025-02-01&to=2025-01-01", headers=headers)
    assert bad.status_code == 422 and bad.json["code"] == "invalid_period"

    # Volunteers and model owners' staff do not read a partner's report.
    volunteer = client.get("/api/v1/reports", headers=token_for(client, a, Role.VOLUNTEER))
    assert volunteer.status_code == 403
    assert client.get("/api/v1/reports").status_code == 401


def test_exports_of_a_partners_report(client: FlaskClient, database: Database) -> None:
    import csv
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    a = make_org(database)
    spec = make_seeded_programme(database, a, random.Random(3), name="Mieskaverit Åbo")
    want = expected(spec, *YEAR)
    headers = token_for(client, a, Role.TENANT_ADMIN)

    # Finnish unless asked otherwise (the client has no language yet).
    resp = client.get("/api/v1/reports/export?format=pdf&year=2025", headers=headers)
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert resp.headers["Content-Language"] == "fi"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(resp.data)).pages)
    assert "Mieskaverit Åbo" in text and "2025-01-01" in text

    resp = client.get("/api/v1/reports/export?format=csv&year=2025&lang=en", headers=headers)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    by_label = {r[0]: r[1:] for r in rows if r}
    assert by_label["Meetings logged"] == [str(want["meetings.count"])]
    assert by_label["Matches ended"] == [str(want["matches.ended"])]
    assert "Mieskaverit Åbo" in by_label["Volunteers"]

    resp = client.get("/api/v1/reports/export?format=xlsx&year=2025&lang=en", headers=headers)
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    cells = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert cells["Active volunteers"][0] == want["volunteers.active"]

    bad = client.get("/api/v1/reports/export?format=docx", headers=headers)
    assert bad.status_code == 422


def test_programmes_without_data_report_zeros(database: Database) -> None:
    from tests.platform.primitives.support import make_programme

    a = make_org(database)
    pid = make_programme(database, a)
    with in_tenant(database, a) as db:
        report = service.tenant_report(db, service.resolve_period(year=2025), programme_id=pid)
        missing = uuid.uuid4()
        with pytest.raises(service.NotFound):
            service.tenant_report(db, service.resolve_period(year=2025), programme_id=missing)
    values = _values(report.total)
    assert values["volunteers.active"] == 0 and values["matches.median_days"] == 0
