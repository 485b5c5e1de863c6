"""The API of data protection, as a tenant admin uses it; and the public privacy notice."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import token_for
from tests.platform.primitives.support import in_tenant, make_programme
from tests.platform.privacy.support import (
    EMAIL,
    NAME,
    end_volunteering,
    find,
    seed,
    texts_of_tenant_tables,
)
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import Volunteer
from tukiverkko.platform.privacy.rights import one_month_after


def _log(client: FlaskClient, headers: dict[str, str], subject_id: object, kind: str, days: int):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/privacy/requests",
        json={
            "kind": kind,
            "subject_type": "volunteer",
            "subject_id": str(subject_id),
            "received_on": (date.today() - timedelta(days=days)).isoformat(),
        },
        headers=headers,
    )


def test_the_request_log_lists_overdue_requests_first(
    client: FlaskClient, database: Database
) -> None:
    s = seed(database)
    headers = token_for(client, s.org, Role.TENANT_ADMIN)
    recent = _log(client, headers, s.volunteer_id, "access", 2)
    overdue = _log(client, headers, s.other_volunteer_id, "erasure", 40)
    middle = _log(client, headers, s.volunteer_id, "rectification", 20)
    assert recent.status_code == 201, recent.text
    received = date.today() - timedelta(days=40)
    assert overdue.json["due_on"] == one_month_after(received).isoformat()
    page = client.get("/api/v1/privacy/requests?limit=2", headers=headers).json
    assert [r["id"] for r in page["items"]] == [overdue.json["id"], middle.json["id"]]
    assert [r["overdue"] for r in page["items"]] == [True, False]
    rest = client.get(
        f"/api/v1/privacy/requests?limit=2&cursor={page['next_cursor']}", headers=headers
    ).json
    assert [r["id"] for r in rest["items"]] == [recent.json["id"]]
    assert rest["next_cursor"] is None
    # Coordinators and volunteers do not see the log.
    for role in (Role.COORDINATOR, Role.VOLUNTEER):
        denied = client.get("/api/v1/privacy/requests", headers=token_for(client, s.org, role))
        assert denied.status_code == 403
    # A request received in the future is refused, and nothing is written.
    future = _log(client, headers, s.volunteer_id, "access", -3)
    assert future.status_code == 422 and future.json["code"] == "received_in_future"
    assert len(client.get("/api/v1/privacy/requests", headers=headers).json["items"]) == 3


def test_access_rectification_and_erasure_through_the_api(
    client: FlaskClient, database: Database
) -> None:
    s = seed(database)
    headers = token_for(client, s.org, Role.TENANT_ADMIN)
    access = _log(client, headers, s.volunteer_id, "access", 0).json
    links = client.post(f"/api/v1/privacy/requests/{access['id']}/export", json={}, headers=headers)
    assert links.status_code == 201, links.text
    document = client.get(urlsplit(links.json["html_url"]).path)
    assert document.status_code == 200 and NAME in document.text
    data = client.get(urlsplit(links.json["json_url"]).path).get_json(force=True)
    assert data["data"]["volunteers"][0]["email"] == EMAIL
    # Answered once: the request is closed.
    twice = client.post(f"/api/v1/privacy/requests/{access['id']}/export", json={}, headers=headers)
    assert twice.status_code == 409 and twice.json["code"] == "request_closed"

    fix = _log(client, headers, s.volunteer_id, "rectification", 0).json
    bad = client.post(
        f"/api/v1/privacy/requests/{fix['id']}/rectify",
        json={"changes": {"status": "approved"}},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json["code"] == "unknown_fields"
    wrong_type = client.post(
        f"/api/v1/privacy/requests/{fix['id']}/rectify",
        json={"changes": {"languages": 5}},
        headers=headers,
    )
    assert wrong_type.status_code == 422 and wrong_type.json["code"] == "validation_failed"
    ok = client.post(
        f"/api/v1/privacy/requests/{fix['id']}/rectify",
        json={"changes": {"phone": "+358401111111"}, "note": "Numero vaihtui"},
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json["status"] == "completed"
    with in_tenant(database, s.org) as db:
        volunteer = db.get(Volunteer, s.volunteer_id)
        assert volunteer is not None and volunteer.phone == "+358401111111"

    erase = _log(client, headers, s.volunteer_id, "erasure", 0).json
    unconfirmed = client.post(
        f"/api/v1/privacy/requests/{erase['id']}/erase", json={"confirm": False}, headers=headers
    )
    assert unconfirmed.status_code == 422
    active = client.post(
        f"/api/v1/privacy/requests/{erase['id']}/erase", json={"confirm": True}, headers=headers
    )
    assert active.status_code == 409 and active.json["code"] == "subject_active"
    end_volunteering(database, s)
    done = client.post(
        f"/api/v1/privacy/requests/{erase['id']}/erase", json={"confirm": True}, headers=headers
    )
    assert done.status_code == 200, done.text
    assert done.json["subjects"] == 1 and done.json["files"] == 2
    assert find(texts_of_tenant_tables(database), [NAME, EMAIL, "+358401111111"]) == []
    gone = client.get(f"/api/v1/privacy/requests/{access['id']}/export", headers=headers)
    assert gone.status_code == 404
    # The log keeps the requests (kind, dates, status), pointing to an anonymous record.
    closed = client.get("/api/v1/privacy/requests?status=closed", headers=headers).json
    assert {r["kind"] for r in closed["items"]} == {"access", "rectification", "erasure"}


def test_settings_and_the_privacy_notice_in_three_languages(
    client: FlaskClient, database: Database
) -> None:
    s = seed(database)
    headers = token_for(client, s.org, Role.TENANT_ADMIN)
    defaults = client.get("/api/v1/privacy/settings", headers=headers).json
    assert defaults["retention_ended_volunteers_days"] == 730
    assert defaults["retention_sign_in_events_days"] == 365
    changed = client.put(
        "/api/v1/privacy/settings",
        json={
            "controller_name": "Turun Tukiyhdistys ry",
            "dpo_contact": "tietosuoja@tuki.example",
            "retention_closed_participants_days": 1095,
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    coordinator = token_for(client, s.org, Role.COORDINATOR)
    assert client.get("/api/v1/privacy/settings", headers=coordinator).status_code == 403

    fi = client.get(f"/api/v1/public/{s.org.slug}/privacy-notice?lang=fi").json
    sv = client.get(f"/api/v1/public/{s.org.slug}/privacy-notice?lang=sv").json
    en = client.get(f"/api/v1/public/{s.org.slug}/privacy-notice?lang=en").json
    assert (fi["title"], sv["title"], en["title"]) == (
        "Tietosuojaseloste",
        "Dataskyddsbeskrivning",
        "Privacy notice",
    )
    assert fi["controller"]["name"] == "Turun Tukiyhdistys ry"
    assert fi["data_protection_contact"] == "tietosuoja@tuki.example"
    assert {r["record"]: r["days"] for r in en["retention"]}["closed_participants"] == 1095
    # The module's own data (Mieskaverit: the volunteer's gender and birth year) is listed.
    module = [g for g in en["data"] if g["subject"] == "mentor_buddy"]
    assert module and any("birth year" in f for f in module[0]["fields"])
    one = client.get(
        f"/api/v1/public/{s.org.slug}/privacy-notice?lang=en&programme_id={s.programme_id}"
    ).json
    assert [p["id"] for p in one["programmes"]] == [str(s.programme_id)]

    page = client.get(f"/t/{s.org.slug}/privacy?lang=sv")
    assert page.status_code == 200
    assert "Dataskyddsbeskrivning" in page.text and "Turun Tukiyhdistys ry" in page.text
    programme_page = client.get(f"/t/{s.org.slug}/privacy/{s.programme_id}?lang=fi")
    assert programme_page.status_code == 200 and "Tietosuojaseloste" in programme_page.text
    # Nothing about a person is on the notice.
    assert NAME not in page.text and NAME not in str(fi)


def test_another_tenants_programme_has_no_notice_here(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    a, b = seed(database), seed(database)
    other_programme = make_programme(database, b.org, name="Toinen")
    url = f"/api/v1/public/{a.org.slug}/privacy-notice?programme_id={other_programme}"
    assert client.get(url).status_code == 404
    assert client.get(f"/t/{a.org.slug}/privacy/{other_programme}").status_code == 404
    assert client.get(f"/t/{a.org.slug}/privacy/not-an-id").status_code == 404
    assert client.get("/t/no-such-org/privacy").status_code == 404
    # A request of organisation A cannot be logged about B's volunteer.
    headers = token_for(client, a.org, Role.TENANT_ADMIN)
    resp = _log(client, headers, b.volunteer_id, "access", 0)
    assert resp.status_code == 422 and resp.json["code"] == "unknown_subject"


def test_every_privacy_route_answers_404_for_another_tenants_ids(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    """As tests/test_cross_tenant.py does for every route, here for this package's routes."""
    from werkzeug.routing import UUIDConverter

    from tests.factories import make_org, make_privacy_objects
    from tukiverkko.platform.identity.models import Role as R
    from tukiverkko.tenants.models import TenantKind

    a = make_org(database)
    ids = make_privacy_objects(database, a)
    b = make_org(database)
    owner = make_org(database, kind=TenantKind.MODEL_OWNER, roles=(R.OWNER_STAFF,))
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(R.OPERATOR,))
    outsiders = [(b, r) for r in b.people] + [(owner, R.OWNER_STAFF), (operator, R.OPERATOR)]
    tokens = [token_for(client, org, role) for org, role in outsiders]
    # Inside the organisation, the request log is its admins' only.
    insiders = [token_for(client, a, r) for r in (R.COORDINATOR, R.VOLUNTEER)]
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/privacy/"):
            continue
        params = [n for n, c in rule._converters.items() if isinstance(c, UUIDConverter)]
        if not params:
            continue
        url = rule.build({p: ids[p] for p in params}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for headers in tokens + insiders:
                resp = client.open(url, method=method, json={}, headers=headers)
                assert resp.status_code == 404, f"{method} {url}: {resp.status_code}"
                checked += 1
    assert checked >= 7 * 7
    # Lists show nothing of A to anyone else.
    for headers in tokens:
        for path in ("/api/v1/privacy/requests", "/api/v1/privacy/tenant-exports"):
            resp = client.get(path, headers=headers)
            assert resp.status_code in (200, 403)
            assert str(ids["privacy_request_id"]) not in resp.text
            assert str(ids["tenant_export_id"]) not in resp.text
