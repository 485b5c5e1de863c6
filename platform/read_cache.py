"""The read cache: list responses kept in Redis until a write could change them.

Coordinators' dashboards and the apps ask for the same lists again and again,
and almost always nothing has changed in between. An API list that opts in
(`@cached_read` on its view) is answered from Redis when the same signed-in
session asked for the same URL before and no committed write since could
have changed it. Then no database statement runs at all.

What makes a kept response stale, and how it is dropped:

- Every tenant has a *version* in Redis, and so has everything shared
  (`GLOBAL_SCOPE`: tenants, users' shared rows, anything written across
  tenants). The database tells us, after each commit that wrote, which
  scopes it wrote (`Database.add_write_listener`); each gets a fresh random
  version. A kept response carries the two versions read *before* it was
  computed, and is served only while both are unchanged.
- Sign-out, password change, disabling a user, a role change and suspending
  the organisation are writes like any other: the next request misses the
  cache and meets the session check, so they take effect at once as before.
  A session's own end of life is kept with the response, and the access
  token's expiry is checked on every request.
- A response is kept only if every statement that made it ran for the
  caller's own tenant (or for no tenant, on shared tables), none wrote, and
  the session was checked: views that read across tenants (a model owner's
  figures) or write while reading are never kept, even if they opt in.
- Each response is kept at most `TUKIVERKKO_READ_CACHE_SECONDS` (60 s by
  default; 0 turns the cache off). That bounds the one case the versions do
  not cover: a write whose new version could not be set because Redis was
  unreachable. Such a process retries the versions it owes and serves
  nothing from the cache until it has set them.

A hit reads only the two versions from Redis when this process holds a copy
of the body (`LocalCopies`, at most `LOCAL_COPIES_BYTES`), else the body too.

The cache needs Redis (`TUKIVERKKO_REDIS_URL`): versions must be shared by
every web and worker process. Without it every request reads the database.

Keys are the session, the user, the role and the URL with its query, the
Accept-Language and language cookie: one person's answer is never another's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import redis
from flask import Flask, Response, current_app, g, request
from prometheus_client import Counter

from tukiverkko.platform import context
from tukiverkko.platform.db import GLOBAL_SCOPE, Database
from tukiverkko.platform.identity.tokens import AccessClaims, decode_access_token
from tukiverkko.platform.metrics import REGISTRY

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

KEY_PREFIX = "tukiverkko:read-cache:"
# A version outlives every response tagged with it; an expired one is set
# afresh (random, so no old response can match it).
VERSION_SECONDS = 24 * 3600
# Redis is asked with short timeouts: a slow cache must not slow reads down
# more than reading the database would.
REDIS_TIMEOUT_SECONDS = 0.5
# After Redis failed, reads skip the cache this long before trying it again.
RETRY_AFTER_FAILURE_SECONDS = 5.0
HEADER = "X-Read-Cache"
# Room for each process's copies of kept bodies (`LocalCopies`).
LOCAL_COPIES_BYTES = 32 * 1024 * 1024

READS = Counter(
    "tukiverkko_read_cache_requests",
    "Reads of lists that may be cached: hit (answered from Redis), miss (read from the "
    "database) or bypass (Redis unreachable, or versions still owed).",
    ["result"],
    registry=REGISTRY,
)

Tags = tuple[bytes, bytes]


def cached_read(view: F) -> F:
    """Let the read cache answer this GET view (see the module docstring for when it may)."""
    view.read_cacheable = True  # type: ignore[attr-defined]
    return view


def _version_key(scope: str) -> str:
    return f"{KEY_PREFIX}v:{scope}"


class ReadCache:
    """Responses and versions in Redis; one instance per app (per process)."""

    def __init__(self, redis_url: str, seconds: int) -> None:
        self.redis = redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self.seconds = seconds
        # Scopes written whose new version could not be set yet.
        self._copies = LocalCopies(LOCAL_COPIES_BYTES)
        # This process's own connection for the MGET of every lookup (`_mget`).
        self._conn: Any = None
        self._conn_pid = 0
        self._conn_lock = threading.Lock()
        self._owed: set[str] = set()
        self._failed_at = 0.0

    # -- invalidation ------------------------------------------------------------------

    def invalidate(self, scopes: set[str]) -> None:
        """Give each written scope a fresh version (a write listener of the database)."""
        self._owed.update(scopes)
        self._pay_owed()

    def _pay_owed(self) -> bool:
        if not self._owed:
            return True
        owed = set(self._owed)
        try:
            pipe = self.redis.pipeline(transaction=False)
            for scope in owed:
                pipe.set(_version_key(scope), uuid.uuid4().hex, ex=VERSION_SECONDS)
            pipe.execute()
        except redis.RedisError as error:
            self._failed(error, "cannot set new versions", scopes=sorted(owed))
            return False
        self._owed -= owed
        return True

    def _failed(self, error: Exception, what: str, **extra: Any) -> None:
        self._failed_at = time.monotonic()
        log.warning(f"read cache: {what}", extra={"error": repr(error), **extra})

    # -- reads -------------------------------------------------------------------------

    def lookup(self, tenant_id: uuid.UUID, key: str) -> tuple[bytes | None, Tags | None]:
        """The kept body for `key` if still current, and the versions to keep a new one with.

        (None, None): the cache cannot be used for this request.
        """
        if time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE_SECONDS:
            return None, None
        if not self._pay_owed():
            return None, None
        tags = self._current_versions(tenant_id)
        if tags is None:
            return None, None
        head = b" ".join(tags)
        body = self._copies.get(key, head)
        if body is not None:
            return body, tags
        try:
            entry = self.redis.get(key)
        except redis.RedisError as error:
            self._failed(error, "cannot read")
            return None, None
        if entry is None:
            return None, tags
        entry_head, _, body = entry.partition(b"\n")
        entry_tags, _, until = entry_head.rpartition(b" ")
        if entry_tags != head:
            return None, tags
        self._copies.put(key, head, float(until), body)
        return body, tags

    def _current_versions(self, tenant_id: uuid.UUID) -> Tags | None:
        """The shared and the tenant's versions now (set afresh if expired), None if unreachable."""
        names = [_version_key(GLOBAL_SCOPE), _version_key(str(tenant_id))]
        try:
            global_version, tenant_version = self._mget(names)
            if global_version is None or tenant_version is None:
                for name in names:  # first use, or expired: a fresh version
                    self.redis.set(name, uuid.uuid4().hex, ex=VERSION_SECONDS, nx=True)
                global_version, tenant_version = self._mget(names)
        except redis.RedisError as error:
            self._failed(error, "cannot read")
            return None
        if global_version is None or tenant_version is None:
            return None
        return global_version, tenant_version

    def _mget(self, names: list[str]) -> list[bytes | None]:
        """MGET over this process's own connection, opened at first use.

        Every lookup is one MGET; the client's pool and retry layers around it
        cost a seventh of a hit. A kept connection that Redis has closed (it
        restarted) is replaced by a new one for the same lookup; after any other
        error the next lookup (after `RETRY_AFTER_FAILURE_SECONDS`) opens one.
        """
        with self._conn_lock:
            reused = self._conn is not None and self._conn_pid == os.getpid()
            if not reused:  # new, or inherited across a fork
                self._conn = self.redis.connection_pool.make_connection()
                self._conn_pid = os.getpid()
            try:
                self._conn.send_command("MGET", *names)
                return self._conn.read_response()  # type: ignore[no-any-return]
            except BaseException as error:
                self._conn.disconnect()
                self._conn = None
                if not (reused and isinstance(error, redis.ConnectionError)):
                    raise
        return self._mget(names)  # once more, on a new connection

    def store(self, key: str, tags: Tags, body: bytes, seconds: int) -> None:
        """Keep `body` under `key` for `seconds`, tagged with the versions it was read at."""
        head = b" ".join(tags)
        until = time.time() + seconds
        try:
            self.redis.set(key, b"%s %.3f\n%s" % (head, until, body), ex=seconds)
        except redis.RedisError as error:
            self._failed(error, "cannot keep a response")
            return
        self._copies.put(key, head, until, body)


