"""Single sign-on with each organisation's own OpenID Connect provider.

The flow is the authorization code flow with PKCE (S256), a `state` and a
`nonce`, all three kept in the signed session cookie between the two pages:

1. `GET /t/<slug>/sso/login` reads the tenant's provider, fetches its
   discovery document (cached briefly per process) and redirects the browser
   to the provider's authorization endpoint.
2. `GET /t/<slug>/sso/callback` takes the pending sign-in out of the cookie
   (one use), exchanges the code at the token endpoint, validates the ID
   token (signature against the provider's JWKS, `iss`, `aud`, `exp`, `iat`,
   `nonce`) and links the asserted identity to an account of *this* tenant.

Linking (`link_or_create_user`) only ever looks inside the tenant in
context: the same person signing in at two organisations has two accounts,
and an identity bound in one organisation means nothing in another.

The service functions take explicit arguments and no Flask globals; only
the two routes at the bottom touch the request, the session cookie and the
templates. Every failure of the flow becomes a friendly page in the user's
language and an audit event; the details go to the audit log, never to the
page (a provider's error text is not ours to show).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tukiverkko.platform import audit, context
from tukiverkko.platform.db import Database, get_database, utcnow
from tukiverkko.platform.encryption import Keyring, UnreadableSecret, current_keyring
from tukiverkko.platform.errors import NotFound, Problem, ValidationFailed
from tukiverkko.platform.i18n import LANGUAGES
from tukiverkko.platform.identity.models import (
    OneTimeToken,
    Role,
    SsoProvider,
    TokenPurpose,
    User,
    UserStatus,
)
from tukiverkko.platform.identity.service import (
    WEB_SESSION_LIFETIME,
    Principal,
    create_user,
    find_user_by_email,
    normalise_email,
)
from tukiverkko.platform.identity.signin import start_session_for
from tukiverkko.platform.identity.web import begin_web_session, blp
from tukiverkko.tenants.models import Tenant, TenantStatus

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
# Discovery documents and key sets change rarely, but a provider rotating its
# keys must be picked up within minutes, and an unknown `kid` refetches at once.
DISCOVERY_TTL = 300.0
JWKS_TTL = 300.0
HTTP_TIMEOUT = (5.0, 10.0)  # connect, read: a slow provider must not hold a worker long
MAX_DOCUMENT_BYTES = 512 * 1024
# How long a started sign-in may take at the provider, and how many may be
# pending at once in one browser (several tabs), so the cookie stays small.
PENDING_LIFETIME = 600
MAX_PENDING = 3
PENDING_KEY = "sso_pending"
CLOCK_LEEWAY = 60
# Asymmetric algorithms only: an HMAC-signed ID token would be checked with the
# client secret, which the tenant admin also knows; `none` is never accepted.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_LOOPBACK_HOSTS = frozenset({"localhost"})


# --------------------------------------------------------------------------
# Errors


class SsoFailure(Exception):
    """A step of the protocol failed. `reason` is for the audit log, not for the page."""

    def __init__(self, reason: str, status: int = 400, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.details = details


class SsoRefused(Problem):
    """The provider vouched for the person, but the person may not sign in here."""

    status = 403

    def __init__(self, detail: str, *, code: str, reason: str | None = None) -> None:
        super().__init__(detail, code=code)
        # Finer than the code, for the audit log only (the page must not reveal
        # whether, say, an account with that email exists).
        self.reason = reason or code


# --------------------------------------------------------------------------
# Provider configuration (service functions)


def is_allowed_url(url: str, *, allow_http_loopback: bool) -> bool:
    """https with a host, or (when allowed) plain http to this machine's loopback.

    Plain http is only for development and tests, where the provider runs on
    127.0.0.1; in production it would let a tenant admin point the server at
    services on its own loopback interface.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or not allow_http_loopback:
        return False
    if host in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_issuer(issuer: str, *, allow_http_loopback: bool) -> str:
    """The issuer as given (it must match the ID tokens' `iss` exactly), or a 422."""
    issuer = issuer.strip()
    parts = urlsplit(issuer)
    if (
        len(issuer) > 255
        or parts.query
        or parts.fragment
        or not is_allowed_url(issuer, allow_http_loopback=allow_http_loopback)
    ):
        raise ValidationFailed(
            "The issuer must be an https URL without query or fragment.",
            code="invalid_issuer",
            errors={"json": {"issuer": ["Must be an https URL without query or fragment."]}},
        )
    return issuer


