"""Organisations through the API: the operator's work, and what others may see."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, Org, make_org, sent_links, token_for
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.tenants.models import TenantKind

NEW_ORG = {
    "slug": "kuopion-ensikoti",
    "name": "Kuopion Ensikotiyhdistys ry",
    "kind": "partner",
    "business_id": "0737546-2",
    "municipality": "Kuopio",
    "contact_name": "Kaisa Kontakti",
    "contact_email": "kaisa@ensikoti.example",
}


def _operator(client: FlaskClient, database: Database) -> dict[str, str]:
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(Role.OPERATOR,))
    return token_for(client, operator, Role.OPERATOR)


def test_operator_creates_activates_and_invites_the_first_admin(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    op = _operator(client, database)
    created = client.post("/api/v1/tenants", json=NEW_ORG, headers=op)
    assert created.status_code == 201, created.text
    assert created.json["status"] == "pending"
    tenant_id = created.json["id"]
    invited = client.post(
        f"/api/v1/tenants/{tenant_id}/admins",
        json={"email": "admin@ensikoti.example", "name": "Aada Admin"},
        headers=op,
    )
    assert invited.status_code == 201 and invited.json["role"] == "tenant_admin"
    activated = client.post(
        f"/api/v1/tenants/{tenant_id}/activate",
        json={"reason": "Sopimus allekirjoitettu"},
        headers=op,
    )
    assert activated.json["status"] == "active"
    (token,) = sent_links(app, "invitation")
    accept = client.post(
        "/api/v1/auth/invitations/accept",
        json={"tenant": "kuopion-ensikoti", "token": token, "password": PASSWORD},
    )
    assert accept.status_code == 204
    admin = Org(tenant_id, "kuopion-ensikoti", emails={Role.TENANT_ADMIN: "admin@ensikoti.example"})
    me = client.get("/api/v1/auth/me", headers=token_for(client, admin, Role.TENANT_ADMIN))
    assert me.json["email_verified"] is True


def test_business_id_and_slug_are_checked(client: FlaskClient, database: Database) -> None:
    op = _operator(client, database)
    bad = client.post("/api/v1/tenants", json={**NEW_ORG, "business_id": "0737546-3"}, headers=op)
    assert bad.status_code == 422 and bad.json["code"] == "invalid_business_id"
    assert "business_id" in bad.json["errors"]["json"]
    assert client.post("/api/v1/tenants", json=NEW_ORG, headers=op).status_code == 201
    same_slug = client.post(
        "/api/v1/tenants", json={**NEW_ORG, "business_id": "0116297-6"}, headers=op
    )
    assert same_slug.status_code == 409 and same_slug.json["code"] == "slug_taken"
    same_id = client.post("/api/v1/tenants", json={**NEW_ORG, "slug": "toinen"}, headers=op)
    assert same_id.status_code == 409 and same_id.json["code"] == "business_id_taken"
    bad_slug = client.post(
        "/api/v1/tenants", json={**NEW_ORG, "slug": "Ä ä", "business_id": None}, headers=op
    )
    assert bad_slug.status_code == 422 and bad_slug.json["code"] == "invalid_slug"


def test_status_is_not_an_input_field(client: FlaskClient, database: Database) -> None:
    op = _operator(client, database)
    resp = client.post("/api/v1/tenants", json={**NEW_ORG, "status": "active"}, headers=op)
    assert resp.status_code == 422
    assert "status" in resp.json["errors"]["json"]
    listed = client.get("/api/v1/tenants", headers=op).json["items"]
    assert "kuopion-ensikoti" not in {t["slug"] for t in listed}


def test_only_allowed_transitions(client: FlaskClient, database: Database) -> None:
    op = _operator(client, database)
    org = make_org(database)
    closed = client.post(
        f"/api/v1/tenants/{org.id}/close", json={"reason": "Lopetettu"}, headers=op
    )
    assert closed.json["status"] == "closed"
    again = client.post(f"/api/v1/tenants/{org.id}/activate", json={"reason": "x"}, headers=op)
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"


def test_partners_see_only_themselves_and_cannot_manage(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    listed = client.get("/api/v1/tenants", headers=admin).json["items"]
    assert [t["id"] for t in listed] == [str(org.id)]
    assert client.post("/api/v1/tenants", json=NEW_ORG, headers=admin).status_code == 403
    edit = client.patch(f"/api/v1/tenants/{org.id}", json={"municipality": "Raisio"}, headers=admin)
    assert edit.status_code == 200 and edit.json["municipality"] == "Raisio"
    volunteer = token_for(client, org, Role.VOLUNTEER)
    assert (
        client.patch(
            f"/api/v1/tenants/{org.id}", json={"name": "Oma nimi"}, headers=volunteer
        ).status_code
        == 403
    )


def test_the_tenant_list_pages_with_a_cursor(client: FlaskClient, database: Database) -> None:
    op = _operator(client, database)
    for _ in range(4):
        make_org(database, roles=())
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/tenants", query_string=query, headers=op).json
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5  # four partners and the operator's own
    bad = client.get("/api/v1/tenants", query_string={"cursor": "???"}, headers=op)
    assert bad.status_code == 422 and bad.json["code"] == "invalid_cursor"
