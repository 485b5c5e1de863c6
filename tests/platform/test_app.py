"""The shell of the app: health probes, the front page, request ids, headers."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.services import RedisServer


def test_healthz_says_alive(client: FlaskClient) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json == {"status": "ok"}


def test_readyz_checks_the_database(client: FlaskClient) -> None:
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json["status"] == "ready"
    assert resp.json["checks"] == {"database": "ok"}


def test_readyz_reports_unreachable_database(app: Flask) -> None:
    from tukiverkko.platform.app import create_app

    broken = create_app(
        replace(app.config["TUKIVERKKO_SETTINGS"], database_url="sqlite:////nonexistent/dir/x.db")
    )
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.json["status"] == "not_ready"


def test_front_page_is_finnish_by_default_and_switchable(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert '<html lang="fi">' in page.text
    swedish = client.get("/?lang=sv")
    assert '<html lang="sv">' in swedish.text
    # the choice is remembered
    assert '<html lang="sv">' in client.get("/").text


def test_every_response_has_security_headers_and_request_id(client: FlaskClient) -> None:
    resp = client.get("/", headers={"X-Request-Id": "abcdef123456"})
    assert resp.headers["X-Request-Id"] == "abcdef123456"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in resp.headers  # only behind TLS
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_hostile_request_id_is_replaced(client: FlaskClient) -> None:
    resp = client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert resp.headers["X-Request-Id"] != "<script>"
    assert len(resp.headers["X-Request-Id"]) == 32


def test_openapi_document_and_local_docs(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json["openapi"].startswith("3.")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "http" not in docs.text.split("<body>")[1].replace("http-equiv", "")  # no CDN
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.data) > 100_000


def test_logs_are_json_with_request_id(client: FlaskClient, capsys) -> None:  # type: ignore[no-untyped-def]
    from tukiverkko.platform.logs import configure_logging

    configure_logging("INFO", json_format=True)
    try:
        client.get(
            "/nowhere-at-all",
            headers={"X-Request-Id": "req-0123456789", "Accept": "application/json"},
        )
        logging.getLogger("tukiverkko.test").info("probe")
    finally:
        configure_logging("WARNING", json_format=False)
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["msg"] == "request"]
    assert access[0]["request_id"] == "req-0123456789"
    assert access[0]["status"] == 404
    assert all({"ts", "level", "logger", "msg", "request_id"} <= set(line) for line in lines)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_readyz_checks_redis_when_configured(app: Flask, redis_server: RedisServer) -> None:
    from tests.support.services import free_port
    from tukiverkko.platform.app import create_app

    settings = app.config["TUKIVERKKO_SETTINGS"]
    with_redis = create_app(replace(settings, redis_url=redis_server.url)).test_client()
    assert with_redis.get("/readyz").json["checks"] == {"database": "ok", "redis": "ok"}
    dead = f"redis://127.0.0.1:{free_port()}/0"
    without = create_app(replace(settings, redis_url=dead)).test_client().get("/readyz")
    assert without.status_code == 503
    assert without.json["checks"]["redis"].startswith("error")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_readyz_checks_the_object_store_when_configured(app: Flask, s3_endpoint: str) -> None:
    import time

    from tests.support.s3 import s3_bucket
    from tests.support.services import free_port
    from tukiverkko.platform.app import create_app

    s3_bucket(s3_endpoint, "ready-files")
    settings = replace(
        app.config["TUKIVERKKO_SETTINGS"],
        s3_bucket="ready-files",
        s3_endpoint_url=s3_endpoint,
        s3_access_key="testing",
        s3_secret_key="testing",
        s3_region="eu-north-1",
    )
    ready = create_app(settings).test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "object_store": "ok"}

    missing = create_app(replace(settings, s3_bucket="no-such-bucket")).test_client()
    assert missing.get("/readyz").status_code == 503

    dead = replace(settings, s3_endpoint_url=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    down = create_app(dead).test_client().get("/readyz")
    assert down.status_code == 503
    assert down.json["checks"]["object_store"].startswith("error")
    assert time.monotonic() - started < 10  # one quick try, within a probe's time
