"""People of one's organisation: roles, disabling, edits, and the audit trail."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_org, sent_links, token_for
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role


def test_admin_changes_a_role_and_it_is_audited(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    volunteer_id = org.people[Role.VOLUNTEER]
    volunteer = token_for(client, org, Role.VOLUNTEER)
    resp = client.post(
        f"/api/v1/users/{volunteer_id}/role", json={"role": "coordinator"}, headers=admin
    )
    assert resp.status_code == 200 and resp.json["role"] == "coordinator"
    # the new role takes effect at the next sign-in: old sessions end
    assert client.get("/api/v1/auth/me", headers=volunteer).status_code == 401
    events = client.get(
        "/api/v1/audit-events", query_string={"action": "role_changed"}, headers=admin
    ).json["items"]
    assert events[0]["target_id"] == str(volunteer_id)
    assert events[0]["details"] == {"old": "volunteer", "new": "coordinator"}


def test_roles_must_fit_the_organisation_and_the_granter(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    coordinator = token_for(client, org, Role.COORDINATOR)
    target = org.people[Role.VOLUNTEER]
    as_operator = client.post(
        f"/api/v1/users/{target}/role", json={"role": "operator"}, headers=admin
    )
    assert as_operator.status_code == 403 and as_operator.json["code"] == "role_not_grantable"
    by_coordinator = client.post(
        f"/api/v1/users/{target}/role", json={"role": "coordinator"}, headers=coordinator
    )
    assert by_coordinator.status_code == 403


def test_the_last_admin_stays(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    me = org.people[Role.TENANT_ADMIN]
    resp = client.post(f"/api/v1/users/{me}/role", json={"role": "coordinator"}, headers=admin)
    assert resp.status_code == 409 and resp.json["code"] == "last_admin"


def test_disabling_signs_out_and_blocks_sign_in_without_deleting(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    target = org.people[Role.VOLUNTEER]
    assert (
        client.post(f"/api/v1/users/{target}/disable", headers=admin).json["status"] == "disabled"
    )
    assert client.get("/api/v1/auth/me", headers=volunteer).status_code == 401
    login = {"tenant": org.slug, "email": org.emails[Role.VOLUNTEER], "password": PASSWORD}
    assert client.post("/api/v1/auth/token", json=login).status_code == 401
    assert client.get(f"/api/v1/users/{target}", headers=admin).json["status"] == "disabled"
    assert client.post(f"/api/v1/users/{target}/enable", headers=admin).json["status"] == "active"
    assert client.post("/api/v1/auth/token", json=login).status_code == 200


def test_people_edit_themselves_but_not_their_role(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    me = org.people[Role.VOLUNTEER]
    ok = client.patch(f"/api/v1/users/{me}", json={"language": "sv"}, headers=volunteer)
    assert ok.status_code == 200 and ok.json["language"] == "sv"
    sneaky = client.patch(
        f"/api/v1/users/{me}", json={"role": "tenant_admin", "name": "X"}, headers=volunteer
    )
    assert sneaky.status_code == 422 and "role" in sneaky.json["errors"]["json"]
    other = org.people[Role.COORDINATOR]
    assert (
        client.patch(f"/api/v1/users/{other}", json={"name": "X"}, headers=volunteer).status_code
        == 403
    )
    assert client.get("/api/v1/users", headers=volunteer).status_code == 403
    assert client.get(f"/api/v1/users/{me}", headers=volunteer).json["role"] == "volunteer"


def test_tenant_is_not_an_input_field(client: FlaskClient, database: Database) -> None:
    a, b = make_org(database), make_org(database)
    resp = client.post(
        "/api/v1/users/invitations",
        json={"email": "x@example.fi", "name": "X", "tenant_id": str(b.id)},
        headers=token_for(client, a, Role.COORDINATOR),
    )
    assert resp.status_code == 422 and "tenant_id" in resp.json["errors"]["json"]


def test_audit_log_records_sign_ins_failures_and_denials(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    client.post(
        "/api/v1/auth/token",
        json={"tenant": org.slug, "email": org.emails[Role.VOLUNTEER], "password": "wrong-one"},
    )
    volunteer = token_for(client, org, Role.VOLUNTEER)
    client.get("/api/v1/audit-events", headers=volunteer)  # denied
    admin = token_for(client, org, Role.TENANT_ADMIN)
    events = client.get("/api/v1/audit-events", headers=admin).json["items"]
    actions = [e["action"] for e in events]
    assert {"sign_in", "sign_in_failed", "permission_denied"} <= set(actions)
    denial = next(e for e in events if e["action"] == "permission_denied")
    assert denial["actor_id"] == str(org.people[Role.VOLUNTEER])
    assert denial["details"]["permission"] == "audit.read"
    assert all(e["ip"] == "127.0.0.1" for e in events)
    other = make_org(database)
    theirs = client.get("/api/v1/audit-events", headers=token_for(client, other, Role.TENANT_ADMIN))
    assert not {e["id"] for e in theirs.json["items"]} & {e["id"] for e in events}


def test_email_verification_by_link(app: Flask, client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    headers = token_for(client, org, Role.VOLUNTEER)
    assert client.get("/api/v1/auth/me", headers=headers).json["email_verified"] is False
    assert client.post("/api/v1/auth/email-verification", headers=headers).status_code == 202
    (token,) = sent_links(app, "verify-email")
    page = client.get(f"/t/{org.slug}/verify-email/{token}")
    assert page.status_code == 200 and "vahvistettu" in page.text
    assert client.get(f"/t/{org.slug}/verify-email/{token}").status_code == 400
    assert client.get("/api/v1/auth/me", headers=headers).json["email_verified"] is True