class LocalCopies:
    """This process's copies of kept bodies, so that a hit reads only the versions from Redis.

    Lists are kilobytes, versions a few bytes: fetching the body from Redis
    for every hit cost half the hit. A copy is served only with the versions
    it was kept at, both read from Redis for this very request, and never
    after its entry in Redis expired. Least recently used copies go first
    once they hold `max_bytes`.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[str, tuple[bytes, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()  # gthread workers share the instance

    def get(self, key: str, head: bytes) -> bytes | None:
        """The copy of `key` kept at versions `head`, if it is there and not expired."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            kept_head, until, body = found
            if kept_head != head or until <= time.time():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return body

    def put(self, key: str, head: bytes, until: float, body: bytes) -> None:
        """Keep a copy of `body` (not if it alone would take an eighth of the room)."""
        if len(body) * 8 > self.max_bytes:
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = (head, until, body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= len(found[2])


# -- the app's hooks ---------------------------------------------------------------------


def init_read_cache(app: Flask, database: Database) -> None:
    """Serve and keep opted-in reads when Redis is configured and the cache is on."""
    settings = app.config["TUKIVERKKO_SETTINGS"]
    if not settings.redis_url or settings.read_cache_seconds <= 0:
        return
    cache = ReadCache(settings.redis_url, settings.read_cache_seconds)
    app.extensions["tukiverkko.read_cache"] = cache
    database.add_write_listener(cache.invalidate)
    app.before_request(serve_from_cache)
    app.after_request(keep_response)


def _cache() -> ReadCache | None:
    return current_app.extensions.get("tukiverkko.read_cache")


def _cacheable_endpoints(app: Flask) -> frozenset[str]:
    """The endpoints whose GET view carries `@cached_read` (read once all are registered)."""
    found = app.extensions.get("tukiverkko.read_cache.endpoints")
    if found is None:
        found = frozenset(
            endpoint
            for endpoint, view in app.view_functions.items()
            if getattr(_get_method(view), "read_cacheable", False)
        )
        app.extensions["tukiverkko.read_cache.endpoints"] = found
    return found


def _get_method(view: Callable[..., Any]) -> Callable[..., Any] | None:
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, "get", None) if view_class else view


