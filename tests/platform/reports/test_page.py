"""The report pages: tables, inline SVG charts, downloads; the owner's page hides small counts."""

from __future__ import annotations

import html
import random
import re

from flask.testing import FlaskClient

from tests.factories import make_model_owner, make_org, sign_in_web
from tests.platform.reports.support import expected, make_seeded_programme
from tests.platform.reports.test_owner import World, _assert_no_small_number, _csv_cells
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role

CELL = re.compile(r'<td class="num" data-figure="([^"]+)">([^<]*)</td>')


def test_a_coordinator_sees_the_report_with_charts_and_downloads(
    client: FlaskClient, database: Database
) -> None:
    from datetime import date

    org = make_org(database)
    spec = make_seeded_programme(database, org, random.Random(11))
    sign_in_web(client, org, Role.COORDINATOR)
    page = client.get(f"/t/{org.slug}/reports?year=2025&lang=en")
    assert page.status_code == 200, page.text
    cells = dict(CELL.findall(page.text))
    want = expected(spec, date(2025, 1, 1), date(2025, 12, 31))
    assert cells["meetings.count"] == str(want["meetings.count"])
    assert cells["volunteers.active"] == str(want["volunteers.active"])
    assert "<svg" in page.text and "<script" not in page.text
    csv_link = html.unescape(re.search(r'href="([^"]+export\.csv[^"]*)"', page.text).group(1))  # type: ignore[union-attr]
    download = client.get(csv_link)
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert str(want["meetings.count"]) in download.data.decode("utf-8-sig")

    pdf = client.get(f"/t/{org.slug}/reports/export.pdf?year=2025")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_volunteer_has_no_report_page(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    sign_in_web(client, org, Role.VOLUNTEER)
    assert client.get(f"/t/{org.slug}/reports").status_code == 403


def test_the_owners_page_shows_no_small_count(client: FlaskClient, database: Database) -> None:
    world = World(database)
    sign_in_web(client, world.owner, Role.OWNER_STAFF)
    index = client.get(f"/t/{world.owner.slug}/reports/owner")
    assert index.status_code == 200 and str(world.model_id) in index.text
    page = client.get(f"/t/{world.owner.slug}/reports/models/{world.model_id}?year=2025")
    assert page.status_code == 200, page.text
    values = [html.unescape(v) for _, v in CELL.findall(page.text)]
    assert "<5" in values and ".." in values
    _assert_no_small_number(values, "page")
    # The charts' text alternatives list their values: none of them under 5.
    for desc in re.findall(r"<desc>(.*?)</desc>", page.text):
        numbers = [float(n) for n in re.findall(r": (\d+(?:\.\d+)?)", html.unescape(desc))]
        assert all(n >= 5 for n in numbers), desc
    assert not [n for n in world.names if n in page.text]
    download = client.get(
        f"/t/{world.owner.slug}/reports/models/{world.model_id}/export.csv?year=2025"
    )
    assert download.status_code == 200
    _assert_no_small_number(
        [c for c in _csv_cells(download.data) if not re.match(r"^\d{4}-", c)], "page csv"
    )
    # Another owner's staff: the model is not theirs (404, as any unknown id).
    other = make_model_owner(database)
    other_client = client.application.test_client()
    sign_in_web(other_client, other, Role.OWNER_STAFF)
    assert other_client.get(f"/t/{other.slug}/reports/models/{world.model_id}").status_code == 404
