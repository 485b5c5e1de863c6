"""Isolation of pages, generated over every `/t/<slug>/…` GET route (like the API walker).

People of other organisations (every role, model-owner staff and the
operator included), each on their own organisation's pages, ask for every
page with organisation A's ids in the URL: they get 404 (or 403 where
their role may not open the page at all, whatever the id) and never a
byte of A's data. Public pages with A's ids under another partner's slug
are 404 too. Every page without ids shows nothing of A. New page routes
are covered without editing this file; a new kind of path id needs one
line in `tests.factories.objects_of`.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import UUIDConverter

from tests.factories import Org, make_org, objects_of, sign_in_web
from tests.platform.primitives.support import in_tenant
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import Participant, Volunteer
from tukiverkko.tenants.models import TenantKind


def _page_rules(app: Flask):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/t/<slug>/") and "GET" in rule.methods:
            yield rule


def _secrets(database: Database, a: Org, ids: dict) -> set[str]:  # type: ignore[type-arg]
    found = {str(v) for k, v in ids.items() if k not in ("model_id", "course_id")}
    found |= set(a.emails.values())
    with in_tenant(database, a) as db:
        found |= set(db.scalars(select(Volunteer.name)))
        found |= {p.contact_email for p in db.scalars(select(Participant))}
    return found


def _outsiders(app: Flask, database: Database) -> list[tuple[Org, Role, FlaskClient]]:
    b = make_org(database)
    owner = make_org(database, kind=TenantKind.MODEL_OWNER, roles=(Role.OWNER_STAFF,))
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(Role.OPERATOR,))
    people = [(b, r) for r in b.people] + [(owner, Role.OWNER_STAFF), (operator, Role.OPERATOR)]
    signed = []
    for org, role in people:
        client = app.test_client()
        assert sign_in_web(client, org, role).status_code == 302
        signed.append((org, role, client))
    return signed


def test_every_page_refuses_another_tenants_ids(app: Flask, database: Database) -> None:
    a = make_org(database)
    ids = objects_of(a, database)
    secrets = _secrets(database, a, ids)
    outsiders = _outsiders(app, database)
    other_partner = outsiders[0][0]
    anonymous = app.test_client()
    checked = 0
    for rule in _page_rules(app):
        params = [n for n, c in rule._converters.items() if isinstance(c, UUIDConverter)]
        if not params:
            continue
        missing = [p for p in params if p not in ids]
        assert not missing, f"{rule.rule}: add {missing} to tests.factories.objects_of"
        values: dict[str, object] = {p: ids[p] for p in params}
        for name, converter in rule._converters.items():
            if name not in values and name != "slug":
                # e.g. <any(volunteer, support):kind>: its first allowed value
                values[name] = next(iter(getattr(converter, "items", ["x"])), "x")
        if rule.rule.startswith("/t/<slug>/public/"):
            url = rule.build({**values, "slug": other_partner.slug}, append_unknown=False)[1]
            resp = anonymous.get(url)
            assert resp.status_code == 404, f"GET {url}: {resp.status_code}"
            checked += 1
            continue
        for org, role, client in outsiders:
            url = rule.build({**values, "slug": org.slug}, append_unknown=False)[1]
            resp = client.get(url, headers={"Accept": "text/html"})
            assert resp.status_code in (403, 404), f"GET {url} as {role}: {resp.status_code}"
            leaked = [s for s in secrets if s in resp.text]
            assert not leaked, f"GET {url} as {role} shows {leaked}"
            checked += 1
    assert checked >= 20


def test_pages_without_ids_show_nothing_of_another_tenant(app: Flask, database: Database) -> None:
    a = make_org(database)
    secrets = _secrets(database, a, objects_of(a, database)) | {a.slug}
    listed = 0
    for rule in _page_rules(app):
        if set(rule.arguments) != {"slug"}:
            continue
        for org, role, client in _outsiders(app, database)[:3]:
            url = rule.build({"slug": org.slug}, append_unknown=False)[1]
            resp = client.get(url)
            if resp.status_code != 200:
                continue
            leaked = [s for s in secrets if s in resp.text]
            assert not leaked, f"GET {url} as {role} shows {leaked}"
            listed += 1
    assert listed >= 10


def test_a_session_of_one_organisation_opens_no_page_of_another(
    app: Flask, database: Database
) -> None:
    a = make_org(database)
    ids = objects_of(a, database)
    b = make_org(database)
    client = app.test_client()
    sign_in_web(client, b, Role.COORDINATOR)
    for path in ("work/", "me/", f"work/volunteers/{ids['volunteer_id']}",
                 f"work/participants/{ids['participant_id']}"):  # fmt: skip
        resp = client.get(f"/t/{a.slug}/{path}")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
