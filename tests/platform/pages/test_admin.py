"""The organisation admin's pages: people and roles, single sign-on, licences, billing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import (
    make_course,
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
    sent_links,
    sign_in_web,
)
from tests.platform.pages.webb_support import REQUIRED, post_form, queries_of
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role, SsoProvider, User, UserStatus
from tukiverkko.tenants.licensing_models import (
    CourseEnrolment,
    Licence,
    LicenceStatus,
    MaterialKind,
    ModelMaterial,
)


def _user(database: Database, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
    with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
        found = db.get(User, user_id)
        assert found is not None
        db.expunge(found)
        return found


def test_admin_invites_a_coordinator_with_errors_in_each_language(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    sign_in_web(client, org, Role.TENANT_ADMIN)
    url = f"/t/{org.slug}/admin/users"
    page = client.get(url)
    assert page.status_code == 200
    assert org.emails[Role.VOLUNTEER] in page.text  # the people of the organisation
    for lang in ("fi", "sv", "en"):
        resp = post_form(
            client, f"{url}?lang={lang}",
            {"name": "", "email": "kaisa@example.org", "role": "coordinator", "language": "fi"},
        )  # fmt: skip
        assert resp.status_code == 422
        assert REQUIRED[lang] in resp.text and 'value="kaisa@example.org"' in resp.text
    # The service refuses an address in use: its message in the reader's language, input kept.
    resp = post_form(
        client, f"{url}?lang=en",
        {"name": "Kaisa", "email": org.emails[Role.VOLUNTEER], "role": "coordinator",
         "language": "fi"},
    )  # fmt: skip
    assert resp.status_code == 409
    assert "An account with this email address exists already." in resp.text
    assert 'value="Kaisa"' in resp.text
    resp = post_form(
        client, url,
        {"name": "Kaisa Koordinaattori", "email": "kaisa@example.org", "role": "coordinator",
         "language": "sv"},
    )  # fmt: skip
    assert resp.status_code == 302
    assert "Kaisa Koordinaattori" in client.get(url).text
    assert sent_links(app, "invitation")  # the email went out


def test_admin_changes_a_role_and_disables_an_account(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    sign_in_web(client, org, Role.TENANT_ADMIN)
    coordinator = org.people[Role.COORDINATOR]
    page = f"/t/{org.slug}/admin/users/{coordinator}"
    assert client.get(page).status_code == 200
    resp = post_form(client, f"{page}/role", {"role": "volunteer"}, page=page)
    assert resp.status_code == 302
    assert _user(database, org.id, coordinator).role == Role.VOLUNTEER
    resp = post_form(client, f"{page}/disable", {}, page=page)
    assert resp.status_code == 302
    assert _user(database, org.id, coordinator).status == UserStatus.DISABLED
    resp = post_form(client, f"{page}/enable", {}, page=page)
    assert _user(database, org.id, coordinator).status == UserStatus.ACTIVE
    # The last admin cannot step down; the page says so in the reader's language.
    own = f"/t/{org.slug}/admin/users/{org.people[Role.TENANT_ADMIN]}"
    resp = post_form(client, f"{own}/role?lang=en", {"role": "coordinator"}, page=own)
    assert resp.status_code == 409
    assert "The organisation needs at least one admin." in resp.text
    assert _user(database, org.id, org.people[Role.TENANT_ADMIN]).role == Role.TENANT_ADMIN


def test_admin_pages_refuse_other_roles_and_other_organisations(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    a, b = make_org(database), make_org(database)
    sign_in_web(client, b, Role.COORDINATOR)
    for url in ("/admin/users", "/admin/sso", "/admin/licences"):
        assert client.get(f"/t/{b.slug}{url}").status_code == 403
    client = app.test_client()  # a new browser
    other = make_org(database)
    sign_in_web(client, other, Role.TENANT_ADMIN)
    # another organisation's person: 404, and no change
    url = f"/t/{other.slug}/admin/users/{a.people[Role.COORDINATOR]}"
    assert client.get(url).status_code == 404
    page = f"/t/{other.slug}/admin/users"
    assert post_form(client, f"{url}/disable", {}, page=page).status_code == 404
    assert _user(database, a.id, a.people[Role.COORDINATOR]).status == UserStatus.ACTIVE
    assert a.emails[Role.COORDINATOR] not in client.get(page).text


def test_admin_sets_up_single_sign_on_and_the_secret_is_never_shown(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    sign_in_web(client, org, Role.TENANT_ADMIN)
    url = f"/t/{org.slug}/admin/sso"
    typed = {
        "issuer": "http://idp.example.org",
        "client_id": "tukiverkko",
        "client_secret": "s3cr3t-arvo",
        "enabled": "y",
    }
    resp = post_form(client, f"{url}?lang=en", typed)
    assert resp.status_code == 422
    assert "https address" in resp.text and 'value="tukiverkko"' in resp.text
    assert "s3cr3t-arvo" not in resp.text
    resp = post_form(client, url, {**typed, "issuer": "https://idp.example.org"})
    assert resp.status_code == 302
    page = client.get(url).text
    assert "https://idp.example.org" in page and "s3cr3t-arvo" not in page
    assert f"/t/{org.slug}/sso/callback" in page or "callback" in page
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        provider = db.scalar(select(SsoProvider))
        assert provider is not None and "s3cr3t-arvo" not in provider.client_secret_sealed
        assert (
            client.application.extensions["tukiverkko.keyring"].open(provider.client_secret_sealed)
            == "s3cr3t-arvo"
        )
    # Saving without a secret keeps the stored one.
    resp = post_form(
        client, url, {**typed, "issuer": "https://idp.example.org", "client_secret": ""}
    )
    assert resp.status_code == 302
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        kept = db.scalar(select(SsoProvider.client_secret_sealed))
        assert (
            kept is not None
            and client.application.extensions["tukiverkko.keyring"].open(kept) == "s3cr3t-arvo"
        )
    resp = post_form(client, f"{url}/delete", {}, page=url)
    assert resp.status_code == 302
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        assert db.scalar(select(SsoProvider)) is None


def test_admin_applies_for_a_licence_and_meets_its_conditions(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner, name="Mieskaverit Testi®")
    course_id = make_course(database, model_id)
    org = make_org(database)
    sign_in_web(client, org, Role.TENANT_ADMIN)
    url = f"/t/{org.slug}/admin/licences"
    assert "Mieskaverit Testi®" in client.get(url).text  # the catalogue to apply from
    resp = post_form(client, f"{url}?lang=sv", {"model": str(model_id), "area": "", "note": "Hei"})
    assert resp.status_code == 422 and REQUIRED["sv"] in resp.text and "Hei" in resp.text
    resp = post_form(client, url, {"model": str(model_id), "area": "Kuopio", "note": "Hei"})
    assert resp.status_code == 302
    with database.unit_of_work() as db:
        licence = db.scalar(select(Licence).where(Licence.partner_tenant_id == org.id))
        assert licence is not None and licence.status == LicenceStatus.APPLIED
        licence_id = licence.id
    # The same model and area again: refused in the reader's language.
    resp = post_form(client, f"{url}?lang=en", {"model": str(model_id), "area": "kuopio"})
    assert resp.status_code == 409 and "already has a licence or an application" in resp.text
    page = f"{url}/{licence_id}"
    resp = post_form(
        client, f"{page}/resources", {"resources": "Palkattu koordinaattori 50 %"}, page=page
    )
    assert resp.status_code == 302
    resp = post_form(client, f"{page}/listing", {"how_to_apply": "Soita 040 123"}, page=page)
    assert resp.status_code == 302
    resp = post_form(
        client, f"{page}/enrol",
        {"course": str(course_id), "person": str(org.people[Role.COORDINATOR])}, page=page,
    )  # fmt: skip
    assert resp.status_code == 302
    with database.unit_of_work() as db:
        assert db.scalar(select(CourseEnrolment).where(CourseEnrolment.course_id == course_id))
        licence = db.get(Licence, licence_id)
        assert licence is not None and licence.how_to_apply == "Soita 040 123"
    html = client.get(page).text
    assert 'data-condition="resources_declared"' in html and "Palkattu koordinaattori" in html


def test_the_orientation_folder_needs_an_active_licence(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    from tukiverkko.platform.storage import make_storage

    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    org = make_org(database)
    licence_id = make_licence(database, model_id, org, status="granted")
    key = f"models/{model_id}/materials/{uuid.uuid4().hex}"
    make_storage(app.config["TUKIVERKKO_SETTINGS"]).put(key, b"kansio", "application/pdf")
    with database.unit_of_work() as db:
        material = ModelMaterial(
            model_id=model_id, kind=MaterialKind.TRAINING, title="Koulutusrunko",
            filename="runko.pdf", content_type="application/pdf", size=6, storage_key=key,
            uploaded_by=owner.people[Role.OWNER_STAFF],
        )  # fmt: skip
        db.add(material)
        db.flush()
        material_id = material.id
    sign_in_web(client, org, Role.TENANT_ADMIN)
    assert "Koulutusrunko" in client.get(f"/t/{org.slug}/admin/licences/{licence_id}").text
    download = f"/t/{org.slug}/admin/materials/{material_id}/download"
    assert client.get(download).status_code == 403  # granted, not active yet
    with database.unit_of_work() as db:
        db.get(Licence, licence_id).status = LicenceStatus.ACTIVE  # type: ignore[union-attr]
    resp = client.get(download)
    assert resp.status_code == 302
    assert client.get(resp.headers["Location"]).data == b"kansio"


def test_billing_page_shows_places_left_and_the_read_only_banner(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    from tukiverkko.platform.db import utcnow
    from tukiverkko.tenants.billing.models import BillingState, TenantBilling

    org = make_org(database)
    sign_in_web(client, org, Role.COORDINATOR)
    page = client.get(f"/t/{org.slug}/billing?lang=en")
    assert page.status_code == 200
    assert "Your plan has no limit on volunteers." in page.text  # billing off: unlimited
    assert "Read-only mode." not in page.text
    assert "Continue to payment" not in page.text  # coordinators read, admins manage
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        db.add(
            TenantBilling(
                plan="small", requested_plan="small", state=BillingState.PAST_DUE,
                billing_email="lasku@example.org", read_only_since=utcnow(),
            )
        )  # fmt: skip
    page = client.get(f"/t/{org.slug}/billing?lang=en")
    assert "Read-only mode." in page.text
    assert 'data-billing-state="past_due"' in page.text
    admin = app.test_client()
    sign_in_web(admin, org, Role.TENANT_ADMIN)
    assert "Read-only mode." in admin.get(f"/t/{org.slug}/admin/users?lang=en").text
    # Writes are refused while read-only, but the admin can still reach Checkout.
    resp = post_form(admin, f"/t/{org.slug}/billing/checkout?lang=en", {"plan": "small"},
                     page=f"/t/{org.slug}/billing")  # fmt: skip
    assert resp.status_code != 403


def _running_since_last_year(database: Database, licence_id: uuid.UUID) -> None:
    from datetime import timedelta

    from tukiverkko.platform.db import utcnow

    with database.unit_of_work() as db:
        licence = db.get(Licence, licence_id)
        assert licence is not None
        licence.created_at = utcnow() - timedelta(days=400)


def test_partner_reports_a_change_and_submits_the_yearly_report(
    client: FlaskClient, database: Database
) -> None:
    from tukiverkko.tenants import duties
    from tukiverkko.tenants.duties_models import ChangeReport, ReportStatus, YearlyReport

    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    org = make_org(database)
    licence_id = make_licence(database, model_id, org, status="active", satisfied=True)
    _running_since_last_year(database, licence_id)
    year = duties.default_year()
    sign_in_web(client, org, Role.TENANT_ADMIN)
    page = f"/t/{org.slug}/admin/licences/{licence_id}"
    html = client.get(page + "?lang=en").text
    assert f"Yearly report {year}" in html and "Active matches" in html  # counts go with it
    # "Something else" needs words: the service says so, in the reader's language.
    resp = post_form(
        client, f"{page}/changes?lang=en",
        {"kind": "other", "text": "", "effective_on": "2026-01-15"}, page=page,
    )  # fmt: skip
    assert resp.status_code == 422 and "Say what changed." in resp.text
    change = {"kind": "coordinator_changed", "text": "Uusi koordinaattori"}
    resp = post_form(client, f"{page}/changes", {**change, "effective_on": "2026-01-15"}, page=page)
    assert resp.status_code == 302
    resp = post_form(client, f"{page}/yearly-report/{year}?lang=sv", {"narrative": ""}, page=page)
    assert resp.status_code == 422 and REQUIRED["sv"] in resp.text
    resp = post_form(client, f"{page}/yearly-report/{year}", {"narrative": "Hyvä vuosi"}, page=page)
    assert resp.status_code == 302
    with database.unit_of_work() as db:
        assert db.scalar(select(ChangeReport.text).where(ChangeReport.licence_id == licence_id))
        report = db.scalar(select(YearlyReport).where(YearlyReport.licence_id == licence_id))
        assert report is not None and report.status == ReportStatus.SUBMITTED
        assert "active_matches" in report.counts
    assert 'data-duty-state="submitted"' in client.get(page).text


def test_the_people_list_runs_the_same_queries_for_few_and_many(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    from tukiverkko.platform.identity.service import create_user

    org = make_org(database)
    sign_in_web(client, org, Role.TENANT_ADMIN)
    url = f"/t/{org.slug}/admin/users"
    few, _ = queries_of(app, client, url)
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        for n in range(30):
            create_user(
                db, tenant_id=org.id, email=f"v{n}@example.org", name=f"V {n}", role=Role.VOLUNTEER
            )
    many, html = queries_of(app, client, url)
    assert few == many and 'rel="next"' in html


@pytest.fixture(scope="module")
def localstripe():  # type: ignore[no-untyped-def]
    from tests.support.stripe import LocalStripe

    server = LocalStripe().start()
    yield server
    server.stop()


def test_admin_goes_to_stripe_checkout_and_the_portal(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, localstripe
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import base_settings, fresh_database
    from tukiverkko.platform.app import create_app
    from tukiverkko.tenants.billing.models import TenantBilling

    settings = base_settings(
        tmp_path, **fresh_database(backend, request, tmp_path), **localstripe.settings()
    )
    app = create_app(settings)
    try:
        database = app.extensions["tukiverkko.db"]
        client = app.test_client()
        org = make_org(database)
        with context.bind(tenant_id=org.id), database.unit_of_work() as db:
            db.add(TenantBilling(billing_email=f"lasku@{org.slug}.example", vat_id="FI01234567"))
        sign_in_web(client, org, Role.TENANT_ADMIN)
        url = f"/t/{org.slug}/billing"
        page = client.get(url + "?lang=en").text
        assert "Continue to payment" in page and "Free plan" in page
        resp = post_form(client, f"{url}/checkout", {"plan": "medium"}, page=url)
        assert resp.status_code == 303
        assert resp.headers["Location"].startswith("https://checkout.stripe.com/")
        with context.bind(tenant_id=org.id), database.unit_of_work() as db:
            row = db.scalar(select(TenantBilling))
            assert row is not None and row.requested_plan == "medium" and row.stripe_customer_id
        resp = post_form(client, f"{url}/portal", {}, page=url)
        assert resp.status_code == 303
        # Back from Checkout: the page says the payment is being confirmed.
        assert "being confirmed" in client.get(f"{url}?checkout=done&lang=en").text
    finally:
        app.extensions["tukiverkko.db"].dispose()


def test_everyone_of_a_read_only_organisation_sees_why_on_every_page(
    app: Flask, database: Database
) -> None:
    from tests.tenants.billing.support import make_billed_org
    from tukiverkko.platform.db import utcnow
    from tukiverkko.tenants.billing.models import BillingState

    org = make_billed_org(database, state=BillingState.PAST_DUE, read_only_since=utcnow())
    other = make_org(database)
    pages = {
        Role.COORDINATOR: ("work/", "work/volunteers", "inbox"),
        Role.VOLUNTEER: ("me/", "inbox"),
    }
    for role, paths in pages.items():
        client = app.test_client()
        sign_in_web(client, org, role)
        for path in paths:
            page = client.get(f"/t/{org.slug}/{path}?lang=fi")
            assert page.status_code == 200, path
            assert 'class="error-summary wb-readonly"' in page.text, (role, path)
            assert "Vain luku -tila." in page.text, (role, path)  # in the reader's language
        # Only those who may open the billing page are sent there.
        link = f'href="/t/{org.slug}/billing"' in client.get(f"/t/{org.slug}/inbox").text
        assert link == (role == Role.COORDINATOR)
    # Another organisation, paid up, sees no banner.
    paid = app.test_client()
    sign_in_web(paid, other, Role.COORDINATOR)
    assert "wb-readonly" not in paid.get(f"/t/{other.slug}/work/").text