def get_provider(session: Session) -> SsoProvider | None:
    """The provider of the tenant in context (the tenant filter picks it), or None."""
    return session.scalar(select(SsoProvider))


def save_provider(
    session: Session,
    actor: Principal,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    enabled: bool,
    allow_unknown_users: bool,
    *,
    keyring: Keyring,
    allow_http_loopback: bool = False,
) -> SsoProvider:
    """Create or replace the actor's organisation's provider.

    `client_secret` may be left out (None) when replacing: the stored one is
    kept, since it is never shown again and an admin changing a flag should not
    have to fetch it from the provider anew. It is stored sealed with `keyring`.
    """
    issuer = validate_issuer(issuer, allow_http_loopback=allow_http_loopback)
    provider = session.scalar(select(SsoProvider).where(SsoProvider.tenant_id == actor.tenant_id))
    created = provider is None
    if provider is None:
        if not client_secret:
            raise ValidationFailed(
                "A client secret is needed.",
                code="validation_failed",
                errors={"json": {"client_secret": ["Missing data for required field."]}},
            )
        provider = SsoProvider(
            tenant_id=actor.tenant_id, client_secret_sealed=keyring.seal(client_secret)
        )
        session.add(provider)
    elif client_secret:
        provider.client_secret_sealed = keyring.seal(client_secret)
    provider.issuer = issuer
    provider.client_id = client_id
    provider.enabled = enabled
    provider.allow_unknown_users = allow_unknown_users
    session.flush()
    audit.record(
        session,
        "sso_configured",
        actor_id=actor.user_id,
        target_type="sso_provider",
        target_id=provider.id,
        created=created,
        issuer=issuer,
        client_id=client_id,
        enabled=enabled,
        allow_unknown_users=allow_unknown_users,
        secret_changed=bool(client_secret),
    )
    return provider


def reseal_client_secrets(database: Database, keyring: Keyring) -> int:
    """Seal every provider's secret with the keyring's first key; how many were resealed.

    Plain text stored before sealing, or sealed with a key being retired, is
    sealed anew. Every organisation's, in one transaction: run by the operator
    (`tukiverkko encryption reseal`), not by anyone of a tenant.
    """
    with context.cross_tenant("reseal SSO client secrets"), database.unit_of_work() as session:
        providers = session.scalars(select(SsoProvider).order_by(SsoProvider.id)).all()
        stale = [p for p in providers if keyring.needs_reseal(p.client_secret_sealed)]
        for provider in stale:
            provider.client_secret_sealed = keyring.reseal(provider.client_secret_sealed)
    return len(stale)


def delete_provider(session: Session, actor: Principal) -> None:
    """Remove the organisation's provider. Accounts keep their binding, should it return."""
    provider = session.scalar(select(SsoProvider).where(SsoProvider.tenant_id == actor.tenant_id))
    if provider is None:
        raise NotFound("No single sign-on provider is configured.")
    audit.record(
        session,
        "sso_deleted",
        actor_id=actor.user_id,
        target_type="sso_provider",
        target_id=provider.id,
        issuer=provider.issuer,
    )
    session.delete(provider)


# --------------------------------------------------------------------------
# Linking an asserted identity to an account


