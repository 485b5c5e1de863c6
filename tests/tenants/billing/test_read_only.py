"""Read-only mode: an unpaid organisation signs in, reads and exports, and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import make_org, sign_in_web, token_for
from tests.platform.primitives.support import make_programme, make_volunteer
from tests.tenants.billing.support import make_billed_org
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role, User
from tukiverkko.tenants.billing.models import BillingState
from tukiverkko.tenants.models import Tenant


def test_read_only_organisation_signs_in_reads_and_exports_but_cannot_create(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    now = utcnow()
    org = make_billed_org(
        database,
        plan="small",
        state=BillingState.PAST_DUE,
        past_due_since=now - timedelta(days=20),
        read_only_since=now - timedelta(days=6),
    )
    programme_id = make_programme(database, org, module_key="support_person")
    volunteer_id = make_volunteer(database, org, programme_id, approved=True)

    # Signing in works, by API and on the sign-in page.
    admin = token_for(client, org, Role.TENANT_ADMIN)
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert sign_in_web(client, org, Role.COORDINATOR).status_code == 302

    # Reading works.
    assert client.get("/api/v1/programmes", headers=coordinator).status_code == 200
    one = client.get(f"/api/v1/volunteers/{volunteer_id}", headers=coordinator)
    assert one.status_code == 200 and one.json["status"] == "approved"
    assert client.get("/api/v1/users", headers=admin).status_code == 200
    billing = client.get("/api/v1/billing", headers=admin).json
    assert billing["read_only"] is True and billing["state"] == "past_due"

    # Exporting everything works (the privacy area's archive, where installed).
    rules = {r.rule for r in app.url_map.iter_rules()}
    if "/api/v1/privacy/tenant-exports" in rules:
        export = client.post("/api/v1/privacy/tenant-exports", headers=admin)
        assert export.status_code == 202, export.text

    # Creating or changing anything is refused, with one clear code.
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        users_before = db.scalar(select(func.count()).select_from(User))
    attempts = [
        ("POST", "/api/v1/users/invitations", {"email": "u@x.fi", "name": "U"}, admin),
        ("PATCH", f"/api/v1/tenants/{org.id}", {"name": "Uusi nimi"}, admin),
        ("POST", "/api/v1/programmes", {"module_key": "support_person", "name": "P"}, coordinator),
        ("POST", f"/api/v1/volunteers/{volunteer_id}/pause", {}, coordinator),
    ]
    for method, url, body, headers in attempts:
        resp = client.open(url, method=method, json=body, headers=headers)
        assert resp.status_code == 403, f"{method} {url}: {resp.status_code} {resp.text}"
        assert resp.json["code"] == "tenant_read_only"
        assert "read-only" in resp.json["detail"]
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(User)) == users_before
    with database.unit_of_work() as db:
        tenant = db.get(Tenant, org.id)
        assert tenant is not None and tenant.name != "Uusi nimi"
    again = client.get(f"/api/v1/volunteers/{volunteer_id}", headers=coordinator)
    assert again.json["status"] == "approved"

    # Paying stays possible (Checkout), and signing out.
    pay = client.post("/api/v1/billing/checkout", json={"plan": "small"}, headers=admin)
    assert pay.status_code == 200, pay.text
    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 204


def test_other_organisations_are_not_affected(client: FlaskClient, database: Database) -> None:
    make_billed_org(database, state=BillingState.PAST_DUE, read_only_since=utcnow())
    fine = make_org(database)
    resp = client.post(
        "/api/v1/users/invitations",
        json={"email": "uusi@example.fi", "name": "Uusi"},
        headers=token_for(client, fine, Role.COORDINATOR),
    )
    assert resp.status_code == 201, resp.text
