"""Toiminnan Miehet's page for the phone volunteer (`/t/<slug>/me/phone-line`), a module page
through the plugin contract: upcoming shifts, signing up, an absence that asks the others for a
replacement, the rights and duties acknowledged first; the menu only where the line runs."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.factories import Org, csrf_token, make_org, sign_in_web
from tests.modules.support import add_volunteer_account, make_phone_line
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.modules.mens_peer_groups import service
from tukiverkko.modules.mens_peer_groups.models import (
    PhoneShift,
    RightsAcknowledgement,
    ShiftSignup,
    SignupStatus,
)
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.platform.primitives.models import Volunteer

MENU_LABEL = "Phone line shifts"


def _shift_ids(database: Database, org: Org) -> list[uuid.UUID]:
    with in_tenant(database, org) as db:
        return list(db.scalars(select(PhoneShift.id).order_by(PhoneShift.starts_at)))


def _phone_volunteer(
    database: Database, org: Org, programme_id: uuid.UUID, user_id: uuid.UUID
) -> uuid.UUID:
    volunteer_id = make_volunteer(database, org, programme_id, approved=True)
    with in_tenant(database, org) as db:
        volunteer = db.get(Volunteer, volunteer_id)
        assert volunteer is not None
        volunteer.user_id = user_id
    return volunteer_id


def test_the_volunteer_acknowledges_signs_up_and_reports_an_absence(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_phone_line(database, org)
    me = make_volunteer(database, org, programme_id, approved=True, linked=True)
    # Jari: another approved phone volunteer with an account, asked when a place frees.
    jari_user, _headers = add_volunteer_account(client, database, org, "Jari")
    jari = _phone_volunteer(database, org, programme_id, jari_user)
    with in_tenant(database, org) as db:
        service.acknowledge(db, db.get(Volunteer, jari), version=service.RIGHTS_VERSION)  # type: ignore[arg-type]
    first, _second = _shift_ids(database, org)
    sign_in_web(client, org, Role.VOLUNTEER)
    url = f"/t/{org.slug}/me/phone-line/"

    page = client.get(url + "?lang=en")
    assert page.status_code == 200
    assert MENU_LABEL in page.text and "MIESluuri" in page.text
    assert "Places taken: 0 of 2" in page.text
    assert "Your rights and duties" in page.text and "confidentiality" in page.text
    token = csrf_token(page.text)

    # No shift before the rights and duties are acknowledged: said, and nothing saved.
    early = client.post(f"{url}shifts/{first}/signup", data={"csrf_token": token})
    assert early.status_code == 302
    refused = client.get(url + "?lang=en")
    assert "acknowledge them before your first shift" in refused.text

    # The box must be ticked: 422, the form again, nothing recorded.
    unticked = client.post(
        f"{url}acknowledgement?lang=en",
        data={"csrf_token": token, "version": service.RIGHTS_VERSION},
    )
    assert unticked.status_code == 422
    assert "Tick the box when you have read them." in unticked.text
    stale = client.post(
        f"{url}acknowledgement?lang=en",
        data={"csrf_token": token, "version": "1999-1", "read": "y"},
    )
    assert stale.status_code == 422 and "have changed" in stale.text
    with in_tenant(database, org) as db:
        assert (
            db.scalars(
                select(RightsAcknowledgement).where(RightsAcknowledgement.volunteer_id == me)
            ).all()
            == []
        )
    done = client.post(
        f"{url}acknowledgement",
        data={"csrf_token": token, "version": service.RIGHTS_VERSION, "read": "y"},
    )
    assert done.status_code == 302
    assert "You acknowledged these on" in client.get(url + "?lang=en").text

    signed = client.post(f"{url}shifts/{first}/signup", data={"csrf_token": token})
    assert signed.status_code == 302
    shown = client.get(url + "?lang=en")
    assert "You are on the shift." in shown.text and "Places taken: 1 of 2" in shown.text
    assert "report an absence" in shown.text

    absent = client.post(f"{url}shifts/{first}/absence", data={"csrf_token": token})
    assert absent.status_code == 302
    after = client.get(url + "?lang=en")
    assert "1 phone volunteer was asked to replace you" in after.text
    assert "Places taken: 0 of 2" in after.text
    with in_tenant(database, org) as db:
        signup = db.scalars(select(ShiftSignup).where(ShiftSignup.volunteer_id == me)).one()
        assert signup.status == SignupStatus.ABSENT
        asked = db.scalars(
            select(OutboxMessage.delivery_key).where(
                OutboxMessage.delivery_key.like("mens_peer_groups.replacement:%")
            )
        ).all()
    assert [key.split(":")[-1] for key in asked] == [str(jari_user)]


def test_the_page_and_its_menu_item_only_where_the_volunteer_is_on_themake_phone_line(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    buddies = make_programme(database, org)  # a Mieskaverit® programme: no phone line
    make_volunteer(database, org, buddies, approved=True, linked=True)
    sign_in_web(client, org, Role.VOLUNTEER)
    start = client.get(f"/t/{org.slug}/me/?lang=en")
    assert start.status_code == 200 and MENU_LABEL not in start.text
    assert client.get(f"/t/{org.slug}/me/phone-line/?lang=en").status_code == 404

    # A coordinator has no phone-line volunteering of his own.
    staff = make_org(database)
    make_phone_line(database, staff)
    sign_in_web(client, staff, Role.COORDINATOR)
    work = client.get(f"/t/{staff.slug}/work/?lang=en")
    assert work.status_code == 200 and MENU_LABEL not in work.text
    assert client.get(f"/t/{staff.slug}/me/phone-line/").status_code == 403


def test_another_organisations_shift_is_not_found_and_nothing_changes(
    client: FlaskClient, database: Database
) -> None:
    org, other = make_org(database), make_org(database)
    programme_id = make_phone_line(database, org)
    make_volunteer(database, org, programme_id, approved=True, linked=True)
    make_phone_line(database, other)
    (theirs, *_rest) = _shift_ids(database, other)
    sign_in_web(client, org, Role.VOLUNTEER)
    token = csrf_token(client.get(f"/t/{org.slug}/me/phone-line/").text)
    with in_tenant(database, org) as db:
        volunteer = db.scalars(select(Volunteer)).one()
        service.acknowledge(db, volunteer, version=service.RIGHTS_VERSION)
    for action in ("signup", "absence"):
        resp = client.post(
            f"/t/{org.slug}/me/phone-line/shifts/{theirs}/{action}", data={"csrf_token": token}
        )
        assert resp.status_code == 404
    with in_tenant(database, other) as db:
        assert db.scalars(select(ShiftSignup)).all() == []


def test_shifts_come_soonest_first_a_page_at_a_time(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    programme_id = make_phone_line(database, org, shifts=23)
    make_volunteer(database, org, programme_id, approved=True, linked=True)
    with in_tenant(database, org) as db:
        # A shift already over is not offered.
        past = utcnow().replace(microsecond=0) - timedelta(days=1)
        db.add(
            PhoneShift(
                programme_id=programme_id,
                starts_at=past - timedelta(hours=3),
                ends_at=past,
                places=2,
                created_by=org.people[Role.COORDINATOR],
            )
        )
    ids = [str(i) for i in _shift_ids(database, org)[1:]]
    sign_in_web(client, org, Role.VOLUNTEER)
    first = client.get(f"/t/{org.slug}/me/phone-line/?lang=en")
    shown = [part.split('"')[0] for part in first.text.split('data-shift="')[1:]]
    assert shown == ids[:20]
    next_url = first.text.split('<a href="?cursor=')[1].split('"')[0]
    second = client.get(f"/t/{org.slug}/me/phone-line/?cursor={next_url}")
    rest = [part.split('"')[0] for part in second.text.split('data-shift="')[1:]]
    assert rest == ids[20:] and 'href="?cursor=' not in second.text


def test_the_page_costs_the_same_queries_for_2_or_20_shifts(app: Flask, database: Database) -> None:
    counts = []
    for size in (2, 20):
        org = make_org(database)
        programme_id = make_phone_line(database, org, shifts=size)
        volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
        with in_tenant(database, org) as db:
            volunteer = db.get(Volunteer, volunteer_id)
            assert volunteer is not None
            service.acknowledge(db, volunteer, version=service.RIGHTS_VERSION)
            for shift in db.scalars(select(PhoneShift)):
                service.sign_up_for_shift(db, shift, volunteer)
        client = app.test_client()
        sign_in_web(client, org, Role.VOLUNTEER)
        engine = app.extensions["tukiverkko.db"].engine
        seen: list[object] = []

        def count(*args: object, _into: list[object] = seen) -> None:
            _into.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            page = client.get(f"/t/{org.slug}/me/phone-line/?lang=en")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert page.status_code == 200 and page.text.count("You are on this shift.") == size
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
