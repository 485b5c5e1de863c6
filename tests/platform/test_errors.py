"""Every error has the problem shape, the right status, and writes nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tukiverkko.platform.errors import PROBLEM_MEDIA_TYPE


def assert_problem(resp, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    assert resp.mimetype == PROBLEM_MEDIA_TYPE
    body = resp.json
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"] and body["detail"]
    return body


def row_counts(app: Flask) -> dict[str, int]:
    from tukiverkko.platform import context
    from tukiverkko.platform.db import Base

    db = app.extensions["tukiverkko.db"]
    with context.cross_tenant("test: count rows"), db.unit_of_work() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def test_unknown_api_url(client: FlaskClient) -> None:
    assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_unknown_page_for_an_api_client(client: FlaskClient) -> None:
    assert_problem(
        client.get("/no-such-page", headers={"Accept": "application/json"}), 404, "not_found"
    )


def test_unknown_page_for_a_browser_is_a_page(client: FlaskClient) -> None:
    resp = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert "Sivua ei löytynyt" in resp.text or "Page not found" in resp.text


def test_wrong_method(client: FlaskClient) -> None:
    resp = client.delete("/healthz")
    body = assert_problem(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]
    assert body["instance"] == "/healthz"


def test_malformed_json_changes_nothing(app: Flask, client: FlaskClient) -> None:
    before = row_counts(app)
    resp = client.post(
        "/api/v1/auth/token", data=b'{"tenant": "x", ', content_type="application/json"
    )
    assert_problem(resp, 400, "malformed_json")
    assert row_counts(app) == before


def test_invalid_fields_are_listed(client: FlaskClient) -> None:
    resp = client.post("/api/v1/auth/token", json={"tenant": 5})
    body = assert_problem(resp, 422, "validation_failed")
    assert "json" in body["errors"]


def test_unhandled_exception_is_a_problem_without_internals(app: Flask) -> None:
    @app.get("/boom-test-only")
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.testing = False  # let the handler run instead of propagating
    resp = app.test_client().get("/boom-test-only", headers={"Accept": "application/json"})
    body = assert_problem(resp, 500, "internal_error")
    assert "secret internals" not in resp.text
    assert body["request_id"]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, "authentication_required"),
        (403, "forbidden"),
        (409, "conflict"),
        (429, "too_many_requests"),
    ],
)
def test_problem_exceptions_keep_their_status(app: Flask, status: int, code: str) -> None:
    from tukiverkko.platform.errors import Problem

    @app.get(f"/raise-{status}")
    def raiser() -> str:
        raise Problem("nope", status=status, code=code)

    assert_problem(app.test_client().get(f"/raise-{status}"), status, code)
