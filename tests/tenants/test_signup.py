"""Self-service sign-up: register, confirm by email, set a password, invite colleagues."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import business_id, make_org, sent_links
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import User
from tukiverkko.tenants import signup
from tukiverkko.tenants.billing.models import TenantBilling, TenantSignup
from tukiverkko.tenants.models import Tenant, TenantStatus

_n = itertools.count(1)
PASSWORD = "vahva-salasana-123"


def _form(**overrides: Any) -> dict[str, Any]:
    n = next(_n)
    form = {
        "name": "Turun Tukiyhdistys ry",
        "slug": f"tuki-{n}-{id(overrides) % 10000}",
        "business_id": business_id(3_000_000 + n * 37 + id(overrides) % 1000),
        "municipality": "Turku",
        "contact_name": "Sanna Koordinaattori",
        "contact_email": f"sanna{n}@tuki.example",
        "billing_email": f"laskutus{n}@tuki.example",
        "plan": "small",
        "einvoice_address": "003712345678",
        "einvoice_operator": "E204503",
    }
    form.update(overrides)
    return form


def _sign_up(client: FlaskClient, form: dict[str, Any], addr: str = "10.0.0.1") -> Any:
    return client.post("/api/v1/signup", json=form, environ_base={"REMOTE_ADDR": addr})


def _tenant(database: Database, slug: str) -> Tenant | None:
    with database.unit_of_work() as db:
        return db.scalar(select(Tenant).where(Tenant.slug == slug))


def test_sign_up_confirm_set_password_and_invite_a_colleague(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    form = _form()
    resp = _sign_up(client, form)
    assert resp.status_code == 202, resp.text
    assert resp.json == {"status": "confirmation_sent"}

    tenant = _tenant(database, form["slug"])
    assert tenant is not None and tenant.status == TenantStatus.PENDING
    assert tenant.business_id == form["business_id"]
    with context.bind(tenant_id=tenant.id), database.unit_of_work() as db:
        billing = db.scalar(select(TenantBilling))
        assert billing is not None
        assert billing.requested_plan == "small" and billing.plan == "free"
        assert billing.vat_id == "FI" + form["business_id"].replace("-", "")
        assert billing.einvoice_address == "003712345678"
        assert billing.einvoice_operator == "E204503"

    # Not confirmed yet: nobody can sign in.
    assert (
        client.post(
            "/api/v1/auth/token",
            json={"tenant": form["slug"], "email": form["contact_email"], "password": PASSWORD},
        ).status_code
        == 401
    )

    [token] = sent_links(app, "confirm")
    resp = client.post("/api/v1/signup/confirm", json={"tenant": form["slug"], "token": token})
    assert resp.status_code == 200, resp.text
    assert resp.json["tenant"] == form["slug"]
    assert f"/t/{form['slug']}/invitation/" in resp.json["set_password_url"]
    tenant = _tenant(database, form["slug"])
    assert tenant is not None and tenant.status == TenantStatus.ACTIVE

    # The set-password step is the invitation flow, also emailed.
    [invitation] = sent_links(app, "invitation")
    assert resp.json["set_password_url"].endswith(invitation)
    resp = client.post(
        "/api/v1/auth/invitations/accept",
        json={"tenant": form["slug"], "token": invitation, "password": PASSWORD},
    )
    assert resp.status_code == 204, resp.text
    resp = client.post(
        "/api/v1/auth/token",
        json={"tenant": form["slug"], "email": form["contact_email"], "password": PASSWORD},
    )
    assert resp.status_code == 200, resp.text
    headers = {"Authorization": f"Bearer {resp.json['access_token']}"}
    me = client.get("/api/v1/auth/me", headers=headers).json
    assert me["role"] == "tenant_admin" and me["email_verified"] is True

    # As the first admin they invite a colleague.
    resp = client.post(
        "/api/v1/users/invitations",
        json={"email": "kollega@tuki.example", "name": "Kalle", "role": "coordinator"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text

    # The confirmation link worked once.
    again = client.post("/api/v1/signup/confirm", json={"tenant": form["slug"], "token": token})
    assert again.status_code == 400 and again.json["code"] == "invalid_link"


def test_wrong_confirmation_token_is_refused(client: FlaskClient, database: Database) -> None:
    form = _form()
    assert _sign_up(client, form).status_code == 202
    resp = client.post("/api/v1/signup/confirm", json={"tenant": form["slug"], "token": "nope"})
    assert resp.status_code == 400 and resp.json["code"] == "invalid_link"
    resp = client.post("/api/v1/signup/confirm", json={"tenant": "no-such-org", "token": "x"})
    assert resp.status_code == 400 and resp.json["code"] == "invalid_link"
    tenant = _tenant(database, form["slug"])
    assert tenant is not None and tenant.status == TenantStatus.PENDING


def test_taken_slug_and_business_id_are_refused_without_details(
    client: FlaskClient, database: Database
) -> None:
    existing = make_org(database)
    with database.unit_of_work() as db:
        taken_id = db.get(Tenant, existing.id).business_id  # type: ignore[union-attr]

    resp = _sign_up(client, _form(slug=existing.slug))
    assert resp.status_code == 409 and resp.json["code"] == "slug_taken"
    resp = _sign_up(client, _form(business_id=taken_id))
    assert resp.status_code == 409 and resp.json["code"] == "business_id_taken"
    # Nothing about the other organisation is disclosed.
    assert f"Yhdistys {existing.slug}" not in resp.text and existing.slug not in resp.text

    # A pending sign-up reserves its address and ID as well.
    first = _form()
    assert _sign_up(client, first).status_code == 202
    assert _sign_up(client, _form(slug=first["slug"])).json["code"] == "slug_taken"
    dup = _sign_up(client, _form(business_id=first["business_id"]))
    assert dup.json["code"] == "business_id_taken"
    with database.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(Tenant)) == 2  # nothing half-made


def test_invalid_business_id_and_plan_are_refused(client: FlaskClient) -> None:
    resp = _sign_up(client, _form(business_id="1234567-2"))
    assert resp.status_code == 422 and resp.json["code"] == "invalid_business_id"
    resp = _sign_up(client, _form(plan="platinum"))
    assert resp.status_code == 422


def test_abandoned_sign_ups_expire_and_free_the_address(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    abandoned, kept = _form(), _form()
    assert _sign_up(client, abandoned).status_code == 202
    assert _sign_up(client, kept).status_code == 202
    confirm_token = sent_links(app, "confirm")[-1]
    assert (
        client.post(
            "/api/v1/signup/confirm", json={"tenant": kept["slug"], "token": confirm_token}
        ).status_code
        == 200
    )
    with app.app_context():
        # Not yet: a day later nothing is removed.
        with context.cross_tenant("test"), database.unit_of_work() as db:
            assert signup.expire_signups(db, now=utcnow() + timedelta(days=1)) == 0
        with context.cross_tenant("test"), database.unit_of_work() as db:
            assert signup.expire_signups(db, now=utcnow() + signup.SIGNUP_LIFETIME) == 1
    assert _tenant(database, abandoned["slug"]) is None
    assert _tenant(database, kept["slug"]) is not None
    with context.cross_tenant("test"), database.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(TenantSignup)) == 1
        emails = set(db.scalars(select(User.email)))
    assert abandoned["contact_email"] not in emails  # the person's data went with it
    # The address and business ID can be used again.
    assert _sign_up(client, _form(slug=abandoned["slug"])).status_code == 202
    again = _sign_up(client, _form(business_id=abandoned["business_id"]))
    assert again.status_code == 202


def test_daily_task_is_registered() -> None:
    from tukiverkko.workers.scheduled import DAILY_TASKS

    assert DAILY_TASKS["signup_expiry"] is signup.run_signup_expiry


def test_sign_up_is_throttled_per_address(client: FlaskClient) -> None:
    addr = "10.9.8.7"
    for _ in range(30):  # the free allowance (every attempt counts, even refused ones)
        resp = _sign_up(client, _form(business_id="bad"), addr=addr)
        assert resp.status_code == 422
    resp = _sign_up(client, _form(), addr=addr)
    assert resp.status_code == 429 and resp.json["code"] == "too_many_requests"
    assert int(resp.headers["Retry-After"]) >= 1
    assert _sign_up(client, _form(), addr="10.9.8.8").status_code == 202  # others unaffected


def test_plans_are_public(client: FlaskClient) -> None:
    resp = client.get("/api/v1/signup/plans")
    assert resp.status_code == 200
    plans = {p["key"]: p for p in resp.json["items"]}
    assert plans["free"]["volunteer_limit"] == 10 and plans["free"]["monthly_price_cents"] == 0
    assert all(p["monthly_price_cents"] > 0 for k, p in plans.items() if k != "free")
