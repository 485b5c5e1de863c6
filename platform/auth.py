"""Who is asking: the principal of a request, and the one permission check.

A request is authenticated by a bearer access token (API) or by the signed
web-session cookie (pages). Either way the session row, the user and the
tenant are checked on every request, so sign-out, password change and
suspension take effect at once. Once the principal is known, the tenant
context is set and every query is filtered to that tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request, session

from tukiverkko.platform import audit, context
from tukiverkko.platform.db import get_database
from tukiverkko.platform.errors import Forbidden, NotFound, Unauthorized, problem_response
from tukiverkko.platform.identity.service import (
    Principal,
    fetch_principal,
    load_principal,
    principal_from_claims,
    same_standing,
    take_current_profile,
)
from tukiverkko.platform.identity.tokens import decode_access_token
from tukiverkko.platform.permissions import Permission, allows

WEB_SESSION_KEY = "sid"
_UNSET = object()


def current_principal() -> Principal | None:
    """The signed-in principal of this request, or None (resolved once per request)."""
    cached = g.get("principal", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    principal = _resolve()
    g.principal = principal
    if principal is not None:
        context.set_tenant(principal.tenant_id)
    return principal


def _resolve() -> Principal | None:
    header = request.headers.get("Authorization", "")
    session_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    if header.lower().startswith("bearer "):
        settings = current_app.config["TUKIVERKKO_SETTINGS"]
        claims = decode_access_token(settings.secret_key, header[7:].strip())
        if claims is None:
            return None
        session_id, tenant_id, user_id = claims.session_id, claims.tenant_id, claims.user_id
        if claims.identity is not None:
            claimed = principal_from_claims(user_id, tenant_id, session_id, claims.identity)
            if claimed is not None:
                # No transaction of its own: the request's first one checks it.
                context.check_session_in_transaction(_session_check(claimed))
                return claimed
    elif WEB_SESSION_KEY in session and not request.path.startswith("/api/"):
        # Cookies authenticate pages only: the API takes bearer tokens, so a
        # cross-site request cannot ride on a browser's cookie.
        try:
            session_id = uuid.UUID(session[WEB_SESSION_KEY])
            tenant_id = uuid.UUID(session["tid"])
        except (KeyError, ValueError):
            return None
    else:
        return None
    with context.bind(tenant_id=tenant_id), get_database().unit_of_work() as db:
        principal = load_principal(db, session_id)
    if principal is None or (user_id is not None and principal.user_id != user_id):
        return None
    return principal


def _session_check(claimed: Principal) -> context.SessionCheck:
    """The check that `claimed` (from an access token) is still signed in as the token says.

    Run by the request's first transaction of the claimed tenant, before its
    first statement: the session must be live (not signed out or expired,
    user active, tenant active) and the user's role and tenant as the token
    says; otherwise the request fails with 401 and nothing is read or written
    (a client refreshes its token and gets the new role). So a sign-out, a
    suspension or a role change takes effect on the next request, as when the
    principal was loaded in a transaction of its own. Name, email and language
    may change while a token lives: the principal takes the current ones.
    """

    def check(connection: Any) -> bool:
        ctx = context.current()
        if not ctx.cross_tenant and ctx.tenant_id != claimed.tenant_id:
            return False  # another tenant's transaction (a public lookup): check in the next
        current = fetch_principal(connection, claimed.session_id)
        if current is None or not same_standing(current, claimed):
            context.check_session_in_transaction(None)  # answered: no second check
            raise Unauthorized(
                "Your session has ended or your account has changed. Sign in again.",
                code="session_outdated",
                headers={"WWW-Authenticate": 'Bearer realm="tukiverkko", error="invalid_token"'},
            )
        take_current_profile(claimed, current)
        scope = context.read_scope()
        if scope is not None:
            scope.session_expires_at = current.session_expires_at
        return True

    return check


def check_session_before_answering(response: Any) -> Any:
    """after_request: a request that opened no transaction still has its session checked.

    Without it, a signed-out token could still read what needs no database
    (its own claims). Rare: nearly every request reads or writes something.
    """
    if context.pending_session_check() is None:
        return response
    try:
        with get_database().unit_of_work() as db:
            db.connection()  # begins the transaction, which runs the check
    except Unauthorized as error:
        return problem_response(error.status, error.code, error.detail, error.errors, error.headers)
    return response


def require_principal() -> Principal:
    principal = current_principal()
    if principal is None:
        raise Unauthorized(
            "Sign in first.", headers={"WWW-Authenticate": 'Bearer realm="tukiverkko"'}
        )
    return principal


def authorize(permission: Permission) -> Principal:
    """The one permission check: the signed-in principal, if their role allows it."""
    principal = require_principal()
    if not allows(principal.role, permission):
        with get_database().unit_of_work() as db:
            audit.record(
                db,
                "permission_denied",
                actor_id=principal.user_id,
                permission=permission.value,
                path=request.path,
                method=request.method,
            )
        raise Forbidden("Your role does not allow this.", code="permission_denied")
    return principal


# Path parameters of API routes and how to tell whether the principal can see
# the object they name. Checked before the body is parsed, so another tenant's
# id is always a plain 404, never a 403 or a validation error.
PathCheck = Callable[[Any, Principal, uuid.UUID], bool]
PATH_OBJECTS: dict[str, PathCheck] = {}


def path_object(name: str) -> Callable[[PathCheck], PathCheck]:
    """Register how `<uuid:name>` in an API route is checked for visibility."""

    def register(check: PathCheck) -> PathCheck:
        PATH_OBJECTS[name] = check
        return check

    return register


# Public API routes (`/api/v1/public/<slug>/...`) serve people who are not
# signed in, such as volunteer applicants. Their path ids are checked against
# a registry of their own, for the tenant named by the slug: a check written
# for signed-in callers is never run without a principal, and a public route
# cannot reuse it by accident (the app refuses to start instead).
PUBLIC_API_PREFIX = "/api/v1/public/"
# Public pages of a partner (application forms) live under this prefix and use
# the same public registry; every other `/t/<slug>/…` page needs a signed-in principal.
PUBLIC_PAGE_PREFIX = "/t/<slug>/public/"
PublicPathCheck = Callable[[Any, uuid.UUID], bool]
PUBLIC_PATH_OBJECTS: dict[str, PublicPathCheck] = {}


def public_path_object(name: str) -> Callable[[PublicPathCheck], PublicPathCheck]:
    """Register how `<uuid:name>` in a public API route is checked for visibility.

    The check runs with the slug's tenant bound and must answer whether an
    anonymous caller may reach the object (e.g. a programme that is open for
    applications).
    """

    def register(check: PublicPathCheck) -> PublicPathCheck:
        PUBLIC_PATH_OBJECTS[name] = check
        return check

    return register


def public_tenant(slug: str) -> Any:
    """The active partner organisation of `slug`, or a 404 problem."""
    from sqlalchemy import select

    from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus

    with get_database().unit_of_work() as db:  # `tenants` is global: no tenant needed
        tenant = db.scalar(
            select(Tenant).where(
                Tenant.slug == slug,
                Tenant.kind == TenantKind.PARTNER,
                Tenant.status == TenantStatus.ACTIVE,
            )
        )
    if tenant is None:
        raise NotFound("No such object.")
    return tenant


def _check_public_path_objects(args: dict[str, Any], ids: dict[str, uuid.UUID]) -> None:
    check_public_visible(public_tenant(str(args.get("slug", ""))), ids)


def check_public_visible(tenant: Any, ids: dict[str, uuid.UUID]) -> None:
    """404 unless every named object is open to anonymous callers of `tenant`."""
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        for name, value in ids.items():
            if not PUBLIC_PATH_OBJECTS[name](db, value):
                raise NotFound("No such object.")


def check_path_objects() -> None:
    """before_request hook of the API: authenticate, then 404 what is not visible."""
    if not request.path.startswith("/api/"):
        return
    args = request.view_args or {}
    ids = {k: v for k, v in args.items() if isinstance(v, uuid.UUID)}
    if not ids:
        return
    if request.url_rule is not None and request.url_rule.rule.startswith(PUBLIC_API_PREFIX):
        _check_public_path_objects(args, ids)
        return
    check_visible(require_principal(), ids)


def check_visible(principal: Principal, ids: dict[str, uuid.UUID]) -> None:
    """404 unless every named object is visible to `principal` (API routes and pages alike)."""
    if not ids:
        return
    with get_database().unit_of_work() as db:
        for name, value in ids.items():
            if not PATH_OBJECTS[name](db, principal, value):
                raise NotFound("No such object.")


def assert_path_objects_registered(app: Any) -> None:
    """Every `<uuid:...>` in an API route or a signed-in page must have a visibility check."""
    from werkzeug.routing import UUIDConverter

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/t/")):
            continue
        public = rule.rule.startswith((PUBLIC_API_PREFIX, PUBLIC_PAGE_PREFIX))
        if public and "slug" not in rule.arguments:
            raise RuntimeError(f"{rule.rule}: a public route names its tenant by <slug>")
        registry = PUBLIC_PATH_OBJECTS if public else PATH_OBJECTS
        for name, converter in rule._converters.items():
            if isinstance(converter, UUIDConverter) and name not in registry:
                raise RuntimeError(f"{rule.rule}: no visibility check for path parameter {name!r}")
