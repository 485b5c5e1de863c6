"""Signing in on the web: the page, its errors in the user's language, the cookie."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import csrf_token, make_org, sent_links, sign_in_web
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.tenants.models import TenantStatus


def test_login_page_is_finnish_and_has_a_csrf_token(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    page = client.get(f"/t/{org.slug}/login")
    assert page.status_code == 200
    assert "Kirjaudu" in page.text and "Salasana" in page.text
    assert csrf_token(page.text)
    assert f"Yhdistys {org.slug}" in page.text


def test_unknown_organisation_is_a_404_page(client: FlaskClient) -> None:
    assert client.get("/t/ei-ole-olemassa/login").status_code == 404


def test_wrong_password_shows_a_generic_error_and_keeps_the_email(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    resp = sign_in_web(client, org, Role.VOLUNTEER, password="vaara-salasana")
    assert resp.status_code == 401
    assert "Sähköpostiosoite tai salasana on väärin." in resp.text
    assert f'value="{org.emails[Role.VOLUNTEER]}"' in resp.text
    assert "vaara-salasana" not in resp.text  # a password is never echoed back


def test_field_errors_in_swedish_keep_what_was_typed(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    page = client.get(f"/t/{org.slug}/login?lang=sv")
    resp = client.post(
        f"/t/{org.slug}/login",
        data={"email": "inte-en-adress", "password": "", "csrf_token": csrf_token(page.text)},
    )
    assert resp.status_code == 422
    assert 'value="inte-en-adress"' in resp.text
    assert 'aria-invalid="true"' in resp.text
    assert "Logga in" in resp.text
    # WTForms' own messages come in the chosen language
    assert "Felaktig epost-adress." in resp.text
    assert "Det här fältet är obligatoriskt." in resp.text


def test_a_form_without_csrf_token_is_refused(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    resp = client.post(
        f"/t/{org.slug}/login", data={"email": org.emails[Role.VOLUNTEER], "password": "x" * 12}
    )
    assert resp.status_code == 422
    assert client.get(f"/t/{org.slug}/").status_code == 302  # not signed in


def test_sign_in_and_out(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    resp = sign_in_web(client, org, Role.COORDINATOR)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/t/{org.slug}/")
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if "tukiverkko_session" in c)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    start = client.get(f"/t/{org.slug}/")
    assert f"Hei, coordinator {org.slug}" in start.text
    out = client.post(f"/t/{org.slug}/logout", data={"csrf_token": csrf_token(start.text)})
    assert out.status_code == 302
    assert client.get(f"/t/{org.slug}/").status_code == 302


def test_session_cookie_is_secure_outside_development(app: Flask, database: Database) -> None:
    from tukiverkko.platform.app import create_app

    # Production resolves session_cookie_secure to True (tests/platform/test_settings.py);
    # here: the flag really puts Secure on the cookie.
    settings = replace(app.config["TUKIVERKKO_SETTINGS"], session_cookie_secure=True)
    org = make_org(database)
    resp = sign_in_web(create_app(settings).test_client(), org, Role.VOLUNTEER)
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if "tukiverkko_session" in c)
    assert "Secure" in cookie


def test_the_api_ignores_the_web_cookie(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    sign_in_web(client, org, Role.TENANT_ADMIN)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_suspended_organisation_cannot_sign_in_on_the_web(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database, status=TenantStatus.SUSPENDED)
    page = client.get(f"/t/{org.slug}/login")
    assert "ei voi kirjautua" in page.text
    resp = sign_in_web(client, org, Role.VOLUNTEER)
    assert resp.status_code == 200
    assert client.get(f"/t/{org.slug}/").status_code == 302


def test_password_reset_pages(app: Flask, client: FlaskClient, database: Database) -> None:

    org = make_org(database)
    page = client.get(f"/t/{org.slug}/password-reset")
    sent = client.post(
        f"/t/{org.slug}/password-reset",
        data={"email": org.emails[Role.VOLUNTEER], "csrf_token": csrf_token(page.text)},
    )
    assert "Tarkista sähköpostisi" in sent.text
    (token,) = sent_links(app, "password-reset")
    form = client.get(f"/t/{org.slug}/password-reset/{token}")
    mismatch = client.post(
        f"/t/{org.slug}/password-reset/{token}",
        data={
            "password": "uusi-salasana-1",
            "confirm": "toinen",
            "csrf_token": csrf_token(form.text),
        },
    )
    assert mismatch.status_code == 422 and "Salasanat eivät ole samat." in mismatch.text
    done = client.post(
        f"/t/{org.slug}/password-reset/{token}",
        data={
            "password": "uusi-salasana-1",
            "confirm": "uusi-salasana-1",
            "csrf_token": csrf_token(form.text),
        },
    )
    assert "Salasana tallennettu" in done.text
    assert sign_in_web(client, org, Role.VOLUNTEER, password="uusi-salasana-1").status_code == 302
