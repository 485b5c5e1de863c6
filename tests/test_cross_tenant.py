"""Isolation, generated over every route: another organisation's data stays invisible.

For each API route with ids in its path, and each method, people of other
organisations (every role, model-owner staff included) get 404 for the ids
of organisation A: not 403, so not even existence is disclosed. Every list
they can read shows nothing of A. New routes are covered without editing
this file; a new kind of path id needs one line in `tests.factories.objects_of`.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import UUIDConverter

from tests.factories import PUBLIC_IDS, Org, make_org, objects_of, sign_in_web, token_for
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.tenants.models import TenantKind

# (path parameter, role) pairs that may see other organisations by design.
PLATFORM_WIDE = {("tenant_id", Role.OPERATOR)} | {
    # The operator sees the federation's licensing rows (not the orientation folder).
    (name, Role.OPERATOR)
    for name in ("model_id", "licence_id", "course_id", "enrolment_id")
}
# Lists the operator reads across organisations by design.
OPERATOR_LISTS = {"/api/v1/tenants", "/api/v1/licences"}


def _outsiders(client: FlaskClient, database: Database) -> list[tuple[Role, dict[str, str]]]:
    b = make_org(database)
    owner = make_org(database, kind=TenantKind.MODEL_OWNER, roles=(Role.OWNER_STAFF,))
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(Role.OPERATOR,))
    people: list[tuple[Org, Role]] = [(b, r) for r in b.people] + [
        (owner, Role.OWNER_STAFF),
        (operator, Role.OPERATOR),
    ]
    return [(role, token_for(client, org, role)) for org, role in people]


def _api_rules(app: Flask):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.startswith("/api/v1/docs"):
            yield rule


def test_every_route_answers_404_for_another_tenants_ids(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    a = make_org(database)
    ids = objects_of(a, database)
    outsiders = _outsiders(client, database)
    # Public routes name their tenant by slug: A's ids under another tenant's slug.
    other_slug = make_org(database).slug
    checked = 0
    for rule in _api_rules(app):
        params = [n for n, c in rule._converters.items() if isinstance(c, UUIDConverter)]
        if not params:
            continue
        missing = [p for p in params if p not in ids]
        assert not missing, f"{rule.rule}: add {missing} to tests.factories.objects_of"
        values: dict[str, object] = {p: ids[p] for p in params}
        if "slug" in rule.arguments:
            values["slug"] = other_slug
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role, headers in outsiders:
                if any((p, role) in PLATFORM_WIDE for p in params):
                    continue
                resp = client.open(url, method=method, json={}, headers=headers)
                assert resp.status_code == 404, f"{method} {url} as {role}: {resp.status_code}"
                assert resp.json["code"] == "not_found"
                checked += 1
    assert checked >= 20


def test_every_list_shows_nothing_of_another_tenant(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    a = make_org(database)
    objects = objects_of(a, database)
    secrets = {str(v) for k, v in objects.items() if k not in PUBLIC_IDS}
    secrets |= set(a.emails.values()) | {a.slug}
    listed = 0
    for rule in _api_rules(app):
        if rule.arguments or "GET" not in rule.methods or rule.rule.endswith("openapi.json"):
            continue
        for role, headers in _outsiders(client, database):
            resp = client.get(rule.rule, headers=headers)
            if resp.status_code != 200:
                continue
            leaked = [s for s in secrets if s in resp.text]
            allowed = role == Role.OPERATOR and rule.rule in OPERATOR_LISTS
            assert allowed or not leaked, f"GET {rule.rule} as {role} shows {leaked}"
            listed += 1
    assert listed >= 5


def test_pages_of_one_tenant_do_not_open_with_another_tenants_session(
    client: FlaskClient, database: Database
) -> None:
    a, b = make_org(database), make_org(database)
    sign_in_web(client, b, Role.COORDINATOR)
    own = client.get(f"/t/{b.slug}/")
    assert own.status_code == 200 and f"coordinator {b.slug}" in own.text
    other = client.get(f"/t/{a.slug}/")
    assert other.status_code == 302
    assert other.headers["Location"].endswith(f"/t/{a.slug}/login")
