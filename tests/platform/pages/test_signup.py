"""The public sign-up pages: the form, its errors in each language, the emailed confirmation."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import business_id, make_org, sent_links
from tests.platform.pages.webb_support import REQUIRED, post_form
from tukiverkko.platform.db import Database
from tukiverkko.tenants.models import Tenant, TenantStatus


def _typed(**overrides: str) -> dict[str, str]:
    slug = f"tsemppi-{uuid.uuid4().hex[:6]}"
    values = {
        "name": "Monipalvelukeskus Tsemppi",
        "slug": slug,
        "business_id": business_id(int(uuid.uuid4().int % 9_000_000) + 10),
        "municipality": "Turku",
        "contact_name": "Tiina Tsemppi",
        "contact_email": f"tiina@{slug}.example",
        "billing_email": f"laskut@{slug}.example",
        "plan": "small",
        "language": "fi",
    }
    values.update(overrides)
    return values


def test_sign_up_form_errors_in_each_language_keep_what_was_typed(client: FlaskClient) -> None:
    page = client.get("/signup")
    assert page.status_code == 200 and "Y-tunnus" in page.text
    for lang in ("fi", "sv", "en"):
        resp = post_form(client, f"/signup?lang={lang}", _typed(name="", municipality="Kuopio"))
        assert resp.status_code == 422
        assert REQUIRED[lang] in resp.text and 'value="Kuopio"' in resp.text
    # The service's own check (the Y-tunnus check digit), in the reader's language.
    valid = business_id(12345)
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)  # the check digit is off
    resp = post_form(client, "/signup?lang=en", _typed(business_id=wrong))
    assert resp.status_code == 422
    assert "Not a valid Finnish business ID (Y-tunnus)." in resp.text
    assert f'value="{wrong}"' in resp.text


def test_a_taken_address_is_shown_on_its_field(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    resp = post_form(client, "/signup?lang=en", _typed(slug=org.slug))
    assert resp.status_code == 409
    assert "This address is already taken." in resp.text
    assert 'aria-invalid="true"' in resp.text  # on the address field


def test_sign_up_then_confirm_by_the_emailed_link(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    typed = _typed()
    resp = post_form(client, "/signup?lang=en", typed)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/signup/sent")
    assert "Check your email" in client.get("/signup/sent?lang=en").text
    with database.unit_of_work() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == typed["slug"]))
        assert tenant is not None and tenant.status == TenantStatus.PENDING
    token = sent_links(app, "confirm")[-1]
    url = f"/signup/{typed['slug']}/confirm/{token}"
    page = client.get(url + "?lang=en")
    assert page.status_code == 200 and "Monipalvelukeskus Tsemppi" in page.text
    with database.unit_of_work() as db:  # opening the link changed nothing
        assert db.scalar(select(Tenant.status).where(Tenant.slug == typed["slug"])) == (
            TenantStatus.PENDING
        )
    resp = post_form(client, url, {})
    assert resp.status_code == 302
    assert f"/t/{typed['slug']}/invitation/" in resp.headers["Location"]
    with database.unit_of_work() as db:
        assert db.scalar(select(Tenant.status).where(Tenant.slug == typed["slug"])) == (
            TenantStatus.ACTIVE
        )
    # The link works once.
    resp = post_form(client, url + "?lang=en", {})
    assert resp.status_code == 400 and "not valid any more" in resp.text
