"""Single sign-on, end to end, against a real OpenID Connect provider on loopback.

The provider is `oidc-provider-mock` (an Authlib-based provider) serving
discovery, JWKS, authorize and token endpoints over HTTP in a thread. Our
side is driven with Flask's test client; the provider's side with `requests`,
following each redirect by hand:

    our /sso/login --302--> provider /oauth2/authorize (GET shows a form;
    POST sub=<subject> picks the person) --302--> our /sso/callback?code&state

The provider's claims for a subject are set with `PUT /users/<sub>`; its
token endpoint is really called by our server, and the ID token really
verified against the provider's JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from oidc_provider_mock import run_server_in_thread
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.factories import Org, make_org, token_for
from tukiverkko.platform import context
from tukiverkko.platform.audit import AuditEvent
from tukiverkko.platform.db import Database
from tukiverkko.platform.encryption import Keyring, new_key
from tukiverkko.platform.identity import sso
from tukiverkko.platform.identity.models import Role, SsoProvider, TokenPurpose, User, UserStatus
from tukiverkko.platform.identity.service import (
    consume_link_token,
    create_user,
    issue_link_token,
)

SECRET = "tosi-salainen-asiakassalaisuus"


@dataclass(frozen=True)
class Idp:
    """The running provider and how to steer it."""

    url: str

    def set_user(self, sub: str, **claims: Any) -> None:
        """What the provider asserts about `sub` from now on."""
        resp = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert resp.status_code == 204, resp.text

    def authorize(self, authorization_url: str, sub: str | None, *, deny: bool = False) -> str:
        """Act as the person at the provider: pick `sub` (or deny); returns our callback URL."""
        assert authorization_url.startswith(self.url + "/")
        form = requests.get(authorization_url, timeout=10)
        assert form.status_code == 200, form.text
        data = {"action": "deny"} if deny else {"sub": sub}
        resp = requests.post(authorization_url, data=data, allow_redirects=False, timeout=10)
        assert resp.status_code == 302, resp.text
        return resp.headers["Location"]


@pytest.fixture(scope="module")
def idp() -> Iterator[Idp]:
    with run_server_in_thread() as server:
        yield Idp(f"http://localhost:{server.server_port}")
    sso.clear_caches()


def english(client: FlaskClient) -> FlaskClient:
    """A client reading pages in English, so that assertions can quote the source strings."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def browser(client: FlaskClient) -> FlaskClient:
    return english(client)


# ---------------------------------------------------------------------------
# Helpers


def configure(
    client: FlaskClient,
    org: Org,
    idp: Idp,
    *,
    allow_unknown_users: bool = False,
    enabled: bool = True,
    client_id: str = "tukiverkko",
) -> None:
    resp = client.put(
        "/api/v1/sso/provider",
        json={
            "issuer": idp.url,
            "client_id": client_id,
            "client_secret": SECRET,
            "enabled": enabled,
            "allow_unknown_users": allow_unknown_users,
        },
        headers=token_for(client, org, Role.TENANT_ADMIN),
    )
    assert resp.status_code == 200, resp.text


def invite(database: Database, org: Org, email: str, name: str) -> tuple[uuid.UUID, str]:
    """An invited (not yet active) volunteer and the token of their invitation link."""
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        user = create_user(db, tenant_id=org.id, email=email, name=name, role=Role.VOLUNTEER)
        token = issue_link_token(db, user, TokenPurpose.INVITATION)
        return user.id, token


def user_of(database: Database, org: Org, user_id: uuid.UUID) -> User:
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def users_with_subject(database: Database, org: Org, sub: str) -> list[User]:
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        return list(db.scalars(select(User).where(User.sso_subject == sub)))


def audit_of(database: Database, org: Org, action: str) -> list[dict[str, Any]]:
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [{"actor_id": e.actor_id, **e.details} for e in events]


def sso_sign_ins(database: Database, org: Org) -> list[dict[str, Any]]:
    """Successful SSO sign-ins (the admin's password sign-ins are audited too)."""
    return [e for e in audit_of(database, org, "sign_in") if e["method"] == "sso"]


