"""Who and what the current unit of work is for: request id and tenant.

Kept in context variables so that the same code serves a web request, a CLI
command and a background job. Jobs carry the values explicitly and restore
them with `bind()`; `bind()` always restores the previous values, so a reused
worker never runs with the previous job's tenant.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    request_id: str | None = None
    tenant_id: uuid.UUID | None = None
    # True only inside `cross_tenant()`: the one audited way to reach
    # several tenants' rows at once.
    cross_tenant: bool = False


# Context is a frozen dataclass: sharing the default instance is safe.
_current: ContextVar[Context] = ContextVar("tukiverkko_context", default=Context())  # noqa: B039

# A check the next database transaction of this request runs first (see
# `db.py`, `auth.py`): it returns True once done, False to wait for a later one.
SessionCheck = Callable[[Any], bool]
_session_check: ContextVar[SessionCheck | None] = ContextVar(
    "tukiverkko_session_check", default=None
)


def current() -> Context:
    """The context of the running request, command or job."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def bind(
    *,
    request_id: str | None = None,
    tenant_id: uuid.UUID | str | None = None,
    keep_request_id: bool = True,
) -> Iterator[Context]:
    """Run a block for one tenant (or none) and one request id, then restore."""
    previous = _current.get()
    if isinstance(tenant_id, str):
        tenant_id = uuid.UUID(tenant_id)
    rid = request_id or (previous.request_id if keep_request_id else None) or new_request_id()
    token = _current.set(Context(request_id=rid, tenant_id=tenant_id, cross_tenant=False))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@contextlib.contextmanager
def cross_tenant(reason: str) -> Iterator[None]:
    """Lift the tenant filter for a block. Logged with its reason.

    Only platform-level code (operator views, scheduled scans, aggregates for
    model owners that return counts only) may use it.
    """
    previous = _current.get()
    log.info("cross-tenant access", extra={"reason": reason})
    token = _current.set(Context(request_id=previous.request_id, tenant_id=None, cross_tenant=True))
    try:
        yield
    finally:
        _current.reset(token)


def set_request_id(request_id: str) -> None:
    """Set the request id for the rest of this context (used at request start)."""
    _current.set(Context(request_id=request_id))


def set_tenant(tenant_id: uuid.UUID | None) -> None:
    """Set the tenant for the rest of this context (used once a principal is known)."""
    prev = _current.get()
    _current.set(Context(request_id=prev.request_id, tenant_id=tenant_id))


def check_session_in_transaction(check: SessionCheck | None) -> None:
    """Have the next transaction run `check` on its connection before anything else."""
    _session_check.set(check)


def pending_session_check() -> SessionCheck | None:
    """The check the next transaction must run, if any."""
    return _session_check.get()


@dataclass
class ReadScope:
    """What one request's statements touched, watched while it may be kept in the read cache.

    A response may be kept only if every statement ran for `tenant_id` (or
    for no tenant, on shared tables) and none wrote (`platform/read_cache.py`).
    """

    tenant_id: uuid.UUID
    # A statement ran for another tenant or across tenants.
    foreign: bool = False
    # A statement wrote something.
    wrote: bool = False
    # When the signed-in session ends by itself (set by the session check).
    session_expires_at: Any = None


_read_scope: ContextVar[ReadScope | None] = ContextVar("tukiverkko_read_scope", default=None)


def watch_reads(tenant_id: uuid.UUID) -> ReadScope:
    """Start watching this request's statements (see `ReadScope`)."""
    scope = ReadScope(tenant_id=tenant_id)
    _read_scope.set(scope)
    return scope


def read_scope() -> ReadScope | None:
    """The watched scope of this request, if any."""
    return _read_scope.get()


def reset() -> None:
    _current.set(Context())
    _session_check.set(None)
    _read_scope.set(None)
