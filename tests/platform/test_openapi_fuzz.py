"""Property-based fuzzing of every operation in the app's own OpenAPI document.

Schemathesis reads /api/v1/openapi.json from the app in-process and, for each
operation it finds, generates requests (valid ones and invalid ones) with
Hypothesis. No request may get a 5xx, and every response with a documented
status must match the documented body schema and media type. Undocumented
statuses (401, 404...) are allowed: `status_code_conformance` is left out.

Operations are never listed here: whatever the document describes is fuzzed,
so an endpoint added later is covered on its own.

Runs on SQLite only (the property is about the HTTP contract, not the engine),
with the demo data loaded and, when the token endpoint works, as the demo
tenant admin.
"""

from __future__ import annotations

import traceback

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)
from schemathesis.core.result import Err, Ok

OPENAPI_PATH = "/api/v1/openapi.json"
TOKEN_PATH = "/api/v1/auth/token"
DEMO_LOGIN = {
    "tenant": "tsemppi",
    "email": "admin@tsemppi.example",
    "password": "demo-salasana-2026",
}
# Our own sign-ins come from another address than the fuzzer's, so that fuzzing the
# token endpoint (many failed sign-ins from 127.0.0.1) cannot throttle them.
TOKEN_CLIENT_ADDR = "192.0.2.10"

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
SETTINGS = hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # reproducible in CI
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    print_blob=True,
)


@pytest.fixture
def backend() -> str:
    """Override of conftest's parametrised fixture: SQLite only."""
    return "sqlite"


def bearer_headers(app: Flask) -> dict[str, str] | None:
    """A fresh demo-admin token, or None while the token endpoint does not work."""
    resp = app.test_client().post(
        TOKEN_PATH, json=DEMO_LOGIN, environ_base={"REMOTE_ADDR": TOKEN_CLIENT_ADDR}
    )
    if resp.status_code != 200 or not isinstance(resp.json, dict):
        return None
    token = resp.json.get("access_token")
    return {"Authorization": f"Bearer {token}"} if token else None


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict) -> None:
    """Run the generated cases of one operation; raises on the first (shrunk) failure."""

    @SETTINGS
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers or None, checks=CHECKS)

    run()


def describe(exc: BaseException) -> str:
    """The failure with Hypothesis' falsifying example and Schemathesis' curl command."""
    if isinstance(exc, BaseExceptionGroup) and not isinstance(
        exc, schemathesis.core.failures.FailureGroup
    ):
        parts = [describe(inner) for inner in exc.exceptions]
        return "\n".join([f"{len(parts)} distinct failures:", *parts])
    text = "".join(traceback.format_exception_only(exc)).rstrip()
    notes = getattr(exc, "__notes__", None) or []
    return "\n".join([text, *(str(note) for note in notes if str(note) not in text)])


def test_every_api_operation_withstands_fuzzing(app: Flask) -> None:
    from tukiverkko.platform.demo import load_demo

    with app.app_context():
        load_demo()

    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)
    schema.validate()  # the document itself is valid OpenAPI
    assert str(schema.raw_schema["openapi"]).startswith("3.")

    results = list(schema.get_all_operations())
    broken = [describe(result.err()) for result in results if isinstance(result, Err)]
    assert not broken, "operations schemathesis cannot read:\n" + "\n\n".join(broken)
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    if not operations:
        return  # nothing to fuzz yet; the document loaded and is valid

    with_token = bearer_headers(app) is not None
    failures: list[str] = []
    for operation in operations:
        for mode in MODES:
            # A fresh token per run: a fuzzed logout must not leave the others signed out.
            headers = (bearer_headers(app) if with_token else None) or {}
            try:
                fuzz(operation, mode, headers)
            except hypothesis.errors.Unsatisfiable:
                continue  # e.g. no invalid request can be made for an operation without inputs
            except Exception as exc:
                failures.append(f"--- {operation.label} ({mode.value} data) ---\n{describe(exc)}")
    assert not failures, (
        f"{len(failures)} of {len(operations) * len(MODES)} fuzz runs failed "
        f"(authenticated: {with_token}):\n\n" + "\n\n".join(failures)
    )
