"""The national directory lists exactly the activities with an active licence."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from flask.testing import FlaskClient

from tests.factories import (
    make_course,
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
)
from tukiverkko.platform.db import Database
from tukiverkko.tenants import licensing
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus


def test_directory_lists_exactly_the_active_licences(
    client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner, name="Mieskaverit®")
    areas = {}
    for status in LicenceStatus:
        partner = make_org(database)
        areas[status] = f"Kunta-{status.value}"
        make_licence(database, model_id, partner, status=status.value, area=areas[status])
    # Active on paper but past its end date: not in force, not listed.
    lapsed = make_licence(database, model_id, make_org(database), status="active", area="Vanha")
    with database.unit_of_work() as db:
        row = db.get(Licence, lapsed)
        assert row is not None
        row.valid_until = licensing.today() - timedelta(days=1)
    course_id = make_course(database, model_id, days_ahead=10)
    make_course(database, model_id, days_ahead=-10)  # past: not listed

    feed = client.get("/directory.json")
    assert feed.status_code == 200
    listed = {(a["programme"], a["town"]) for a in feed.json["activities"]}
    assert listed == {("Mieskaverit®", areas[LicenceStatus.ACTIVE])}
    (activity,) = feed.json["activities"]
    assert activity["how_to_apply"] and activity["organisation"].startswith("Yhdistys")
    assert [c["id"] for c in activity["upcoming_courses"]] == [str(course_id)]

    page = client.get("/directory?lang=fi", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert areas[LicenceStatus.ACTIVE] in page.text
    assert all(areas[s] not in page.text for s in LicenceStatus if s != LicenceStatus.ACTIVE)

    ics = client.get("/directory.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(ics.data)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == [f"course-{course_id}@127.0.0.1:5000"]
    assert "Mieskaverit®" in str(events[0]["summary"])
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == timedelta(hours=15)


def test_an_activity_links_to_the_partners_programme_page_with_its_forms(
    client: FlaskClient, database: Database
) -> None:
    from tests.platform.primitives.support import make_programme

    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner, name="Mieskaverit®")
    partner = make_org(database)
    make_licence(database, model_id, partner, status="active", area="Turku")
    quiet = make_org(database)  # licensed, but takes no applications yet: no link
    make_licence(database, model_id, quiet, status="active", area="Raisio")
    programme_id = make_programme(database, partner, name="Mieskaverit Turku")

    activities = {a["town"]: a for a in client.get("/directory.json").json["activities"]}
    link = f"/t/{partner.slug}/public/programmes/{programme_id}"
    assert activities["Turku"]["programme_page"] == link
    assert activities["Raisio"]["programme_page"] is None
    page = client.get("/directory?lang=fi", headers={"Accept": "text/html"}).text
    assert f'href="{link}"' in page
    assert client.get(f"{link}?lang=fi").status_code == 200  # the link leads to the forms