def _claim_is_true(value: Any) -> bool:
    # The standard says boolean; some providers (AWS Cognito) send the string.
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _display_name(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return (name or email.split("@", 1)[0]).strip()[:200]


def _language(claims: dict[str, Any], default: str) -> str:
    locale = claims.get("locale")
    if isinstance(locale, str):
        code = locale.replace("_", "-").split("-", 1)[0].lower()
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else "fi"


def link_or_create_user(
    session: Session,
    tenant_id: uuid.UUID,
    provider: SsoProvider,
    claims: dict[str, Any],
    *,
    language: str = "fi",
) -> User:
    """The account of this tenant that the validated ID token `claims` stand for.

    1. An account already bound to (issuer, subject) in this tenant: that one,
       whatever the email claim says now.
    2. Else, if the provider vouches for the email (`email_verified`), an
       account of this tenant with that email that is not bound to another
       identity of the same provider: bound now (an invitation becomes active).
       A binding to another issuer is stale (the tenant has one provider) and
       is replaced.
    3. Else, when the provider allows unknown users, a new active volunteer.

    Raises `SsoRefused` (`sso_not_invited`, `sso_email_not_verified`,
    `account_disabled`). The caller binds the tenant context: all queries here
    also name the tenant, so nothing outside it is ever found.
    """
    issuer = provider.issuer
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SsoRefused(
            "The sign-in service sent an unusable identity.",
            code="sso_not_invited",
            reason="bad_subject",
        )
    user = session.scalar(
        select(User).where(
            User.tenant_id == tenant_id, User.sso_issuer == issuer, User.sso_subject == subject
        )
    )
    if user is not None:
        _refuse_disabled(user)
        return user

    email = claims.get("email")
    if (
        not isinstance(email, str)
        or "@" not in email
        or len(email.strip()) > 254
        or not _claim_is_true(claims.get("email_verified"))
    ):
        # Without a confirmed address we can neither recognise an invited
        # account nor safely claim the address for a new one.
        raise SsoRefused(
            "The sign-in service has not confirmed the email address.",
            code="sso_email_not_verified",
        )
    email = normalise_email(email)
    user = find_user_by_email(session, tenant_id, email)
    if user is not None:
        _refuse_disabled(user)
        if user.sso_subject is not None and user.sso_issuer == issuer:
            # The provider says this address now belongs to someone else
            # (e.g. a reassigned mailbox): never hand them the old account.
            raise SsoRefused(
                "This account is linked to another identity.",
                code="sso_not_invited",
                reason="email_bound_to_other_identity",
            )
        _bind(session, user, issuer, subject, created=False)
        return user

    if not provider.allow_unknown_users:
        raise SsoRefused(
            "An invitation from the organisation is needed.",
            code="sso_not_invited",
        )
    try:
        user = create_user(
            session,
            tenant_id=tenant_id,
            email=email,
            name=_display_name(claims, email),
            role=Role.VOLUNTEER,
            language=_language(claims, language),
        )
    except ValidationFailed:
        # This kind of organisation has no volunteers (e.g. a model owner).
        raise SsoRefused(
            "An invitation from the organisation is needed.",
            code="sso_not_invited",
            reason="role_not_allowed",
        ) from None
    _bind(session, user, issuer, subject, created=True)
    return user


def _refuse_disabled(user: User) -> None:
    if user.status == UserStatus.DISABLED:
        raise SsoRefused("The account is disabled.", code="account_disabled")


def _bind(session: Session, user: User, issuer: str, subject: str, *, created: bool) -> None:
    now = utcnow()
    previous_issuer = user.sso_issuer
    user.sso_issuer = issuer
    user.sso_subject = subject
    user.email_verified_at = user.email_verified_at or now
    if user.status == UserStatus.INVITED:
        user.status = UserStatus.ACTIVE
        # The invitation has served its purpose: its link must not set a
        # password on an account that is now someone's SSO identity.
        session.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.user_id == user.id,
                OneTimeToken.purpose == TokenPurpose.INVITATION,
                OneTimeToken.used_at.is_(None),
            )
            .values(used_at=now)
        )
    session.flush()
    audit.record(
        session,
        "sso_linked",
        tenant_id=user.tenant_id,
        actor_id=user.id,
        target_type="user",
        target_id=user.id,
        issuer=issuer,
        created=created,
        replaced_issuer=previous_issuer or "",
    )


# --------------------------------------------------------------------------
# Talking to the provider