def entry_key(claims: AccessClaims, identity: dict[str, str]) -> str:
    """The key of this request's answer: who asks (session, user, role) and what exactly."""
    parts = [
        str(claims.session_id),
        str(claims.user_id),
        str(claims.tenant_id),
        identity["role"],
        request.path,
        request.query_string.decode("latin-1"),
        request.headers.get("Accept-Language", ""),
        request.cookies.get("lang", ""),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{KEY_PREFIX}e:{digest}"


def _bearer_claims() -> AccessClaims | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    secret = current_app.config["TUKIVERKKO_SETTINGS"].secret_key
    return decode_access_token(secret, header[7:].strip())


def serve_from_cache() -> Response | None:
    """before_request: answer an opted-in GET from the cache, or get ready to keep it."""
    if request.method != "GET" or request.endpoint not in _cacheable_endpoints(
        current_app._get_current_object()  # type: ignore[attr-defined]
    ):
        return None
    cache = _cache()
    claims = _bearer_claims()
    if cache is None or claims is None or claims.identity is None:
        return None  # the usual path says why (401), or the token predates identity claims
    key = entry_key(claims, claims.identity)
    body, tags = cache.lookup(claims.tenant_id, key)
    if tags is None:
        READS.labels(result="bypass").inc()
        return None
    if body is not None:
        READS.labels(result="hit").inc()
        context.set_tenant(claims.tenant_id)  # for the access log
        response = Response(body, 200, content_type="application/json")
        response.headers[HEADER] = "hit"
        return response
    READS.labels(result="miss").inc()
    g.read_cache_pending = (key, tags)
    context.watch_reads(claims.tenant_id)
    return None


def keep_response(response: Response) -> Response:
    """after_request: keep a fresh 200 answer when everything that made it allows."""
    pending = g.pop("read_cache_pending", None)
    cache = _cache()
    if pending is None or cache is None:
        return response
    response.headers[HEADER] = "miss"
    key, tags = pending
    seconds = _seconds_to_keep(cache.seconds)
    if (
        response.status_code == 200
        and response.mimetype == "application/json"
        and not response.direct_passthrough
        and context.pending_session_check() is None
        and seconds > 0
    ):
        cache.store(key, tags, response.get_data(), seconds)
    return response


def _seconds_to_keep(limit: int) -> int:
    """How long this request's answer may be kept: 0 when it must not be."""
    scope = context.read_scope()
    if scope is None or scope.foreign or scope.wrote or scope.session_expires_at is None:
        return 0  # across tenants, written, or the session never checked
    expires_at: datetime = scope.session_expires_at
    left = int(expires_at.timestamp() - time.time())
    return max(min(limit, left), 0)
