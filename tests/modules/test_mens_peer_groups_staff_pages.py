"""The coordinator's MIESluuri page: plan the phone line's weekly shifts and see who is on them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import Org, csrf_token, make_org, sign_in_web
from tests.modules.support import make_phone_line
from tests.platform.pages.webb_support import queries_of
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.modules.mens_peer_groups import service
from tukiverkko.modules.mens_peer_groups.models import PhoneShift
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import Volunteer
from tukiverkko.tenants.licensing import today

MENU_LABEL = "Phone line plan"


def _url(org: Org) -> str:
    return f"/t/{org.slug}/work/phone-line"


def _pattern(programme_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    """Tuesdays and Thursdays 18-21 for two weeks from tomorrow, two places a shift."""
    return {
        "programme_id": str(programme_id),
        "first_evening": "1",
        "second_evening": "3",
        "starts": "18:00",
        "ends": "21:00",
        "first_day": (today() + timedelta(days=1)).isoformat(),
        "weeks": "2",
        "places": "2",
        **changes,
    }


def _shift_count(database: Database, org: Org) -> int:
    with in_tenant(database, org) as db:
        return int(db.scalar(select(func.count()).select_from(PhoneShift)) or 0)


def test_the_coordinator_lays_out_the_weekly_pattern_and_sees_who_is_on_each_shift(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_phone_line(database, org, shifts=0)
    sign_in_web(client, org, Role.COORDINATOR)
    work = client.get(f"/t/{org.slug}/work/?lang=en")
    assert MENU_LABEL in work.text
    page = client.get(f"{_url(org)}/?lang=en")
    assert page.status_code == 200 and "No upcoming shifts." in page.text
    token = csrf_token(page.text)

    resp = client.post(f"{_url(org)}/weekly", data={"csrf_token": token, **_pattern(programme_id)})
    assert resp.status_code == 302
    plan = client.get(resp.headers["Location"] + "&lang=en")
    assert "4 new shifts are in the plan." in plan.text  # two evenings, two weeks
    assert plan.text.count("data-shift=") == 4 and plan.text.count("0/2") == 4
    assert _shift_count(database, org) == 4

    # A phone volunteer signs up: the plan shows him on that shift.
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, name="Pekka Puhelin")
    with in_tenant(database, org) as db:
        volunteer = db.get(Volunteer, volunteer_id)
        assert volunteer is not None
        service.acknowledge(db, volunteer, version=service.RIGHTS_VERSION)
        first = db.scalars(select(PhoneShift).order_by(PhoneShift.starts_at)).first()
        assert first is not None
        service.sign_up_for_shift(db, first, volunteer)
    plan = client.get(f"{_url(org)}/?lang=fi").text
    assert "Pekka Puhelin" in plan and "1/2" in plan and "Ei vielä ketään" in plan

    # The same pattern again extends nothing that exists: the plan stays as it is.
    again = client.post(
        f"{_url(org)}/weekly?lang=en", data={"csrf_token": token, **_pattern(programme_id)}
    )
    assert again.status_code == 302
    assert "0 new shifts are in the plan." in client.get(f"{_url(org)}/?lang=en").text
    assert _shift_count(database, org) == 4


def test_bad_input_is_shown_in_the_readers_language_and_nothing_is_planned(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_phone_line(database, org, shifts=0)
    sign_in_web(client, org, Role.COORDINATOR)
    token = csrf_token(client.get(f"{_url(org)}/").text)
    check = "Tarkista alla merkityt kentät."
    yesterday = (today() - timedelta(days=1)).isoformat()
    cases = [
        ({"second_evening": "1"}, "Linja on auki kahtena eri iltana viikossa."),
        ({"ends": "17:00"}, check),
        ({"first_day": yesterday}, check),
        ({"weeks": "0"}, check),
    ]
    for changes, message in cases:
        resp = client.post(
            f"{_url(org)}/weekly?lang=fi",
            data={"csrf_token": token, **_pattern(programme_id, **changes)},
        )
        assert resp.status_code == 422, changes
        assert message in resp.text, (changes, message)
        assert 'value="18:00"' in resp.text  # what was typed stays in the form
    assert _shift_count(database, org) == 0


def test_only_staff_of_an_organisation_that_runs_the_line_and_never_another_organisations(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org, other = make_org(database), make_org(database)
    programme_id = make_phone_line(database, org, shifts=0)
    theirs = make_phone_line(database, other, shifts=0)
    make_volunteer(database, org, programme_id, approved=True, linked=True)
    volunteer = app.test_client()
    sign_in_web(volunteer, org, Role.VOLUNTEER)
    assert volunteer.get(f"{_url(org)}/").status_code == 403

    sign_in_web(client, org, Role.COORDINATOR)
    token = csrf_token(client.get(f"{_url(org)}/").text)
    # Another organisation's programme, by the form or the query: not found, nothing planned.
    resp = client.post(f"{_url(org)}/weekly", data={"csrf_token": token, **_pattern(theirs)})
    assert resp.status_code == 404
    assert client.get(f"{_url(org)}/?programme={theirs}").status_code == 404
    assert _shift_count(database, other) == 0 and _shift_count(database, org) == 0

    # An organisation without the line: no menu item, no page.
    plain = make_org(database)
    make_programme(database, plain)
    staff = app.test_client()
    sign_in_web(staff, plain, Role.COORDINATOR)
    assert MENU_LABEL not in staff.get(f"/t/{plain.slug}/work/?lang=en").text
    assert staff.get(f"{_url(plain)}/").status_code == 404


def test_the_plan_costs_the_same_queries_for_2_or_20_shifts(app: Flask, database: Database) -> None:
    counts = []
    for size in (2, 20):
        org = make_org(database)
        programme_id = make_phone_line(database, org, shifts=size)
        volunteer_id = make_volunteer(database, org, programme_id, approved=True)
        with in_tenant(database, org) as db:
            volunteer = db.get(Volunteer, volunteer_id)
            assert volunteer is not None
            service.acknowledge(db, volunteer, version=service.RIGHTS_VERSION)
            for shift in db.scalars(select(PhoneShift)):
                service.sign_up_for_shift(db, shift, volunteer)
        client = app.test_client()
        sign_in_web(client, org, Role.COORDINATOR)
        statements, page = queries_of(app, client, f"{_url(org)}/?lang=en")
        assert page.count("data-shift=") == size
        counts.append(statements)
    assert counts[0] == counts[1], counts
