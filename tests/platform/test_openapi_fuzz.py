"""Property-based fuzzing of every operation in the app's own OpenAPI document.

Schemathesis reads /api/v1/openapi.json from the app in-process and, for each
operation it finds, generates requests (valid ones and invalid ones) with
Hypothesis. No request may get a 5xx, and every response with a documented
status must match the documented body schema and media type. Undocumented
statuses (401, 404...) are allowed: `status_code_conformance` is left out.

Operations are never listed here: whatever the document describes is fuzzed,
so an endpoint added later is covered on its own.

Runs on SQLite only (the property is about the HTTP contract, not the engine),
with the demo data loaded, signed in as a partner's admin and as the platform
operator in turn. Each operation starts from the same demo data (the database is
restored from a snapshot), so a fuzzed "disable user" or "logout" cannot
blind the operations after it. Path parameters are drawn half of the time
from ids the API itself lists (every GET without path parameters is read
first), so that operations on one object reach more than their 404.
"""

from __future__ import annotations

import functools
import sqlite3
import traceback
from collections.abc import Iterator
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok

OPENAPI_PATH = "/api/v1/openapi.json"
TOKEN_PATH = "/api/v1/auth/token"
# Fuzzed as a partner's admin and as the platform operator, whose operations
# (creating and suspending organisations) a partner cannot reach.
DEMO_LOGINS = [
    {"tenant": "tsemppi", "email": "admin@tsemppi.example", "password": "demo-salasana-2026"},
    {
        "tenant": "tukiverkko",
        "email": "operaattori@tukiverkko.example",
        "password": "demo-salasana-2026",
    },
]
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
)


@pytest.fixture
def backend() -> str:
    """Override of conftest's parametrised fixture: SQLite only."""
    return "sqlite"


def bearer_headers(app: Flask, login: dict[str, str]) -> dict[str, str] | None:
    """A fresh token for a demo login, or None while the token endpoint does not work."""
    resp = app.test_client().post(
        TOKEN_PATH, json=login, environ_base={"REMOTE_ADDR": TOKEN_CLIENT_ADDR}
    )
    if resp.status_code != 200 or not isinstance(resp.json, dict):
        return None
    token = resp.json.get("access_token")
    return {"Authorization": f"Bearer {token}"} if token else None


def _ids_in(document: Any) -> Iterator[str]:
    """Values of `id` and `..._id` fields anywhere in a JSON document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if (key == "id" or key.endswith("_id")) and isinstance(value, str | int):
                yield str(value)
            else:
                yield from _ids_in(value)
    elif isinstance(document, list):
        for item in document:
            yield from _ids_in(item)


def known_ids(app: Flask, operations: list[schemathesis.APIOperation], headers: dict) -> list[str]:
    """Ids the API hands out: read every GET operation that needs no path parameter."""
    client = app.test_client()
    found: set[str] = set()
    for operation in operations:
        if operation.method.upper() == "GET" and not len(operation.path_parameters):
            resp = client.get(operation.path, headers=headers)
            if resp.is_json:
                found.update(_ids_in(resp.get_json(silent=True)))
    return sorted(found - {""})


def cases(
    operation: schemathesis.APIOperation, mode: GenerationMode, ids: list[str]
) -> st.SearchStrategy[schemathesis.Case]:
    """Generated cases; with path parameters, half of them on objects that exist."""
    generated = operation.as_strategy(generation_mode=mode)
    names = [parameter.name for parameter in operation.path_parameters]
    if not names or not ids:
        return generated

    @functools.cache
    def on(values: tuple[str, ...]) -> st.SearchStrategy[schemathesis.Case]:
        return operation.as_strategy(
            generation_mode=mode, path_parameters=dict(zip(names, values, strict=True))
        )

    existing = st.tuples(*(st.sampled_from(ids) for _ in names)).flatmap(on)
    return st.one_of(generated, existing)


def fuzz(strategy: st.SearchStrategy[schemathesis.Case], headers: dict) -> None:
    """Run the generated cases; raises on the first failure, shrunk."""

    @SETTINGS
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers or None, checks=CHECKS)

    run()


class Snapshot:
    """The SQLite database as it is now, to go back to between operations."""

    def __init__(self, app: Flask) -> None:
        url = app.config["TUKIVERKKO_SETTINGS"].database_url
        assert url.startswith("sqlite:///"), url
        self.app = app
        self.path = url.removeprefix("sqlite:///")
        self.copy = sqlite3.connect(":memory:")
        source = sqlite3.connect(self.path)
        try:
            source.backup(self.copy)
        finally:
            source.close()

    def restore(self) -> None:
        self.app.extensions["tukiverkko.db"].dispose()  # no pooled connection sees the swap
        target = sqlite3.connect(self.path)
        try:
            self.copy.backup(target)
        finally:
            target.close()

    def close(self) -> None:
        self.copy.close()


def describe(exc: BaseException) -> str:
    """A failure as a person needs it: what broke, and the curl command that reproduces it."""
    if isinstance(exc, FailureGroup):  # check failures: the report has the response and curl
        return "".join(traceback.format_exception_only(exc)).rstrip()
    if isinstance(exc, BaseExceptionGroup):  # Hypothesis found several distinct failures
        parts = [describe(inner) for inner in exc.exceptions]
        return "\n".join([f"{len(parts)} distinct failures:", *parts])
    # Anything else (an exception out of the app or the client): the whole traceback and notes.
    return "".join(traceback.format_exception(exc)).rstrip()


# Operations are dealt round-robin into shards (by their sorted labels) so that
# pytest-xdist spreads the fuzzing over the cores; each shard is its own test.
SHARDS = 6


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login["tenant"])
@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_api_operation_withstands_fuzzing(
    app: Flask, shard: int, login: dict[str, str]
) -> None:
    from tukiverkko.platform.demo import load_demo

    with app.app_context():
        load_demo()

    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)
    schema.validate()  # the document itself is valid OpenAPI
    assert str(schema.raw_schema["openapi"]).startswith("3.")

    results = list(schema.get_all_operations())
    broken = [describe(result.err()) for result in results if isinstance(result, Err)]
    assert not broken, "operations schemathesis cannot read:\n" + "\n\n".join(broken)
    every_operation = [result.ok() for result in results if isinstance(result, Ok)]
    ordered = sorted(every_operation, key=lambda operation: operation.label)
    operations = ordered[shard::SHARDS]
    if not operations:
        return  # nothing to fuzz in this shard; the document loaded and is valid

    snapshot = Snapshot(app)
    failures: list[str] = []
    runs = 0
    try:
        first_headers = bearer_headers(app, login)
        assert first_headers is not None, f"demo sign-in failed for {login['email']}"
        ids = known_ids(app, every_operation, first_headers)
        for operation in operations:
            for mode in MODES:
                snapshot.restore()
                # A fresh token per run: a fuzzed logout must not sign the others out.
                headers = bearer_headers(app, login)
                assert headers, f"demo sign-in broke ({operation.label})"
                runs += 1
                try:
                    fuzz(cases(operation, mode, ids), headers)
                except Unsatisfiable:
                    if mode is GenerationMode.NEGATIVE:
                        continue  # no invalid request exists for an operation without inputs
                    failures.append(f"--- {operation.label}: no valid request can be made ---")
                except (Exception, BaseExceptionGroup) as exc:  # FailureGroup: no Exception
                    label = f"{operation.label} ({mode.value} data, as {login['email']})"
                    failures.append(f"--- {label} ---\n{describe(exc)}")
    finally:
        snapshot.close()
    assert not failures, f"{len(failures)} of {runs} fuzz runs failed:\n\n" + "\n\n".join(failures)