@dataclass(frozen=True)
class ProviderMetadata:
    """What we use of a provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_endpoint_auth_method: str
    algorithms: tuple[str, ...]


_cache_lock = threading.Lock()
_discovery_cache: dict[str, tuple[float, ProviderMetadata]] = {}
_jwks_cache: dict[str, tuple[float, KeySet]] = {}


def clear_caches() -> None:
    """Forget cached discovery documents and key sets (tests, key rotation by hand)."""
    with _cache_lock:
        _discovery_cache.clear()
        _jwks_cache.clear()


def _get_json(url: str) -> dict[str, Any]:
    """GET a JSON object, bounded in time and size; redirects are not followed."""
    try:
        with requests.get(
            url,
            timeout=HTTP_TIMEOUT,
            headers={"Accept": "application/json"},
            allow_redirects=False,
            stream=True,
        ) as resp:
            resp.raise_for_status()
            body = resp.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError("document too large")
        data = json.loads(body)
    except (requests.RequestException, ValueError) as error:
        raise SsoFailure("provider_unavailable", 502, url=url, error=str(error)[:200]) from error
    if not isinstance(data, dict):
        raise SsoFailure("provider_unavailable", 502, url=url, error="not a JSON object")
    return data


def _choose_auth_method(document: dict[str, Any]) -> str:
    # Discovery's default when the list is absent is client_secret_basic.
    supported = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    for method in ("client_secret_basic", "client_secret_post"):
        if method in supported:
            return method
    raise SsoFailure("provider_unsupported", 502, supported=list(supported)[:10])


def discover(issuer: str, *, allow_http_loopback: bool) -> ProviderMetadata:
    """The provider's metadata, from `{issuer}/.well-known/openid-configuration` (cached)."""
    now = time.monotonic()
    with _cache_lock:
        cached = _discovery_cache.get(issuer)
    if cached and cached[0] > now:
        return cached[1]
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    # OpenID Connect Discovery 4.3: the document must name exactly this issuer,
    # or a document served elsewhere could impersonate it.
    if document.get("issuer") != issuer:
        raise SsoFailure("provider_issuer_mismatch", 502, claimed=str(document.get("issuer")))
    endpoints = {}
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(key)
        if not isinstance(value, str) or not is_allowed_url(
            value, allow_http_loopback=allow_http_loopback
        ):
            raise SsoFailure("provider_unsupported", 502, missing=key)
        endpoints[key] = value
    advertised = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in advertised if a in ALLOWED_ALGORITHMS)
    if not algorithms:
        raise SsoFailure("provider_unsupported", 502, algorithms=list(advertised)[:10])
    metadata = ProviderMetadata(
        issuer=issuer,
        token_endpoint_auth_method=_choose_auth_method(document),
        algorithms=algorithms,
        **endpoints,
    )
    with _cache_lock:
        _discovery_cache[issuer] = (now + DISCOVERY_TTL, metadata)
    return metadata


def _key_set(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    now = time.monotonic()
    with _cache_lock:
        cached = _jwks_cache.get(jwks_uri)
    if cached and cached[0] > now and not refresh:
        return cached[1]
    document = _get_json(jwks_uri)
    try:
        keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise SsoFailure("provider_unavailable", 502, url=jwks_uri, error="bad JWKS") from error
    with _cache_lock:
        _jwks_cache[jwks_uri] = (now + JWKS_TTL, keys)
    return keys


def authorization_url(
    provider: SsoProvider,
    metadata: ProviderMetadata,
    *,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_verifier: str,
    ui_locales: str = "",
) -> str:
    """The provider URL that starts an authorization code request with PKCE (S256)."""
    client = OAuth2Session(
        client_id=provider.client_id,
        redirect_uri=redirect_uri,
        scope=SCOPE,
        code_challenge_method="S256",
    )
    extra = {"ui_locales": ui_locales} if ui_locales else {}
    url, _state = client.create_authorization_url(
        metadata.authorization_endpoint,
        state=state,
        code_verifier=code_verifier,
        nonce=nonce,
        **extra,
    )
    return str(url)


def exchange_code(
    provider: SsoProvider,
    metadata: ProviderMetadata,
    *,
    client_secret: str,
    code: str,
    code_verifier: str,
    redirect_uri: str,
) -> str:
    """Trade the authorization code for tokens; returns the raw ID token.

    `client_secret` is the provider's secret opened (`Keyring.open`).
    """
    client = OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret,
        token_endpoint_auth_method=metadata.token_endpoint_auth_method,
        redirect_uri=redirect_uri,
    )
    try:
        with client:
            token = client.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=HTTP_TIMEOUT,
                allow_redirects=False,
            )
    except (AuthlibBaseError, requests.RequestException, ValueError, TypeError) as error:
        raise SsoFailure("token_exchange", 400, error=str(error)[:200]) from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise SsoFailure("token_exchange", 400, error="no id_token in the response")
    return id_token


def validate_id_token(
    id_token: str,
    *,
    provider: SsoProvider,
    metadata: ProviderMetadata,
    nonce: str,
    now: int | None = None,
) -> dict[str, Any]:
    """The claims of an ID token that is genuine, fresh, for us, and for this sign-in.

    OpenID Connect Core 3.1.3.7: signature by a key of the provider's JWKS,
    `iss` equal to the configured issuer, `aud` containing our client id (and
    `azp` equal to it when there are several audiences), `exp` in the future,
    `iat` not in the future, and `nonce` equal to the one we sent.
    """
    try:
        try:
            token = jwt.decode(
                id_token, _key_set(metadata.jwks_uri), algorithms=metadata.algorithms
            )
        except InvalidKeyIdError:
            # The provider may have rotated its keys since we cached them.
            keys = _key_set(metadata.jwks_uri, refresh=True)
            token = jwt.decode(id_token, keys, algorithms=metadata.algorithms)
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(claims)
    except (JoseError, ValueError, TypeError) as error:
        raise SsoFailure("invalid_id_token", 400, error=str(error)[:200]) from error
    audience = claims["aud"]
    azp = claims.get("azp")
    if (isinstance(audience, list) and len(audience) > 1 and azp is None) or (
        azp is not None and azp != provider.client_id
    ):
        raise SsoFailure("invalid_id_token", 400, error="azp is not our client")
    return claims


