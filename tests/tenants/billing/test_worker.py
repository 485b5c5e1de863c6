"""The webhook only records; the RQ worker (a real `tukiverkko worker` on Redis) applies."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import token_for
from tests.support.services import RedisServer
from tests.support.stripe import LocalStripe, load_event, post_event
from tests.tenants.billing.support import billing_row, make_billed_org
from tukiverkko.platform.app import create_app
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.settings import Settings
from tukiverkko.tenants.billing.models import BillingState

ROOT = Path(__file__).parents[3]

pytestmark = [pytest.mark.parametrize("backend", ["sqlite"]), pytest.mark.redis]


def _env(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "TUKIVERKKO_ENV": "test",
        "TUKIVERKKO_LOG_JSON": "true",
        "TUKIVERKKO_JOB_BACKEND": "rq",
    }
    for name in (
        "secret_key",
        "var_dir",
        "database_url",
        "redis_url",
        "billing",
        "stripe_secret_key",
        "stripe_webhook_secret",
        "stripe_api_base",
        "stripe_prices",
    ):
        env[f"TUKIVERKKO_{name.upper()}"] = str(getattr(settings, name))
    return env


def test_the_worker_applies_the_event_the_webhook_recorded(
    settings: Settings, redis_server: RedisServer, localstripe: LocalStripe
) -> None:
    rq_settings = replace(settings, job_backend="rq", redis_url=redis_server.url)
    app: Flask = create_app(rq_settings)
    database: Database = app.extensions["tukiverkko.db"]
    try:
        client = app.test_client()
        org = make_billed_org(database)
        admin = token_for(client, org, Role.TENANT_ADMIN)
        assert client.post(
            "/api/v1/billing/checkout", json={"plan": "small"}, headers=admin
        ).status_code == 200  # fmt: skip
        customer = str(billing_row(database, org).stripe_customer_id)
        sub = localstripe.subscribe(customer, str(org.id))
        event = load_event(
            "checkout.session.completed",
            TENANT_ID=str(org.id),
            CUSTOMER_ID=customer,
            SUBSCRIPTION_ID=sub,
        )
        assert post_event(client, event).status_code == 200
        # Acknowledged at once; nothing applied in the request.
        assert billing_row(database, org).state == BillingState.FREE

        worker = subprocess.run(
            [sys.executable, "-m", "tukiverkko", "worker", "--burst"],
            cwd=ROOT,
            env=_env(rq_settings),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert worker.returncode == 0, worker.stdout + worker.stderr
        row = billing_row(database, org)
        assert (row.state, row.plan) == (BillingState.ACTIVE, "small")
    finally:
        database.dispose()
