"""The model owner's pages: partners' counts, licence decisions, courses, materials, announcements.

The owner sees partners and numbers, never a partner's volunteer or participant.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import (
    Org,
    make_course,
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
    sign_in_web,
)
from tests.platform.pages.webb_support import REQUIRED, figure, post_form, queries_of, token_of
from tests.platform.primitives.support import (
    activate_match,
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import matching
from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer
from tukiverkko.tenants.licensing_models import (
    CourseEnrolment,
    EnrolmentStatus,
    Licence,
    LicenceStatus,
)

VOLUNTEER_NAME = "Ville Vapaaehtoinen-Salainen"
CHILD_NAME = "Eetu Pikkukaveri-Salainen"
MOTHER_NAME = "Anna Äiti-Salainen"


@dataclass
class Network:
    owner: Org
    model_id: uuid.UUID
    partner: Org
    licence_id: uuid.UUID


def _network(database: Database) -> Network:
    """An owner with a model, and a partner running it with one active match."""
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner, name=f"Mieskaverit {uuid.uuid4().hex[:4]}®")
    partner = make_org(database)
    licence_id = make_licence(database, model_id, partner, status="active", satisfied=True)
    programme_id = make_programme(database, partner)
    volunteer_id = make_volunteer(
        database, partner, programme_id, approved=True, name=VOLUNTEER_NAME
    )
    participant_id = make_participant(
        database, partner, programme_id, name=CHILD_NAME, contact_name=MOTHER_NAME
    )
    with in_tenant(database, partner) as db:
        programme = db.get(Programme, programme_id)
        participant = db.get(Participant, participant_id)
        volunteer = db.get(Volunteer, volunteer_id)
        match = matching.propose(
            db, programme, participant, volunteer, actor_id=partner.people[Role.COORDINATOR]
        )
        match_id = match.id
    activate_match(database, partner, match_id, days_ago=10)
    return Network(owner, model_id, partner, licence_id)


def test_owner_sees_each_partners_counts_and_a_chart_but_never_a_person(
    client: FlaskClient, database: Database
) -> None:
    net = _network(database)
    sign_in_web(client, net.owner, Role.OWNER_STAFF)
    page = client.get(f"/t/{net.owner.slug}/owner/partners")
    assert page.status_code == 200
    html = page.text
    assert f"Yhdistys {net.partner.slug}" in html
    # One match, one volunteer, no meetings: all under 5, so no one can be recognised.
    assert figure(html, net.partner.slug, "active_matches") == "<5"
    assert figure(html, net.partner.slug, "active_volunteers") == "<5"
    assert figure(html, net.partner.slug, "meetings_last_90_days") == "<5"
    assert "<svg" in html and 'role="img"' in html  # the chart, with a text alternative
    assert "<script" not in html
    # Every owner page: no partner's person appears anywhere.
    urls = [
        "/owner/partners",
        "/owner/licences",
        f"/owner/licences/{net.licence_id}",
        "/owner/courses",
        "/owner/materials",
        "/owner/announcements",
    ]
    for url in urls:
        resp = client.get(f"/t/{net.owner.slug}{url}")
        assert resp.status_code == 200, url
        for secret in (VOLUNTEER_NAME, CHILD_NAME, MOTHER_NAME, net.partner.emails[Role.VOLUNTEER]):
            assert secret not in resp.text, f"{secret} on {url}"


def test_the_menu_shows_owner_pages_to_owner_staff_only(
    client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    partner = make_org(database)
    sign_in_web(client, owner, Role.OWNER_STAFF)
    start = client.get(f"/t/{owner.slug}/").text
    assert f"/t/{owner.slug}/owner/partners" in start
    client.post(f"/t/{owner.slug}/logout", data={"csrf_token": token_of(start)})
    sign_in_web(client, partner, Role.TENANT_ADMIN)
    start = client.get(f"/t/{partner.slug}/").text
    assert "/owner/partners" not in start
    # and the page itself refuses the partner's roles
    assert client.get(f"/t/{partner.slug}/owner/partners").status_code == 403


def test_signed_out_owner_goes_to_login_and_comes_back(
    client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    resp = client.get(f"/t/{owner.slug}/owner/licences")
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]


def test_another_owners_licence_and_course_are_404(client: FlaskClient, database: Database) -> None:
    net = _network(database)
    course_id = make_course(database, net.model_id)
    other = make_model_owner(database)
    sign_in_web(client, other, Role.OWNER_STAFF)
    for url in (f"/owner/licences/{net.licence_id}", f"/owner/courses/{course_id}"):
        assert client.get(f"/t/{other.slug}{url}").status_code == 404
    assert client.get(f"/t/{other.slug}/owner/partners?model={net.model_id}").status_code == 404
    # ...nor does the other owner see the licence or the partner in its lists
    assert f"Yhdistys {net.partner.slug}" not in client.get(f"/t/{other.slug}/owner/licences").text


def test_owner_reviews_and_grants_an_application_with_errors_in_each_language(
    client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    partner = make_org(database)
    licence_id = make_licence(database, model_id, partner, status="applied")
    sign_in_web(client, owner, Role.OWNER_STAFF)
    # New applications are one click away; a status that does not exist is a 404.
    listed = client.get(f"/t/{owner.slug}/owner/licences?status=applied").text
    assert f'data-licence="{licence_id}"' in listed
    assert (
        f'data-licence="{licence_id}"'
        not in client.get(f"/t/{owner.slug}/owner/licences?status=active").text
    )
    assert client.get(f"/t/{owner.slug}/owner/licences?status=bogus").status_code == 404
    base = f"/t/{owner.slug}/owner/licences/{licence_id}"
    for lang in ("fi", "sv", "en"):
        resp = post_form(
            client,
            f"{base}/decide/review?lang={lang}",
            {"review-reason": ""},
            page=base,
            prefix="review",
        )
        assert resp.status_code == 422
        assert REQUIRED[lang] in resp.text
    resp = post_form(
        client,
        f"{base}/decide/review",
        {"review-reason": "Hakemus on kunnossa"},
        page=base,
        prefix="review",
    )
    assert resp.status_code == 302
    # A past end date: the service refuses, the page keeps the reason typed.
    past = (utcnow() - timedelta(days=3)).date().isoformat()
    resp = post_form(
        client,
        f"{base}/decide/grant?lang=en",
        {"grant-reason": "Sopimus tehty", "grant-valid_until": past},
        page=base,
        prefix="grant",
    )
    assert resp.status_code == 422
    assert "Check the date." in resp.text and "Sopimus tehty" in resp.text
    resp = post_form(
        client, f"{base}/decide/grant", {"grant-reason": "Sopimus tehty"}, page=base, prefix="grant"
    )
    assert resp.status_code == 302
    page = client.get(base + "?lang=en").text
    assert "Granted, conditions pending" in page and "Sopimus tehty" in page
    # An action the status does not allow is refused, and nothing changes.
    html = client.get(base).text
    resp = client.post(
        f"{base}/decide/reinstate?lang=en",
        data={"reinstate-csrf_token": token_of(html, "revoke"), "reinstate-reason": "x"},
    )
    assert resp.status_code == 409
    assert "This step is not possible" in resp.text
    with database.unit_of_work() as db:
        assert db.get(Licence, licence_id).status == LicenceStatus.GRANTED  # type: ignore[union-attr]
    # Record the agreement: one of the three conditions met.
    today = utcnow().date().isoformat()
    resp = post_form(
        client, f"{base}/agreement", {"signed_on": today, "note": "Paperilla"}, page=base
    )
    assert resp.status_code == 302
    assert "Paperilla" in client.get(base).text


def test_owner_schedules_a_course_and_records_a_completion(
    client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    partner = make_org(database)
    licence_id = make_licence(database, model_id, partner, status="granted")
    sign_in_web(client, owner, Role.OWNER_STAFF)
    url = f"/t/{owner.slug}/owner/courses"
    start = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT10:00")
    before = (utcnow() + timedelta(days=19)).strftime("%Y-%m-%dT10:00")
    typed = {
        "model": str(model_id),
        "starts_at": start,
        "ends_at": before,
        "place": "Kuopio, Kumppanitalo",
        "capacity": "12",
    }
    resp = post_form(client, url + "?lang=fi", typed)
    assert resp.status_code == 422
    assert "Kuopio, Kumppanitalo" in resp.text  # what was typed is kept
    assert 'value="12"' in resp.text
    resp = post_form(client, url, {**typed, "capacity": "abc"})
    assert resp.status_code == 422
    resp = post_form(
        client,
        url,
        {**typed, "ends_at": (utcnow() + timedelta(days=21)).strftime("%Y-%m-%dT10:00")},
    )
    assert resp.status_code == 302
    assert "Kuopio, Kumppanitalo" in client.get(url).text
    # A partner's coordinator on the course; the owner marks it completed.
    course_id = make_course(database, model_id)
    with database.unit_of_work() as db:
        enrolment = CourseEnrolment(
            course_id=course_id,
            partner_tenant_id=partner.id,
            user_id=partner.people[Role.COORDINATOR],
            participant_name="Kaisa Koordinaattori",
            status=EnrolmentStatus.ENROLLED,
            enrolled_by=partner.people[Role.COORDINATOR],
        )
        db.add(enrolment)
        db.flush()
        enrolment_id = enrolment.id
    course_page = f"/t/{owner.slug}/owner/courses/{course_id}"
    assert "Kaisa Koordinaattori" in client.get(course_page).text
    resp = post_form(
        client,
        f"/t/{owner.slug}/owner/enrolments/{enrolment_id}/complete",
        {"back": course_page},
        page=course_page,
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(course_page)
    with database.unit_of_work() as db:
        assert db.get(CourseEnrolment, enrolment_id).status == EnrolmentStatus.COMPLETED  # type: ignore[union-attr]
    licence_page = client.get(f"/t/{owner.slug}/owner/licences/{licence_id}").text
    assert 'data-condition="course_completed"' in licence_page


def test_owner_uploads_lists_downloads_and_removes_a_file(
    client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    sign_in_web(client, owner, Role.OWNER_STAFF)
    url = f"/t/{owner.slug}/owner/materials"
    html = client.get(url).text
    resp = client.post(
        url + "?lang=sv",
        data={
            "csrf_token": token_of(html),
            "model": str(model_id),
            "kind": "brochure",
            "title": "Esite 2026",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and REQUIRED["sv"] in resp.text and "Esite 2026" in resp.text
    resp = client.post(
        url,
        data={
            "csrf_token": token_of(html),
            "model": str(model_id),
            "kind": "brochure",
            "title": "Esite 2026",
            "file": (io.BytesIO(b"%PDF-1.4 esite"), "esite.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    html = client.get(url).text
    assert "Esite 2026" in html and "esite.pdf" in html
    material_id = html.split("/owner/materials/")[1].split("/")[0]
    download = client.get(f"{url}/{material_id}/download")
    assert download.status_code == 302
    assert client.get(download.headers["Location"]).data == b"%PDF-1.4 esite"
    resp = post_form(client, f"{url}/{material_id}/delete", {}, page=url)
    assert resp.status_code == 302
    assert "Esite 2026" not in client.get(url).text


def test_owner_announces_to_licensed_partners(client: FlaskClient, database: Database) -> None:
    net = _network(database)
    sign_in_web(client, net.owner, Role.OWNER_STAFF)
    url = f"/t/{net.owner.slug}/owner/announcements"
    resp = post_form(client, url + "?lang=en", {"subject": "Syyskoulutus", "body": ""})
    assert resp.status_code == 422 and "Syyskoulutus" in resp.text
    assert REQUIRED["en"] in resp.text
    resp = post_form(client, url + "?lang=en", {"subject": "Syyskoulutus", "body": "Tervetuloa!"})
    assert resp.status_code == 302
    assert "1 coordinators in 1 organisations" in client.get(url + "?lang=en").text


def test_owner_follows_partner_duties_and_acknowledges_them(
    client: FlaskClient, database: Database
) -> None:
    from tukiverkko.platform import context
    from tukiverkko.tenants import duties
    from tukiverkko.tenants.duties_models import ChangeKind, ReportStatus, YearlyReport
    from tukiverkko.tenants.licensing import Actor

    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    partner = make_org(database)
    licence_id = make_licence(database, model_id, partner, status="active", satisfied=True)
    with database.unit_of_work() as db:
        db.get(Licence, licence_id).created_at = utcnow() - timedelta(days=400)  # type: ignore[union-attr]
    year = duties.default_year()
    sign_in_web(client, owner, Role.OWNER_STAFF)
    url = f"/t/{owner.slug}/owner/duties"
    html = client.get(url).text
    assert f'data-licence="{licence_id}"' in html
    assert 'data-duty-state="due"' in html or 'data-duty-state="overdue"' in html
    actor = Actor(partner.people[Role.TENANT_ADMIN], partner.id)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        licence = db.get(Licence, licence_id)
        duties.submit_yearly_report(db, licence, year, actor=actor, narrative="Hyvä vuosi")
        duties.report_change(
            db, licence, actor=actor, kind=ChangeKind.COORDINATOR_CHANGED,
            text="Uusi koordinaattori", effective_on=utcnow().date(),
        )  # fmt: skip
    html = client.get(url).text
    assert 'data-duty-state="submitted"' in html
    resp = post_form(
        client, f"/t/{owner.slug}/owner/licences/{licence_id}/yearly-report/{year}/acknowledge",
        {"back": url}, page=url,
    )  # fmt: skip
    assert resp.status_code == 302
    with database.unit_of_work() as db:
        report = db.scalar(select(YearlyReport).where(YearlyReport.licence_id == licence_id))
        assert report is not None and report.status == ReportStatus.ACKNOWLEDGED
    page = f"/t/{owner.slug}/owner/licences/{licence_id}"
    html = client.get(page).text
    assert "Hyvä vuosi" in html and "Uusi koordinaattori" in html
    change_id = html.split("/owner/changes/")[1].split("/")[0]
    resp = post_form(
        client, f"/t/{owner.slug}/owner/changes/{change_id}/acknowledge", {}, page=page
    )
    assert resp.status_code == 302
    assert "/owner/changes/" not in client.get(page).text  # nothing left to mark read


def test_owner_lists_run_the_same_queries_for_few_and_many_rows(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    sign_in_web(client, owner, Role.OWNER_STAFF)
    urls = [f"/t/{owner.slug}/owner/licences", f"/t/{owner.slug}/owner/courses"]

    def add(n: int) -> None:
        for _ in range(n):
            make_licence(database, model_id, make_org(database, roles=()), area=uuid.uuid4().hex)
            make_course(database, model_id)

    add(2)
    few = [queries_of(app, client, url)[0] for url in urls]
    add(10)
    many = [queries_of(app, client, url)[0] for url in urls]
    assert few == many