def start(client: FlaskClient, org: Org) -> str:
    resp = client.get(f"/t/{org.slug}/sso/login")
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def callback(client: FlaskClient, url: str, path: str | None = None) -> TestResponse:
    """Follow the provider's redirect back to us (optionally to another `path`)."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost" and parts.path.endswith("/sso/callback"), url
    return client.get(f"{path or parts.path}?{parts.query}")


def sso_sign_in(client: FlaskClient, idp: Idp, org: Org, sub: str) -> TestResponse:
    return callback(client, idp.authorize(start(client, org), sub))


def signed_in_as(client: FlaskClient, org: Org) -> str | None:
    """The name on the start page, or None when it sends us to the login page."""
    page = client.get(f"/t/{org.slug}/")
    if page.status_code == 302:
        return None
    assert page.status_code == 200
    return page.text


def new_sub() -> str:
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------
# The flow


def test_login_redirects_with_pkce_state_nonce_and_scope(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(browser, org, idp)
    assert f"/t/{org.slug}/sso/login" in browser.get(f"/t/{org.slug}/login").text
    location = start(browser, org)
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{idp.url}/oauth2/authorize"
    with browser.session_transaction() as cookie:
        (pending,) = cookie[sso.PENDING_KEY]
    digest = hashlib.sha256(pending["code_verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == pending["state"] and query["nonce"] == pending["nonce"]
    assert query["scope"] == "openid email profile"
    assert query["response_type"] == "code" and query["client_id"] == "tukiverkko"
    assert query["redirect_uri"] == f"http://localhost/t/{org.slug}/sso/callback"
    assert SECRET not in location


def test_invited_person_is_linked_on_first_sign_in_and_matched_by_subject_after(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(browser, org, idp)
    user_id, invitation = invite(database, org, "aino@example.org", "Aino Virtanen")
    sub = new_sub()
    idp.set_user(sub, email="Aino@Example.org", email_verified=True, name="Aino V.")

    resp = sso_sign_in(browser, idp, org, sub)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/t/{org.slug}/")
    assert "Aino Virtanen" in (signed_in_as(browser, org) or "")

    user = user_of(database, org, user_id)
    assert (user.sso_issuer, user.sso_subject) == (idp.url, sub)
    assert user.status == UserStatus.ACTIVE and user.email_verified_at is not None
    assert user.name == "Aino Virtanen"  # our record, not overwritten by the provider
    (linked,) = audit_of(database, org, "sso_linked")
    assert linked["actor_id"] == user_id and linked["issuer"] == idp.url
    assert not linked["created"]
    (signed,) = sso_sign_ins(database, org)
    assert signed["actor_id"] == user_id and signed["issuer"] == idp.url
    # The invitation link no longer sets a password on what is now an SSO account.
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        assert consume_link_token(db, invitation, TokenPurpose.INVITATION) is None

    # Second time: the email claim has changed; the subject alone finds the account.
    idp.set_user(sub, email="aino.uusi@example.org", email_verified=True)
    other_browser = english(browser.application.test_client())
    resp = sso_sign_in(other_browser, idp, org, sub)
    assert resp.status_code == 302
    assert "Aino Virtanen" in (signed_in_as(other_browser, org) or "")
    assert [u.id for u in users_with_subject(database, org, sub)] == [user_id]
    assert user_of(database, org, user_id).email == "aino@example.org"
    assert len(audit_of(database, org, "sso_linked")) == 1
    assert len(sso_sign_ins(database, org)) == 2


def test_the_sealed_secret_is_opened_for_the_provider_and_a_lost_key_fails_cleanly(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    # A client the provider knows, with a secret it checks at the token endpoint.
    registered = requests.post(
        f"{idp.url}/oauth2/clients",
        json={"redirect_uris": [f"http://localhost/t/{org.slug}/sso/callback"]},
        timeout=10,
    ).json()
    resp = browser.put(
        "/api/v1/sso/provider",
        json={"issuer": idp.url, "client_id": registered["client_id"],
              "client_secret": registered["client_secret"], "allow_unknown_users": True},
        headers=token_for(browser, org, Role.TENANT_ADMIN),
    )  # fmt: skip
    assert resp.status_code == 200, resp.text
    sub = new_sub()
    idp.set_user(sub, email="sanna@example.org", email_verified=True, name="Sanna")
    assert sso_sign_in(browser, idp, org, sub).status_code == 302  # the provider took the secret
    assert signed_in_as(browser, org) is not None

    # The key that sealed it is gone (dropped before a reseal): no 500, no sign-in.
    browser.application.extensions["tukiverkko.keyring"] = Keyring([new_key().encode()])
    other = english(browser.application.test_client())
    failed = sso_sign_in(other, idp, org, sub)
    assert failed.status_code == 500 and "sign in with your password" in failed.text
    assert signed_in_as(other, org) is None
    assert audit_of(database, org, "sign_in_failed")[-1]["reason"] == "secret_unreadable"


def test_unknown_person_needs_an_invitation_unless_the_tenant_allows_them(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(browser, org, idp)
    sub = new_sub()
    idp.set_user(sub, email="tuntematon@example.org", email_verified=True, name="Tuula T")

    refused = sso_sign_in(browser, idp, org, sub)
    assert refused.status_code == 403
    assert "invitation from your organisation" in refused.text
    assert signed_in_as(browser, org) is None
    assert users_with_subject(database, org, sub) == []
    (failed,) = audit_of(database, org, "sign_in_failed")
    assert failed["reason"] == "sso_not_invited" and failed["method"] == "sso"

    configure(browser, org, idp, allow_unknown_users=True)
    resp = sso_sign_in(browser, idp, org, sub)
    assert resp.status_code == 302
    assert "Tuula T" in (signed_in_as(browser, org) or "")
    (user,) = users_with_subject(database, org, sub)
    assert user.role == Role.VOLUNTEER and user.status == UserStatus.ACTIVE
    assert user.email == "tuntematon@example.org" and user.password_hash is None
    assert user.language == "en"  # the language the person was using
    assert audit_of(database, org, "sso_linked")[0]["created"] is True


def test_unverified_email_does_not_link(browser: FlaskClient, database: Database, idp: Idp) -> None:
    org = make_org(database)
    configure(browser, org, idp, allow_unknown_users=True)
    user_id, _token = invite(database, org, "eero@example.org", "Eero")
    sub = new_sub()
    idp.set_user(sub, email="eero@example.org", email_verified=False)

    resp = sso_sign_in(browser, idp, org, sub)
    assert resp.status_code == 403
    assert "has not confirmed your email address" in resp.text
    user = user_of(database, org, user_id)
    assert user.sso_subject is None and user.status == UserStatus.INVITED
    assert users_with_subject(database, org, sub) == []
    assert audit_of(database, org, "sign_in_failed")[0]["reason"] == "sso_email_not_verified"

    idp.set_user(sub, email="eero@example.org")  # no email_verified claim at all
    assert sso_sign_in(browser, idp, org, sub).status_code == 403
    assert user_of(database, org, user_id).sso_subject is None


def test_disabled_person_is_refused(browser: FlaskClient, database: Database, idp: Idp) -> None:
    org = make_org(database)
    configure(browser, org, idp)
    linked_id, _ = invite(database, org, "linked@example.org", "Linked")
    unlinked_id, _ = invite(database, org, "unlinked@example.org", "Unlinked")
    linked_sub, unlinked_sub = new_sub(), new_sub()
    idp.set_user(linked_sub, email="linked@example.org", email_verified=True)
    idp.set_user(unlinked_sub, email="unlinked@example.org", email_verified=True)
    assert sso_sign_in(browser, idp, org, linked_sub).status_code == 302
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        for user_id in (linked_id, unlinked_id):
            user = db.get(User, user_id)
            assert user is not None
            user.status = UserStatus.DISABLED

    for sub in (linked_sub, unlinked_sub):
        resp = sso_sign_in(english(browser.application.test_client()), idp, org, sub)
        assert resp.status_code == 403
        assert "disabled" in resp.text
    assert user_of(database, org, unlinked_id).sso_subject is None
    reasons = [e["reason"] for e in audit_of(database, org, "sign_in_failed")]
    assert reasons == ["account_disabled", "account_disabled"]


def test_an_identity_of_one_tenant_never_opens_another(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    a, b = make_org(database), make_org(database)
    configure(browser, a, idp)
    configure(browser, b, idp)  # the same provider, the same client id
    a_user, _ = invite(database, a, "sanni@example.org", "Sanni A")
    sub = new_sub()
    idp.set_user(sub, email="sanni@example.org", email_verified=True)
    assert sso_sign_in(browser, idp, a, sub).status_code == 302

    # At B, where nobody has invited her, the same identity is refused...
    at_b = english(browser.application.test_client())
    at_b.set_cookie("lang", "en")
    resp = sso_sign_in(at_b, idp, b, sub)
    assert resp.status_code == 403 and "invitation" in resp.text
    assert signed_in_as(at_b, a) is None and signed_in_as(at_b, b) is None
    assert users_with_subject(database, b, sub) == []
    assert audit_of(database, b, "sign_in_failed")[0]["reason"] == "sso_not_invited"
    assert [u.id for u in users_with_subject(database, a, sub)] == [a_user]

    # ...and a sign-in started at A cannot be finished at B's callback.
    location = idp.authorize(start(at_b, a), sub)
    resp = callback(at_b, location, path=f"/t/{b.slug}/sso/callback")
    assert resp.status_code == 400
    assert signed_in_as(at_b, a) is None and signed_in_as(at_b, b) is None

    # Where B lets unknown people in, she gets an account of B's own, not A's.
    configure(browser, b, idp, allow_unknown_users=True)
    assert sso_sign_in(at_b, idp, b, sub).status_code == 302
    (b_user,) = users_with_subject(database, b, sub)
    assert b_user.id != a_user and b_user.tenant_id == b.id
    assert signed_in_as(at_b, a) is None
    assert user_of(database, a, a_user).tenant_id == a.id


# ---------------------------------------------------------------------------
# Failures of the protocol: friendly pages, audited, never signed in


def test_forged_missing_or_replayed_state_is_refused(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(browser, org, idp, allow_unknown_users=True)
    sub = new_sub()
    idp.set_user(sub, email="valtteri@example.org", email_verified=True)

    location = idp.authorize(start(browser, org), sub)
    code = parse_qs(urlsplit(location).query)["code"][0]
    forged = browser.get(
        f"/t/{org.slug}/sso/callback?{urlencode({'code': code, 'state': 'forged'})}"
    )
    assert forged.status_code == 400
    assert "Sign-in did not work" in forged.text and "Traceback" not in forged.text
    assert signed_in_as(browser, org) is None

    # A browser that never started the sign-in cannot finish it.
    stranger = english(browser.application.test_client())
    assert callback(stranger, location).status_code == 400
    assert signed_in_as(stranger, org) is None

    # The real state works once, and only once.
    location = idp.authorize(start(browser, org), sub)
    assert callback(browser, location).status_code == 302
    assert callback(browser, location).status_code == 400
    reasons = [e["reason"] for e in audit_of(database, org, "sign_in_failed")]
    assert reasons == ["bad_state", "bad_state", "bad_state"]


def test_provider_error_and_bad_code_are_refused(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(browser, org, idp, allow_unknown_users=True)
    sub = new_sub()
    idp.set_user(sub, email="kaisa@example.org", email_verified=True)

    authorization = start(browser, org)
    denied_url = idp.authorize(authorization, None, deny=True)
    assert "error=access_denied" in denied_url
    # The mock leaves `state` out of its error redirect (RFC 6749 4.1.2.1 wants it
    # there): without it the answer is the generic "start again" page; with it,
    # as a compliant provider sends it, the page says the provider said no.
    assert callback(browser, denied_url).status_code == 400
    state = parse_qs(urlsplit(authorization).query)["state"][0]
    denied = callback(browser, f"{denied_url}&{urlencode({'state': state})}")
    assert denied.status_code == 400
    assert "did not complete the sign-in" in denied.text

    location = idp.authorize(start(browser, org), sub)
    query = parse_qs(urlsplit(location).query)
    bogus = urlencode({"code": "not-a-real-code", "state": query["state"][0]})
    resp = browser.get(f"/t/{org.slug}/sso/callback?{bogus}")
    assert resp.status_code == 400
    assert "could not confirm your sign-in" in resp.text
    assert signed_in_as(browser, org) is None
    failures = audit_of(database, org, "sign_in_failed")
    assert [(e["reason"], e.get("error")) for e in failures][:2] == [
        ("bad_state", None),
        ("provider_error", "access_denied"),
    ]
    assert failures[2]["reason"] == "token_exchange"
    assert SECRET not in str(failures)


def test_id_token_with_wrong_nonce_is_refused(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(browser, org, idp, allow_unknown_users=True)
    sub = new_sub()
    idp.set_user(sub, email="nonce@example.org", email_verified=True)

    location = idp.authorize(start(browser, org), sub)
    with browser.session_transaction() as cookie:
        (pending,) = cookie[sso.PENDING_KEY]
        cookie[sso.PENDING_KEY] = [{**pending, "nonce": "another-sign-in"}]
    resp = callback(browser, location)
    assert resp.status_code == 400
    assert signed_in_as(browser, org) is None
    assert users_with_subject(database, org, sub) == []
    (failed,) = audit_of(database, org, "sign_in_failed")
    assert failed["reason"] == "invalid_id_token"


def test_id_token_signed_by_another_key_is_refused(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(browser, org, idp, allow_unknown_users=True)
    sub = new_sub()
    idp.set_user(sub, email="avain@example.org", email_verified=True)
    jwks_uri = sso.discover(idp.url, allow_http_loopback=True).jwks_uri
    real = requests.get(jwks_uri, timeout=10).json()["keys"][0]
    # A key with the provider's key id but not its key material.
    impostor = RSAKey.generate_key(2048, parameters={"kid": real["kid"]}, private=False)
    sso._jwks_cache[jwks_uri] = (float("inf"), KeySet([impostor]))
    try:
        resp = sso_sign_in(browser, idp, org, sub)
    finally:
        sso.clear_caches()
    assert resp.status_code == 400
    assert signed_in_as(browser, org) is None
    assert users_with_subject(database, org, sub) == []
    assert audit_of(database, org, "sign_in_failed")[0]["reason"] == "invalid_id_token"


def test_login_without_an_enabled_provider_is_a_404_page(
    browser: FlaskClient, database: Database, idp: Idp
) -> None:
    org, other = make_org(database), make_org(database)
    configure(browser, other, idp)  # another organisation's provider is not this one's
    assert f"/t/{org.slug}/sso/login" not in browser.get(f"/t/{org.slug}/login").text
    resp = browser.get(f"/t/{org.slug}/sso/login")
    assert resp.status_code == 404 and "does not use single sign-on" in resp.text
    configure(browser, org, idp, enabled=False)
    assert browser.get(f"/t/{org.slug}/sso/login").status_code == 404
    assert f"/t/{org.slug}/sso/login" not in browser.get(f"/t/{org.slug}/login").text


# ---------------------------------------------------------------------------
# The API


def test_admin_manages_the_provider_and_never_sees_the_secret(
    client: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    admin = token_for(client, org, Role.TENANT_ADMIN)
    url = "/api/v1/sso/provider"
    responses = []

    missing = client.get(url, headers=admin)
    assert missing.status_code == 404 and missing.json["code"] == "not_found"
    no_secret = client.put(url, json={"issuer": idp.url, "client_id": "x"}, headers=admin)
    assert no_secret.status_code == 422
    assert "client_secret" in no_secret.json["errors"]["json"]

    body = {
        "issuer": idp.url,
        "client_id": "tukiverkko",
        "client_secret": SECRET,
        "enabled": True,
        "allow_unknown_users": False,
    }
    created = client.put(url, json=body, headers=admin)
    responses.append(created)
    assert created.status_code == 200
    assert created.json == {
        "issuer": idp.url,
        "client_id": "tukiverkko",
        "enabled": True,
        "allow_unknown_users": False,
        "redirect_uri": f"http://localhost/t/{org.slug}/sso/callback",
    }
    responses.append(shown := client.get(url, headers=admin))
    assert shown.status_code == 200 and shown.json == created.json

    # Replacing without a secret keeps the stored one.
    changed = client.put(
        url,
        json={"issuer": idp.url, "client_id": "toinen", "allow_unknown_users": True},
        headers=admin,
    )
    responses.append(changed)
    assert changed.status_code == 200 and changed.json["client_id"] == "toinen"
    assert changed.json["allow_unknown_users"] is True
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        (row,) = db.scalars(select(SsoProvider))
        assert row.client_id == "toinen"
        # Kept, and kept sealed: the database holds no plain secret.
        assert SECRET not in row.client_secret_sealed
        assert (
            client.application.extensions["tukiverkko.keyring"].open(row.client_secret_sealed)
            == SECRET
        )

    responses.append(client.get("/api/v1/openapi.json"))
    assert all(SECRET not in r.text for r in responses)
    configured = audit_of(database, org, "sso_configured")
    assert [e["created"] for e in configured] == [True, False]
    assert SECRET not in str(configured)

    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    assert client.delete(url, headers=admin).status_code == 404
    assert len(audit_of(database, org, "sso_deleted")) == 1


def test_only_tenant_admins_may_touch_the_provider(
    client: FlaskClient, database: Database, idp: Idp
) -> None:
    org = make_org(database)
    configure(client, org, idp)
    body = {"issuer": idp.url, "client_id": "x", "client_secret": "y"}
    url = "/api/v1/sso/provider"
    assert client.get(url).status_code == 401
    for role in (Role.COORDINATOR, Role.VOLUNTEER):
        headers = token_for(client, org, role)
        for resp in (
            client.get(url, headers=headers),
            client.put(url, json=body, headers=headers),
            client.delete(url, headers=headers),
        ):
            assert resp.status_code == 403, resp.text
            assert resp.json["code"] == "permission_denied"
            assert SECRET not in resp.text
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        (row,) = db.scalars(select(SsoProvider))
        assert row.client_id == "tukiverkko"


@pytest.mark.parametrize(
    "change",
    [
        {"tenant_id": str(uuid.uuid4())},
        {"issuer": "http://idp.example.org"},  # plain http beyond loopback
        {"issuer": "ftp://idp.example.org"},
        {"issuer": "https://idp.example.org/?tenant=a"},
        {"client_id": ""},
        {"client_secret": ""},
    ],
)
def test_bad_provider_input_is_refused(
    client: FlaskClient, database: Database, change: dict[str, str]
) -> None:
    org = make_org(database)
    body = {"issuer": "https://idp.example.org", "client_id": "x", "client_secret": "y"}
    resp = client.put(
        "/api/v1/sso/provider",
        json={**body, **change},
        headers=token_for(client, org, Role.TENANT_ADMIN),
    )
    assert resp.status_code == 422, resp.text
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        assert db.scalar(select(SsoProvider)) is None


def test_each_admin_sees_only_their_own_provider(
    client: FlaskClient, database: Database, idp: Idp
) -> None:
    a, b = make_org(database), make_org(database)
    configure(client, a, idp, client_id="a-client")
    b_admin = token_for(client, b, Role.TENANT_ADMIN)
    url = "/api/v1/sso/provider"
    assert client.get(url, headers=b_admin).status_code == 404
    assert client.delete(url, headers=b_admin).status_code == 404
    configure(client, b, idp, client_id="b-client")
    assert client.get(url, headers=b_admin).json["client_id"] == "b-client"
    a_view = client.get(url, headers=token_for(client, a, Role.TENANT_ADMIN)).json
    assert a_view["client_id"] == "a-client"
    assert a_view["redirect_uri"].endswith(f"/t/{a.slug}/sso/callback")
    assert client.delete(url, headers=b_admin).status_code == 204
    assert client.get(url, headers=token_for(client, a, Role.TENANT_ADMIN)).status_code == 200


# ---------------------------------------------------------------------------
# ID token checks, one claim at a time (a local key stands in for the JWKS)

ISSUER = "https://idp.example.org"
JWKS_URI = "https://idp.example.org/jwks"


@pytest.fixture
def local_key() -> Iterator[RSAKey]:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    sso._jwks_cache[JWKS_URI] = (float("inf"), KeySet([key]))
    yield key
    sso.clear_caches()


def _metadata() -> sso.ProviderMetadata:
    return sso.ProviderMetadata(
        issuer=ISSUER,
        authorization_endpoint=f"{ISSUER}/authorize",
        token_endpoint=f"{ISSUER}/token",
        jwks_uri=JWKS_URI,
        token_endpoint_auth_method="client_secret_basic",
        algorithms=("RS256",),
    )


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "tukiverkko",
        "sub": "henkilo-1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _check(token: str) -> dict[str, Any]:
    provider = SsoProvider(issuer=ISSUER, client_id="tukiverkko", client_secret_sealed="x")
    return sso.validate_id_token(token, provider=provider, metadata=_metadata(), nonce="n-1")


def test_a_good_id_token_passes(local_key: RSAKey) -> None:
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, _claims(aud=["tukiverkko"]), local_key)
    assert _check(token)["sub"] == "henkilo-1"


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://evil.example.org"},
        {"iss": None},
        {"aud": "another-client"},
        {"aud": ["another-client"]},
        {"aud": ["tukiverkko", "another-client"]},  # several audiences need azp = us
        {"azp": "another-client"},
        {"exp": int(time.time()) - 3600},
        {"exp": None},
        {"iat": int(time.time()) + 3600},
        {"iat": None},
        {"nonce": "n-2"},
        {"nonce": None},
        {"sub": None},
    ],
    # Ids name the claim, not its value: values built from the clock would differ
    # between xdist workers and break their shared collection.
    ids=lambda changes: ",".join(changes),
)
def test_a_wrong_claim_fails(local_key: RSAKey, changes: dict[str, Any]) -> None:
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, _claims(**changes), local_key)
    with pytest.raises(sso.SsoFailure) as failure:
        _check(token)
    assert failure.value.reason == "invalid_id_token"


def test_unsigned_and_secret_signed_tokens_fail(local_key: RSAKey) -> None:
    def b64(data: dict[str, Any]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none'})}.{b64(_claims())}."
    # HS256 keyed with the client secret, which the tenant admin also knows.
    hmac_signed = jwt.encode({"alg": "HS256"}, _claims(), OctKey.import_key(SECRET * 2))
    for token in (unsigned, hmac_signed, "not-a-jwt"):
        with pytest.raises(sso.SsoFailure):
            _check(token)


# ---------------------------------------------------------------------------
# Linking rules at the service level


def test_a_stale_binding_to_a_former_provider_is_replaced_but_a_rival_subject_is_not(
    database: Database,
) -> None:
    org = make_org(database)
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        for email, issuer in (("vanha@example.org", "https://old.example.org"),
                              ("sama@example.org", ISSUER)):  # fmt: skip
            user = create_user(db, tenant_id=org.id, email=email, name=email, role=Role.VOLUNTEER)
            user.status, user.sso_issuer, user.sso_subject = UserStatus.ACTIVE, issuer, "x"
    provider = SsoProvider(issuer=ISSUER, client_id="c", client_secret_sealed="x")

    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        claims = {"sub": "uusi", "email": "vanha@example.org", "email_verified": True}
        user = sso.link_or_create_user(db, org.id, provider, claims)
        assert (user.sso_issuer, user.sso_subject) == (ISSUER, "uusi")
    (linked,) = audit_of(database, org, "sso_linked")
    assert linked["replaced_issuer"] == "https://old.example.org"

    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        claims = {"sub": "kilpailija", "email": "sama@example.org", "email_verified": "true"}
        with pytest.raises(sso.SsoRefused) as refused:
            sso.link_or_create_user(db, org.id, provider, claims)
        assert refused.value.code == "sso_not_invited"
        assert refused.value.reason == "email_bound_to_other_identity"