# --------------------------------------------------------------------------
# Steps with their own units of work (the tenant bound before each begins)


def load_enabled_provider(database: Database, tenant_id: uuid.UUID) -> SsoProvider | None:
    """The tenant's provider if it is enabled (a detached, fully loaded row)."""
    with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
        provider = get_provider(db)
        return provider if provider is not None and provider.enabled else None


def record_failure(database: Database, tenant_id: uuid.UUID, reason: str, **details: Any) -> None:
    """Audit a refused or failed SSO sign-in in a transaction of its own.

    Its own, because the transaction that refused the sign-in rolls back.
    """
    with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
        audit.record(
            db, "sign_in_failed", tenant_id=tenant_id, method="sso", reason=reason, **details
        )


def sign_in_with_claims(
    database: Database, tenant_id: uuid.UUID, claims: dict[str, Any], *, language: str = "fi"
) -> User:
    """Link (or create) the account for validated claims and record the sign-in.

    Two first sign-ins of one identity at the same moment race to bind it; the
    loser hits the unique (tenant, issuer, subject) constraint and simply runs
    again, now finding the account the winner bound.
    """
    for attempt in (1, 2):
        try:
            with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
                provider = get_provider(db)
                if provider is None or not provider.enabled:
                    raise SsoFailure("not_configured", 404)
                user = link_or_create_user(db, tenant_id, provider, claims, language=language)
                audit.record(
                    db,
                    "sign_in",
                    tenant_id=tenant_id,
                    actor_id=user.id,
                    method="sso",
                    issuer=provider.issuer,
                )
                return user
        except IntegrityError:
            if attempt == 2:
                raise
        except SsoRefused as refusal:
            record_failure(database, tenant_id, refusal.reason, code=refusal.code)
            raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------
# The pages


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback needs from the login step; lives in the signed session cookie.

    The cookie is signed, not encrypted: the browser's owner can read these
    values, which is fine, since they protect that same person's sign-in.
    """

    tenant_id: str
    issuer: str
    state: str
    nonce: str
    code_verifier: str
    started: int


def _remember(pending: PendingSignIn) -> None:
    now = int(time.time())
    entries = [
        e
        for e in session.get(PENDING_KEY) or []
        if isinstance(e, dict) and now - int(e.get("started", 0)) < PENDING_LIFETIME
    ]
    session[PENDING_KEY] = [*entries[-(MAX_PENDING - 1) :], asdict(pending)]


def _take(state: str) -> PendingSignIn | None:
    """Remove and return the pending sign-in of `state`: each state works once."""
    entries = session.get(PENDING_KEY) or []
    found: dict[str, Any] | None = None
    rest = []
    for entry in entries:
        if (
            found is None
            and isinstance(entry, dict)
            and state
            and hmac.compare_digest(str(entry.get("state", "")), state)
        ):
            found = entry
        else:
            rest.append(entry)
    if rest:
        session[PENDING_KEY] = rest
    else:
        session.pop(PENDING_KEY, None)
    if found is None:
        return None
    try:
        pending = PendingSignIn(**found)
    except TypeError:
        return None
    if int(time.time()) - pending.started >= PENDING_LIFETIME:
        return None
    return pending


def _allow_http_loopback() -> bool:
    return current_app.config["TUKIVERKKO_SETTINGS"].env in ("development", "test")


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    html = render_template("auth/message.html", title=title, message=message, login_link=True)
    return html, status


def _failure_page(reason: str, status: int) -> tuple[str, int]:
    """The page for a failed step: what happened in plain words, nothing technical."""
    title = _("Sign-in did not work")
    if reason == "bad_state":
        message = _("The sign-in has expired or was already used. Please start again.")
    elif reason == "provider_error":
        message = _(
            "Your organisation's sign-in service did not complete the sign-in. Please try again."
        )
    elif reason == "not_configured":
        message = _("This organisation does not use single sign-on.")
    elif reason == "tenant_inactive":
        message = _("Signing in to this organisation is not possible at the moment.")
    elif status >= 500:
        message = _(
            "Your organisation's sign-in service cannot be reached right now. "
            "Please try again later, or sign in with your password."
        )
    else:
        message = _(
            "We could not confirm your sign-in with your organisation's sign-in service. "
            "Please try again."
        )
    return _page(status, title, message)


def _refusal_page(refusal: SsoRefused) -> tuple[str, int]:
    if refusal.code == "account_disabled":
        return _page(
            403,
            _("Account disabled"),
            _("Your account has been disabled. Contact your organisation if this is a mistake."),
        )
    if refusal.code == "sso_email_not_verified":
        return _page(
            403,
            _("Email address not confirmed"),
            _(
                "Your organisation's sign-in service has not confirmed your email address, "
                "so we cannot connect you to an account. Ask your organisation for help."
            ),
        )
    return _page(
        403,
        _("No account yet"),
        _(
            "You need an invitation from your organisation before you can sign in. "
            "Ask your organisation's coordinator to invite you."
        ),
    )


def _fail(tenant: Tenant, failure: SsoFailure) -> tuple[str, int]:
    log.warning("sso sign-in failed", extra={"reason": failure.reason, **failure.details})
    record_failure(get_database(), tenant.id, failure.reason, **failure.details)
    return _failure_page(failure.reason, failure.status)


@blp.get("/sso/login")
def sso_login() -> Any:
    """Start signing in with the organisation's own provider."""
    tenant: Tenant = g.tenant
    database = get_database()
    if tenant.status != TenantStatus.ACTIVE:
        return _failure_page("tenant_inactive", 403)
    provider = load_enabled_provider(database, tenant.id)
    if provider is None:
        return _failure_page("not_configured", 404)
    try:
        metadata = discover(provider.issuer, allow_http_loopback=_allow_http_loopback())
    except SsoFailure as failure:
        return _fail(tenant, failure)
    pending = PendingSignIn(
        tenant_id=str(tenant.id),
        issuer=provider.issuer,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),  # 86 characters; RFC 7636 wants 43-128
        started=int(time.time()),
    )
    _remember(pending)
    url = authorization_url(
        provider,
        metadata,
        redirect_uri=url_for("tenant_web.sso_callback", _external=True),
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
        ui_locales=str(get_locale() or ""),
    )
    response = redirect(url)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/sso/callback")
