"""Short-lived signed API access tokens and opaque secrets.

JWTs are made with joserfc, the JOSE library of the Authlib project (Authlib's
own `authlib.jose` is deprecated in its favour).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

ISSUER = "tukiverkko"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    session_id: uuid.UUID
    # Who the holder was when the token was issued (role, tenant slug and kind,
    # language; no name or email), so that a request need not load it; every
    # request still checks it against the database (`platform/auth.py`).
    # Empty in tokens of releases before it was added.
    identity: dict[str, str] | None = None


IDENTITY_CLAIMS = ("role", "tkind", "tslug", "lang")


def _signing_key(secret_key: str) -> OctKey:
    # A key of its own, derived from the secret key, so tokens and cookies differ.
    return OctKey.import_key(
        hashlib.sha256(b"tukiverkko-access-token:" + secret_key.encode()).digest()
    )


def issue_access_token(secret_key: str, claims: AccessClaims, lifetime_seconds: int) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "sub": str(claims.user_id),
        "tid": str(claims.tenant_id),
        "sid": str(claims.session_id),
        **(claims.identity or {}),
        "iat": now,
        "exp": now + lifetime_seconds,
    }
    return jwt.encode({"alg": "HS256"}, payload, _signing_key(secret_key), algorithms=["HS256"])


def decode_access_token(secret_key: str, token: str) -> AccessClaims | None:
    """The token's claims, or None if it is forged, malformed or expired."""
    verified = _verified_claims(secret_key, token)
    if verified is None:
        return None
    claims, expires = verified
    return claims if time.time() < expires else None


# A client sends the same token with every request for its 15 minutes: its
# signature is checked once per process, the expiry on every use. A tenth of
# a cached read's time was the HMAC and JSON of the token.
@functools.lru_cache(maxsize=4096)
def _verified_claims(secret_key: str, token: str) -> tuple[AccessClaims, float] | None:
    try:
        token_obj = jwt.decode(token, _signing_key(secret_key), algorithms=["HS256"])
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": ISSUER},
            exp={"essential": True},
            sub={"essential": True},
        )
        registry.validate(token_obj.claims)
        claims = token_obj.claims
        identity = {k: claims[k] for k in IDENTITY_CLAIMS if isinstance(claims.get(k), str)}
        access = AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            tenant_id=uuid.UUID(claims["tid"]),
            session_id=uuid.UUID(claims["sid"]),
            identity=identity if len(identity) == len(IDENTITY_CLAIMS) else None,
        )
        return access, float(claims["exp"])
    except (JoseError, KeyError, ValueError, TypeError):
        return None


def new_secret() -> str:
    """An unguessable token for links and refresh tokens."""
    return secrets.token_urlsafe(32)


def hash_secret(raw: str) -> str:
    """Only hashes of secrets are stored."""
    return hashlib.sha256(raw.encode()).hexdigest()
