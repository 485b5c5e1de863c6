"""Plans: volunteer places left, the limit with a clear message, no limit when billing is off."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Org, make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tests.tenants.billing.support import make_billed_org
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import Volunteer, VolunteerStatus
from tukiverkko.platform.settings import (
    ConfigurationError,
    Settings,
    check_settings,
    validate_for_production,
)
from tukiverkko.tenants.billing import service
from tukiverkko.tenants.billing.models import BillingState


def _ready(database: Database, org: Org, programme_id: uuid.UUID) -> uuid.UUID:
    """A volunteer interviewed, trained and checked: only approval is missing."""
    volunteer_id = make_volunteer(database, org, programme_id)
    with in_tenant(database, org) as db:
        v = db.get(Volunteer, volunteer_id)
        assert v is not None
        v.check_recorded_at = v.training_completed_at = utcnow() - timedelta(days=1)
        v.status = VolunteerStatus.TRAINED
    return volunteer_id


def _approve(client: FlaskClient, headers: dict[str, str], volunteer_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/volunteers/{volunteer_id}/approve", json={}, headers=headers)


def _places(client: FlaskClient, headers: dict[str, str]) -> dict[str, object]:
    # In English: the message is checked word for word below.
    resp = client.get("/api/v1/billing/places", headers={**headers, "Accept-Language": "en"})
    assert resp.status_code == 200, resp.text
    return dict(resp.json)


def test_places_left_before_the_limit_bites_then_a_clear_refusal(
    client: FlaskClient, database: Database
) -> None:
    org = make_billed_org(database)  # the free tier: 10 active volunteers
    programme_id = make_programme(database, org, module_key="support_person")
    for _ in range(6):
        make_volunteer(database, org, programme_id, approved=True)
    on_break = make_volunteer(database, org, programme_id, approved=True)
    with in_tenant(database, org) as db:
        v = db.get(Volunteer, on_break)
        assert v is not None
        v.status_before_pause, v.status = v.status, VolunteerStatus.PAUSED
    make_volunteer(database, org, programme_id)  # an applicant holds no place

    coordinator = token_for(client, org, Role.COORDINATOR)
    places = _places(client, coordinator)
    assert places == {
        "plan": "free",
        "volunteer_limit": 10,
        "active_volunteers": 7,  # the one on a break keeps their place
        "places_left": 3,
        "message": "You have 3 volunteer places left.",
    }
    for expected_left in (2, 1, 0):
        assert _approve(client, coordinator, _ready(database, org, programme_id)).status_code == 200
        assert _places(client, coordinator)["places_left"] == expected_left
    assert "All 10 volunteer places" in str(_places(client, coordinator)["message"])

    waiting = _ready(database, org, programme_id)
    refused = _approve(client, coordinator, waiting)
    assert refused.status_code == 409
    assert refused.json["code"] == "plan_limit_reached"
    assert "allows 10 active volunteers" in refused.json["detail"]
    with in_tenant(database, org) as db:
        v = db.get(Volunteer, waiting)
        assert v is not None and v.status == VolunteerStatus.TRAINED  # nothing changed


def test_a_paid_plan_raises_the_ceiling(client: FlaskClient, database: Database) -> None:
    org = make_billed_org(database, plan="small", state=BillingState.ACTIVE)
    programme_id = make_programme(database, org, module_key="support_person")
    for _ in range(10):
        make_volunteer(database, org, programme_id, approved=True)
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert _places(client, coordinator)["places_left"] == 20
    assert _approve(client, coordinator, _ready(database, org, programme_id)).status_code == 200


def test_no_ceiling_for_organisations_billed_by_agreement(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)  # registered by an operator: no billing row
    places = _places(client, token_for(client, org, Role.COORDINATOR))
    assert places["volunteer_limit"] is None and places["places_left"] is None
    assert places["message"] == "Your plan has no limit on volunteers."


def test_with_billing_off_everything_is_free(settings: Settings) -> None:
    from tukiverkko.platform.app import create_app

    app: Flask = create_app(replace(settings, billing="embedded"))
    database: Database = app.extensions["tukiverkko.db"]
    try:
        client = app.test_client()
        org = make_billed_org(database)
        programme_id = make_programme(database, org, module_key="support_person")
        for _ in range(10):
            make_volunteer(database, org, programme_id, approved=True)
        coordinator = token_for(client, org, Role.COORDINATOR)
        assert _places(client, coordinator)["volunteer_limit"] is None
        assert _approve(client, coordinator, _ready(database, org, programme_id)).status_code == 200
        admin = token_for(client, org, Role.TENANT_ADMIN)
        off = client.post("/api/v1/billing/checkout", json={"plan": "small"}, headers=admin)
        assert off.status_code == 409 and off.json["code"] == "billing_disabled"
        webhook = client.post("/api/v1/billing/stripe/webhook", data=b"{}")
        assert webhook.status_code == 404
    finally:
        database.dispose()


def test_service_outside_an_app_enforces_nothing(database: Database) -> None:
    org = make_billed_org(database)
    with in_tenant(database, org) as db:
        service.require_volunteer_place(db, org.id)  # no app context: nothing to bill
        assert service.places(db, org.id, enforced=True).limit == 10


def test_production_refuses_stripe_without_keys() -> None:
    prod = Settings(
        env="production",
        secret_key="x" * 40,
        database_url="postgresql+psycopg://app@db/tukiverkko",
        job_backend="rq",
        redis_url="redis://redis:6379/0",
        billing="stripe",
    )
    with pytest.raises(ConfigurationError, match="TUKIVERKKO_STRIPE_SECRET_KEY"):
        check_settings(prod)
    with pytest.raises(ConfigurationError, match="TUKIVERKKO_BILLING"):
        check_settings(replace(prod, env="development", billing="paypal"))
    ok = replace(
        prod, stripe_secret_key="sk_live_x", stripe_webhook_secret="whsec_x", stripe_prices="s=p"
    )
    assert not [p for p in validate_for_production(ok) if "STRIPE" in p]
