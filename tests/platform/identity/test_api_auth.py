"""Signing in through the API: tokens, refresh, revocation, throttling, links."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_org, sent_links, token_for
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role, TokenPurpose
from tukiverkko.platform.identity.service import consume_link_token, issue_link_token, sign_in
from tukiverkko.tenants.models import Tenant, TenantKind


def _token(client: FlaskClient, slug: str, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/token", json={"tenant": slug, "email": email, "password": password}
    )


def _stable(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("request_id",)}


def test_sign_in_and_me(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    headers = token_for(client, org, Role.COORDINATOR)
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json["email"] == org.emails[Role.COORDINATOR]
    assert me.json["role"] == "coordinator"
    assert me.json["tenant"] == org.slug


def test_failures_never_say_whether_the_account_exists(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    wrong_password = _token(client, org.slug, org.emails[Role.VOLUNTEER], "vaara-salasana-1")
    no_account = _token(client, org.slug, "ei-ole@example.fi", "vaara-salasana-1")
    no_tenant = _token(client, "no-such-org", "ei-ole@example.fi", "vaara-salasana-1")
    assert wrong_password.status_code == no_account.status_code == no_tenant.status_code == 401
    assert _stable(wrong_password.json) == _stable(no_account.json) == _stable(no_tenant.json)
    assert wrong_password.json["code"] == "invalid_credentials"


def test_ten_wrong_passwords_slow_down_but_never_lock_out_for_good(database: Database) -> None:
    org = make_org(database)
    email = org.emails[Role.VOLUNTEER]
    t0 = utcnow()
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        tenant = db.get(Tenant, org.id)
        assert tenant is not None
        for _ in range(10):
            sign_in(db, tenant=tenant, email=email, password="wrong", ip="10.0.0.9", now=t0)
        blocked = sign_in(db, tenant=tenant, email=email, password=PASSWORD, ip="10.0.0.9", now=t0)
        assert blocked.user is None and blocked.retry_after > 0
        # The wait is bounded: a quarter of an hour later the right password works.
        later = t0 + timedelta(minutes=16)
        ok = sign_in(db, tenant=tenant, email=email, password=PASSWORD, ip="10.0.0.9", now=later)
        assert ok.user is not None


def test_throttling_shows_as_429_with_retry_after(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    statuses = [
        _token(client, org.slug, org.emails[Role.VOLUNTEER], f"wrong-{i}").status_code
        for i in range(10)
    ]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses
    resp = _token(client, org.slug, org.emails[Role.VOLUNTEER], PASSWORD)
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    # the same throttling applies to an address that does not exist: no difference to see
    ghost = [_token(client, org.slug, "ghost@example.fi", f"x-{i}").status_code for i in range(10)]
    assert ghost == statuses


def test_refresh_rotates_and_reuse_revokes(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    first = _token(client, org.slug, org.emails[Role.VOLUNTEER], PASSWORD).json
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    headers = {"Authorization": f"Bearer {second.json['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    # The old refresh token is dead, and presenting it does not revive anything.
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401
    assert again.json["code"] == "invalid_refresh_token"
    garbage = client.post("/api/v1/auth/refresh", json={"refresh_token": "not-a-token"})
    assert garbage.status_code == 401


def test_logout_revokes_access_and_refresh_at_once(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    tokens = _token(client, org.slug, org.emails[Role.VOLUNTEER], PASSWORD).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401


def test_password_change_signs_out_every_session(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    email = org.emails[Role.VOLUNTEER]
    phone = token_for(client, org, Role.VOLUNTEER)
    laptop = token_for(client, org, Role.VOLUNTEER)
    wrong = client.post(
        "/api/v1/auth/password",
        json={"current_password": "nope-nope-nope", "new_password": "uusi-salasana-123"},
        headers=laptop,
    )
    assert wrong.status_code == 422
    assert client.get("/api/v1/auth/me", headers=phone).status_code == 200
    ok = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "uusi-salasana-123"},
        headers=laptop,
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/auth/me", headers=phone).status_code == 401
    assert client.get("/api/v1/auth/me", headers=laptop).status_code == 401
    assert _token(client, org.slug, email, PASSWORD).status_code == 401
    assert _token(client, org.slug, email, "uusi-salasana-123").status_code == 200


def test_suspending_a_tenant_revokes_its_tokens_at_once_and_keeps_data(
    client: FlaskClient, database: Database
) -> None:
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(Role.OPERATOR,))
    org = make_org(database)
    op_headers = token_for(client, operator, Role.OPERATOR)
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert client.get("/api/v1/users", headers=coordinator).status_code == 200
    resp = client.post(
        f"/api/v1/tenants/{org.id}/suspend",
        json={"reason": "Laskut maksamatta"},
        headers=op_headers,
    )
    assert resp.status_code == 200
    assert resp.json["status"] == "suspended"
    # the very next request with the old token is refused
    assert client.get("/api/v1/users", headers=coordinator).status_code == 401
    assert _token(client, org.slug, org.emails[Role.COORDINATOR], PASSWORD).status_code == 401
    # reinstated: everyone and everything is still there
    client.post(
        f"/api/v1/tenants/{org.id}/activate", json={"reason": "Maksettu"}, headers=op_headers
    )
    admin = token_for(client, org, Role.TENANT_ADMIN)
    listed = client.get("/api/v1/users", headers=admin).json["items"]
    assert {u["email"] for u in listed} == set(org.emails.values())


def test_password_reset_by_single_use_link(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    email = org.emails[Role.VOLUNTEER]
    for address in (email, "nobody@example.fi"):
        resp = client.post(
            "/api/v1/auth/password-reset", json={"tenant": org.slug, "email": address}
        )
        assert resp.status_code == 202
    links = sent_links(app, "password-reset")
    assert len(links) == 1  # only the real account got an email
    body = {"tenant": org.slug, "token": links[0], "password": "aivan-uusi-salasana"}
    assert client.post("/api/v1/auth/password-reset/confirm", json=body).status_code == 204
    again = client.post("/api/v1/auth/password-reset/confirm", json=body)
    assert again.status_code == 400 and again.json["code"] == "invalid_link"
    assert _token(client, org.slug, email, "aivan-uusi-salasana").status_code == 200


def test_link_tokens_expire(database: Database) -> None:
    org = make_org(database)
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        from tukiverkko.platform.identity.models import User

        user = db.get(User, org.people[Role.VOLUNTEER])
        assert user is not None
        raw = issue_link_token(db, user, TokenPurpose.PASSWORD_RESET)
        late = utcnow() + timedelta(hours=2)
        assert consume_link_token(db, raw, TokenPurpose.PASSWORD_RESET, now=late) is None
        assert consume_link_token(db, raw, TokenPurpose.INVITATION) is None
        assert consume_link_token(db, raw, TokenPurpose.PASSWORD_RESET) is not None


def test_coordinator_invites_a_volunteer_who_sets_a_password(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    resp = client.post(
        "/api/v1/users/invitations",
        json={"email": "Uusi.Vapaaehtoinen@Example.fi", "name": "Uusi Vapaaehtoinen"},
        headers=coordinator,
    )
    assert resp.status_code == 201, resp.text
    assert resp.json["status"] == "invited" and resp.json["role"] == "volunteer"
    assert resp.json["email"] == "uusi.vapaaehtoinen@example.fi"
    duplicate = client.post(
        "/api/v1/users/invitations",
        json={"email": "uusi.vapaaehtoinen@example.fi", "name": "X"},
        headers=coordinator,
    )
    assert duplicate.status_code == 409 and duplicate.json["code"] == "email_taken"
    staff = client.post(
        "/api/v1/users/invitations",
        json={"email": "k2@example.fi", "name": "K", "role": "coordinator"},
        headers=coordinator,
    )
    assert staff.status_code == 403
    (token,) = sent_links(app, "invitation")
    accepted = client.post(
        "/api/v1/auth/invitations/accept",
        json={"tenant": org.slug, "token": token, "password": "oma-hyva-salasana"},
    )
    assert accepted.status_code == 204
    signed_in = _token(client, org.slug, "uusi.vapaaehtoinen@example.fi", "oma-hyva-salasana")
    assert signed_in.status_code == 200


def test_same_email_in_two_organisations_is_two_accounts(
    client: FlaskClient, database: Database
) -> None:
    a, b = make_org(database), make_org(database)
    for org in (a, b):
        client.post(
            "/api/v1/users/invitations",
            json={"email": "sama@example.fi", "name": "Sama Ihminen"},
            headers=token_for(client, org, Role.COORDINATOR),
        )
    ids = []
    for org in (a, b):
        listed = client.get("/api/v1/users", headers=token_for(client, org, Role.TENANT_ADMIN))
        ids += [u["id"] for u in listed.json["items"] if u["email"] == "sama@example.fi"]
    assert len(set(ids)) == 2


def test_a_role_changed_behind_a_token_is_not_trusted(
    client: FlaskClient, database: Database
) -> None:
    """The token says who its holder was; each request checks it against the database."""
    from sqlalchemy import update

    from tukiverkko.platform.identity.models import User

    org = make_org(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    assert client.get("/api/v1/volunteers", headers=coordinator).status_code == 200
    # Demoted without the sessions being ended (the role endpoint ends them too).
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        db.execute(
            update(User).where(User.id == org.people[Role.COORDINATOR]).values(role=Role.VOLUNTEER)
        )
    old = client.get("/api/v1/volunteers", headers=coordinator)
    assert old.status_code == 401 and old.json["code"] == "session_outdated"
    assert "Bearer" in old.headers["WWW-Authenticate"]
    again = token_for(client, org, Role.COORDINATOR)  # same email: now a volunteer
    assert client.get("/api/v1/auth/me", headers=again).json["role"] == "volunteer"


def test_a_changed_language_and_name_apply_to_the_token_in_hand(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    me = org.people[Role.VOLUNTEER]
    headers = token_for(client, org, Role.VOLUNTEER)
    edited = client.patch(
        f"/api/v1/users/{me}", json={"language": "sv", "name": "Ny Namn"}, headers=headers
    )
    assert edited.status_code == 200
    after = client.get("/api/v1/auth/me", headers=headers)
    assert after.status_code == 200
    assert (after.json["language"], after.json["name"]) == ("sv", "Ny Namn")


def test_tokens_without_identity_claims_still_work(client: FlaskClient, database: Database) -> None:
    """Tokens of the previous release (no role in them) are checked the old way."""
    from flask import current_app

    from tukiverkko.platform.identity.tokens import (
        AccessClaims,
        decode_access_token,
        issue_access_token,
    )

    org = make_org(database)
    raw = token_for(client, org, Role.COORDINATOR)["Authorization"][7:]
    with client.application.app_context():
        secret = current_app.config["TUKIVERKKO_SETTINGS"].secret_key
    claims = decode_access_token(secret, raw)
    assert claims is not None and claims.identity is not None
    assert claims.identity["role"] == "coordinator"
    # No name or email in a token that travels in every request.
    import base64
    import json

    payload = raw.split(".")[1]
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert org.emails[Role.COORDINATOR] not in json.dumps(body)
    assert "email" not in body and "name" not in body
    bare = AccessClaims(claims.user_id, claims.tenant_id, claims.session_id)
    old = {"Authorization": f"Bearer {issue_access_token(secret, bare, 600)}"}
    assert client.get("/api/v1/volunteers", headers=old).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=old).status_code == 204
    assert client.get("/api/v1/volunteers", headers=old).status_code == 401


def test_a_request_that_reads_nothing_still_checks_the_session(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    from tukiverkko.platform.auth import require_principal

    @app.get("/api/v1/test-whoami")
    def whoami() -> dict[str, str]:
        return {"role": require_principal().role.value}  # no database access at all

    org = make_org(database)
    tokens = _token(client, org.slug, org.emails[Role.COORDINATOR], PASSWORD).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/test-whoami", headers=headers).json == {"role": "coordinator"}
    other = token_for(client, org, Role.COORDINATOR)  # a second session, to sign out with
    assert other != headers
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    refused = client.get("/api/v1/test-whoami", headers=headers)
    assert refused.status_code == 401 and refused.json["code"] == "session_outdated"
    assert client.get("/api/v1/test-whoami", headers=other).status_code == 200
