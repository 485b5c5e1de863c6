"""Toiminnan Miehet through the API: the anonymous call log takes four fields and no more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from tests.factories import license_module, make_org, token_for
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.tenants.licensing import today

CALL = {"duration_minutes": 25, "topic": "divorce", "referred_onward": True}


@pytest.mark.parametrize(
    "extra",
    [
        {"caller_name": "Pekka"},
        {"phone_number": "+358401234567"},
        {"note": "kertoi nimensä"},
        {"started_at": "2026-01-01T19:03:00+02:00"},
        {"volunteer_id": "00000000-0000-0000-0000-000000000001"},
    ],
    ids=lambda extra: next(iter(extra)),
)
def test_the_call_log_rejects_any_unknown_field(
    client: FlaskClient, database: Database, extra: dict[str, str]
) -> None:
    org = make_org(database)
    license_module(database, org, "mens_peer_groups")
    headers = token_for(client, org, Role.VOLUNTEER)
    body = {**CALL, "shift_date": today().isoformat(), **extra}
    resp = client.post("/api/v1/mens-peer-groups/calls", json=body, headers=headers)
    assert resp.status_code == 422 and resp.json["code"] == "validation_failed"
    assert next(iter(extra)) in resp.json["errors"]["json"]


def test_calls_are_logged_and_read_only_as_a_summary(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    body = {**CALL, "shift_date": today().isoformat()}
    # No licence, no phone line.
    refused = client.post("/api/v1/mens-peer-groups/calls", json=body, headers=volunteer)
    assert refused.status_code == 403 and refused.json["code"] == "licence_required"
    license_module(database, org, "mens_peer_groups")
    logged = client.post("/api/v1/mens-peer-groups/calls", json=body, headers=volunteer)
    assert logged.status_code == 201 and set(logged.json) == {"id"}
    other = {**body, "topic": "loneliness", "referred_onward": False, "duration_minutes": 10}
    assert (
        client.post("/api/v1/mens-peer-groups/calls", json=other, headers=volunteer).status_code
        == 201
    )
    future = {**body, "shift_date": (today() + timedelta(days=1)).isoformat()}
    late = client.post("/api/v1/mens-peer-groups/calls", json=future, headers=volunteer)
    assert late.status_code == 422 and late.json["code"] == "shift_in_future"
    assert (
        client.get("/api/v1/mens-peer-groups/calls/summary", headers=volunteer).status_code == 403
    )
    staff = token_for(client, org, Role.COORDINATOR)
    summary = client.get("/api/v1/mens-peer-groups/calls/summary", headers=staff).json["items"]
    assert summary == [
        {"topic": "divorce", "calls": 1, "minutes": 25, "referred_onward": 1},
        {"topic": "loneliness", "calls": 1, "minutes": 10, "referred_onward": 0},
    ]