def sso_callback() -> Any:
    """The provider sends the browser back here with a code (or an error)."""
    tenant: Tenant = g.tenant
    database = get_database()
    pending = _take(request.args.get("state", ""))
    try:
        # The pending sign-in must have started at this organisation's login
        # page: a code meant for another tenant is never redeemed here.
        if pending is None or pending.tenant_id != str(tenant.id):
            raise SsoFailure("bad_state", 400)
        if "error" in request.args:
            raise SsoFailure("provider_error", 400, error=request.args["error"][:64])
        code = request.args.get("code", "")
        if not code:
            raise SsoFailure("provider_error", 400, error="no code")
        if tenant.status != TenantStatus.ACTIVE:
            raise SsoFailure("tenant_inactive", 403)
        provider = load_enabled_provider(database, tenant.id)
        if provider is None:
            raise SsoFailure("not_configured", 404)
        # RFC 9207: a provider that names itself in the response must be ours,
        # and the provider must not have been replaced since the sign-in began.
        returned_issuer = request.args.get("iss")
        if provider.issuer != pending.issuer or (
            returned_issuer is not None and returned_issuer != provider.issuer
        ):
            raise SsoFailure("provider_error", 400, error="issuer changed")
        allow_loopback = _allow_http_loopback()
        try:
            client_secret = current_keyring().open(provider.client_secret_sealed)
        except UnreadableSecret:
            raise SsoFailure("secret_unreadable", 500) from None
        metadata = discover(provider.issuer, allow_http_loopback=allow_loopback)
        id_token = exchange_code(
            provider,
            metadata,
            client_secret=client_secret,
            code=code,
            code_verifier=pending.code_verifier,
            redirect_uri=url_for("tenant_web.sso_callback", _external=True),
        )
        claims = validate_id_token(
            id_token, provider=provider, metadata=metadata, nonce=pending.nonce
        )
        user = sign_in_with_claims(database, tenant.id, claims, language=str(get_locale() or "fi"))
    except SsoFailure as failure:
        return _fail(tenant, failure)
    except SsoRefused as refusal:
        return _refusal_page(refusal)
    return begin_web_session(
        start_session_for(database, user, kind="web", lifetime=WEB_SESSION_LIFETIME)
    )
