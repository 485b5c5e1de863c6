"""GET /metrics: counters move with requests and sign-in failures, labels carry no ids,
queue and outbox figures are read at scrape time, and only the configured scraper gets in."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_org, token_for
from tests.support.services import RedisServer, free_port
from tukiverkko.platform.app import create_app
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.jobs import make_envelope, rq_queue
from tukiverkko.platform.settings import Settings

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
USER_ROUTE = "/api/v1/users/<uuid:user_id>"


def scrape(client: FlaskClient, **kwargs: object) -> dict[tuple[str, tuple], float]:
    """Every sample of one scrape, keyed by (name, sorted labels)."""
    resp = client.get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert resp.status_code == 200, resp.text
    assert resp.content_type.startswith("text/plain")
    samples: dict[tuple[str, tuple], float] = {}
    for family in text_string_to_metric_families(resp.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_rule_and_status_without_ids(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    before = scrape(client)
    for role in (Role.VOLUNTEER, Role.COORDINATOR):
        resp = client.get(f"/api/v1/users/{org.people[role]}", headers=admin)
        assert resp.status_code == 200
    # another tenant's (or no one's) id: a 404 on the same route rule
    assert client.get(f"/api/v1/users/{uuid.uuid4()}", headers=admin).status_code == 404
    assert client.get(f"/no/such/page/{uuid.uuid4()}").status_code == 404
    after = scrape(client)

    ok = {"method": "GET", "route": USER_ROUTE, "status": "200"}
    missing = {"method": "GET", "route": USER_ROUTE, "status": "404"}
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    for labels, expected in ((ok, 2), (missing, 1), (unmatched, 1)):
        delta = value(after, "tukiverkko_http_requests_total", **labels) - value(
            before, "tukiverkko_http_requests_total", **labels
        )
        assert delta == expected, labels
        count = "tukiverkko_http_request_duration_seconds_count"
        assert value(after, count, **labels) - value(before, count, **labels) == expected
    latency_sum = value(after, "tukiverkko_http_request_duration_seconds_sum", **ok)
    assert latency_sum > 0

    # No label value anywhere on the page holds an id or a raw path.
    for _name, labels in after:
        for _key, label_value in labels:
            assert not UUID_RE.search(label_value), label_value
            assert "/no/such/page" not in label_value


def test_sign_in_failures_and_throttling_are_counted(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    before = scrape(client)
    wrong = {"tenant": org.slug, "email": org.emails[Role.VOLUNTEER], "password": "väärä-salasana"}
    statuses = [client.post("/api/v1/auth/token", json=wrong).status_code for _ in range(3)]
    after = scrape(client)
    failed = value(after, "tukiverkko_sign_in_failures_total", action="sign_in_failed") - value(
        before, "tukiverkko_sign_in_failures_total", action="sign_in_failed"
    )
    throttled = value(
        after, "tukiverkko_sign_in_failures_total", action="sign_in_throttled"
    ) - value(before, "tukiverkko_sign_in_failures_total", action="sign_in_throttled")
    # Every refused attempt is counted once, as a failure or (after the first) as throttled.
    assert failed >= 1
    assert failed + throttled == len(statuses)
    assert all(status in (401, 429) for status in statuses)


def test_outbox_backlog_is_read_at_scrape_time(client: FlaskClient) -> None:
    samples = scrape(client)
    assert value(samples, "tukiverkko_backend_up", backend="database") == 1.0
    assert ("tukiverkko_outbox_backlog_messages", ()) in samples
    assert ("tukiverkko_outbox_lag_seconds", ()) in samples
    assert ("tukiverkko_outbox_failed_messages", ()) in samples
    # Without Redis there is no queue to report.
    assert not any(name == "tukiverkko_queue_jobs" for name, _ in samples)


@pytest.fixture
def rq_app(settings: Settings, redis_server: RedisServer) -> Iterator[Flask]:
    app = create_app(replace(settings, redis_url=redis_server.url, job_backend="rq"))
    yield app
    app.extensions["tukiverkko.db"].dispose()


@pytest.mark.redis
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_queue_depth_and_failed_jobs_come_from_rq(rq_app: Flask) -> None:
    from tukiverkko.workers.runner import run_job

    with rq_app.app_context():
        queue = rq_queue()
        queue.empty()
        for n in range(3):
            queue.enqueue(
                run_job,
                make_envelope("tukiverkko.none:nothing", {"n": n}, tenant_id=None, request_id=None),
            )
    samples = scrape(rq_app.test_client())
    assert value(samples, "tukiverkko_backend_up", backend="redis") == 1.0
    assert value(samples, "tukiverkko_queue_jobs", queue="default", state="queued") == 3.0
    assert ("tukiverkko_queue_jobs", (("queue", "default"), ("state", "failed"))) in samples
    with rq_app.app_context():
        rq_queue().empty()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_redis_that_is_down_is_reported_not_an_error(settings: Settings) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(replace(settings, redis_url=nobody, job_backend="rq"))
    samples = scrape(app.test_client())
    assert value(samples, "tukiverkko_backend_up", backend="redis") == 0.0
    assert value(samples, "tukiverkko_backend_up", backend="database") == 1.0


# -- who may scrape ---------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_without_a_token_only_unproxied_loopback_may_scrape(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 403
    assert remote.json["code"] == "metrics_forbidden"
    # A reverse proxy on the same host makes everyone look local: forwarded requests are refused.
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403
    assert client.get("/metrics", headers={"Forwarded": "for=203.0.113.9"}).status_code == 403


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_with_a_token_only_the_bearer_may_scrape(settings: Settings) -> None:
    token = "scrape-" + "x" * 40
    client = create_app(replace(settings, metrics_token=token)).test_client()
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=remote).status_code == 401
    # With a token set, loopback is no longer enough either.
    denied = client.get("/metrics")
    assert denied.status_code == 401
    assert denied.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"}, environ_base=remote)
    assert wrong.status_code == 401
    good = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}, environ_base=remote)
    assert good.status_code == 200
    assert "tukiverkko_http_requests_total" in good.text
