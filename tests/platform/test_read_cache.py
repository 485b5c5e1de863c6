"""The read cache answers repeated lists from Redis, never with a stale or foreign answer."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, update

from tests.factories import Org, make_org, token_for
from tests.platform.primitives.support import (
    make_active_match,
    make_programme,
    make_volunteer,
)
from tests.support.services import RedisServer
from tukiverkko.platform import context, read_cache
from tukiverkko.platform.app import create_app
from tukiverkko.platform.db import GLOBAL_SCOPE, Database, is_read, utcnow, write_scope
from tukiverkko.platform.identity.models import Role, User
from tukiverkko.platform.identity.tokens import (
    AccessClaims,
    decode_access_token,
    issue_access_token,
)
from tukiverkko.platform.settings import Settings
from tukiverkko.tenants.models import TenantKind

VOLUNTEERS = "/api/v1/volunteers"
INBOX = "/api/v1/notifications"


def _app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    application.testing = True
    yield application
    application.extensions["tukiverkko.db"].dispose()


@pytest.fixture
def cached_app(settings: Settings, redis_server: RedisServer) -> Iterator[Flask]:
    yield from _app(replace(settings, redis_url=redis_server.url))


@pytest.fixture
def client(cached_app: Flask) -> FlaskClient:
    return cached_app.test_client()


@pytest.fixture
def database(cached_app: Flask) -> Database:
    db: Database = cached_app.extensions["tukiverkko.db"]
    return db


class StatementCounter:
    """Counts the SQL statements an app's engine runs while it is switched on."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        event.listen(database.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def _org_with_volunteers(database: Database, n: int = 2) -> tuple[Org, uuid.UUID]:
    org = make_org(database)
    programme_id = make_programme(database, org)
    for _ in range(n):
        make_volunteer(database, org, programme_id)
    return org, programme_id


def _read_twice(client: FlaskClient, url: str, headers: dict[str, str]) -> Any:
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.text
    assert first.headers[read_cache.HEADER] == "miss"
    second = client.get(url, headers=headers)
    assert second.status_code == 200
    assert second.headers[read_cache.HEADER] == "hit"
    assert second.json == first.json
    return second


def test_a_repeated_list_is_answered_without_the_database(
    client: FlaskClient, database: Database
) -> None:
    org, _ = _org_with_volunteers(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    statements = StatementCounter(database)
    first = client.get(VOLUNTEERS, headers=coordinator)
    assert first.headers[read_cache.HEADER] == "miss" and len(first.json["items"]) == 2
    read_for_miss = statements.count
    assert read_for_miss > 0
    hit = client.get(VOLUNTEERS, headers=coordinator)
    assert hit.headers[read_cache.HEADER] == "hit"
    assert hit.json == first.json
    assert statements.count == read_for_miss  # not one statement for the hit
    # Another page or filter is another answer.
    other = client.get(VOLUNTEERS, query_string={"status": "ended"}, headers=coordinator)
    assert other.headers[read_cache.HEADER] == "miss" and other.json["items"] == []


def test_a_write_from_anywhere_drops_what_was_kept(client: FlaskClient, database: Database) -> None:
    org, programme_id = _org_with_volunteers(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    _read_twice(client, VOLUNTEERS, coordinator)
    # A write outside any request (a worker, an import) counts as much as one through the API.
    new_id = make_volunteer(database, org, programme_id)
    after = client.get(VOLUNTEERS, headers=coordinator)
    assert after.headers[read_cache.HEADER] == "miss"
    assert str(new_id) in {item["id"] for item in after.json["items"]}


def test_a_write_through_the_api_drops_what_was_kept(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    kept = _read_twice(client, INBOX, volunteer)
    assert [item["read_at"] for item in kept.json["items"]] == [None]
    marked = client.post(f"{INBOX}/{org.notification_id}/read", headers=volunteer)
    assert marked.status_code == 200
    after = client.get(INBOX, headers=volunteer)
    assert after.headers[read_cache.HEADER] == "miss"
    assert after.json["items"][0]["read_at"] is not None


def test_a_logged_meeting_shows_at_once(client: FlaskClient, database: Database) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    match_id = make_active_match(database, org, programme_id, days_ago=10, linked=True)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    url = f"/api/v1/follow-up/matches/{match_id}/meetings"
    assert _read_twice(client, url, volunteer).json["items"] == []
    body = {
        "met_on": utcnow().date().isoformat(),
        "minutes": 60,
        "kind": "meeting",
        "note": "Kahvilla",
    }
    assert client.post(url, json=body, headers=volunteer).status_code == 201
    after = client.get(url, headers=volunteer)
    assert after.headers[read_cache.HEADER] == "miss"
    assert [item["minutes"] for item in after.json["items"]] == [60]


def test_signing_out_ends_a_cached_session_at_once(client: FlaskClient, database: Database) -> None:
    org, _ = _org_with_volunteers(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    _read_twice(client, VOLUNTEERS, coordinator)
    assert client.post("/api/v1/auth/logout", headers=coordinator).status_code == 204
    assert client.get(VOLUNTEERS, headers=coordinator).status_code == 401


def test_a_changed_role_ends_a_cached_session_at_once(
    client: FlaskClient, database: Database
) -> None:
    org, _ = _org_with_volunteers(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    _read_twice(client, VOLUNTEERS, coordinator)
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        db.execute(
            update(User).where(User.id == org.people[Role.COORDINATOR]).values(role=Role.VOLUNTEER)
        )
    old = client.get(VOLUNTEERS, headers=coordinator)
    assert old.status_code == 401 and old.json["code"] == "session_outdated"


def test_a_suspended_tenant_gets_nothing_from_the_cache(
    client: FlaskClient, database: Database
) -> None:
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(Role.OPERATOR,))
    org, _ = _org_with_volunteers(database)
    coordinator = token_for(client, org, Role.COORDINATOR)
    _read_twice(client, VOLUNTEERS, coordinator)
    suspended = client.post(
        f"/api/v1/tenants/{org.id}/suspend",
        json={"reason": "Laskut maksamatta"},
        headers=token_for(client, operator, Role.OPERATOR),
    )
    assert suspended.status_code == 200
    assert client.get(VOLUNTEERS, headers=coordinator).status_code == 401


def test_nobody_else_gets_an_answer_kept_for_one_session(
    client: FlaskClient, database: Database
) -> None:
    """Cross-tenant: the same URL asked by another tenant, or another session, is its own."""
    ours, _ = _org_with_volunteers(database, n=2)
    theirs, _ = _org_with_volunteers(database, n=1)
    ours_headers = token_for(client, ours, Role.COORDINATOR)
    kept = _read_twice(client, VOLUNTEERS, ours_headers)
    their_answer = client.get(VOLUNTEERS, headers=token_for(client, theirs, Role.COORDINATOR))
    assert their_answer.headers[read_cache.HEADER] == "miss"
    assert len(their_answer.json["items"]) == 1
    assert not {i["id"] for i in their_answer.json["items"]} & {i["id"] for i in kept.json["items"]}
    # The same person signed in again (another device) is another session.
    again = client.get(VOLUNTEERS, headers=token_for(client, ours, Role.COORDINATOR))
    assert again.headers[read_cache.HEADER] == "miss" and again.json == kept.json
    # A volunteer of the same tenant asking the same URL sees only their own (none here).
    own = client.get(VOLUNTEERS, headers=token_for(client, ours, Role.VOLUNTEER))
    assert own.headers[read_cache.HEADER] == "miss" and own.json["items"] == []


def test_only_answers_made_of_the_callers_own_reads_are_kept(
    settings: Settings, redis_server: RedisServer
) -> None:
    """A view that opts in but reads across tenants, or writes while reading, is never kept."""
    from tukiverkko.platform.auth import require_principal
    from tukiverkko.platform.db import get_database

    app = create_app(replace(settings, redis_url=redis_server.url))
    app.testing = True

    @app.get("/api/v1/test-across")
    @read_cache.cached_read
    def across() -> dict[str, Any]:
        require_principal()
        with context.cross_tenant("test"), get_database().unit_of_work() as db:
            return {"users": db.query(User).count()}

    @app.get("/api/v1/test-writes")
    @read_cache.cached_read
    def writes() -> dict[str, Any]:
        principal = require_principal()
        with get_database().unit_of_work() as db:
            db.execute(update(User).where(User.id == principal.user_id).values(name="Luettu"))
            return {"ok": True}

    try:
        database: Database = app.extensions["tukiverkko.db"]
        client = app.test_client()
        org = make_org(database)
        headers = token_for(client, org, Role.COORDINATOR)
        for url in ("/api/v1/test-across", "/api/v1/test-writes"):
            for _ in range(2):
                resp = client.get(url, headers=headers)
                assert resp.status_code == 200
                assert resp.headers[read_cache.HEADER] == "miss"
        # Errors are not kept either.
        missing = f"{VOLUNTEERS}/{uuid.uuid4()}"
        assert client.get(missing, headers=headers).status_code == 404
    finally:
        app.extensions["tukiverkko.db"].dispose()


def test_redis_down_means_fresh_reads_and_no_stale_answer_after(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    app = create_app(replace(settings, redis_url=redis.url))
    app.testing = True
    try:
        database: Database = app.extensions["tukiverkko.db"]
        client = app.test_client()
        org, programme_id = _org_with_volunteers(database)
        coordinator = token_for(client, org, Role.COORDINATOR)
        _read_twice(client, VOLUNTEERS, coordinator)
        redis.stop()
        # The write cannot reach Redis; reads go to the database and see it.
        first_new = make_volunteer(database, org, programme_id)
        down = client.get(VOLUNTEERS, headers=coordinator)
        assert down.status_code == 200 and read_cache.HEADER not in down.headers
        assert str(first_new) in {i["id"] for i in down.json["items"]}
        # Back up on the same port, with the old answer gone or not: never served stale.
        redis = replace(redis, process=None).start()
        monkeypatch.setattr(read_cache, "RETRY_AFTER_FAILURE_SECONDS", 0.0)
        back = client.get(VOLUNTEERS, headers=coordinator)
        assert back.headers[read_cache.HEADER] == "miss"
        assert len(back.json["items"]) == 3
    finally:
        redis.stop()
        app.extensions["tukiverkko.db"].dispose()


def test_the_cache_is_off_without_redis_or_when_told(
    settings: Settings, redis_server: RedisServer
) -> None:
    for off in (settings, replace(settings, redis_url=redis_server.url, read_cache_seconds=0)):
        app = create_app(off)
        try:
            client = app.test_client()
            org, _ = _org_with_volunteers(app.extensions["tukiverkko.db"])
            headers = token_for(client, org, Role.COORDINATOR)
            for _ in range(2):
                resp = client.get(VOLUNTEERS, headers=headers)
                assert resp.status_code == 200 and read_cache.HEADER not in resp.headers
        finally:
            app.extensions["tukiverkko.db"].dispose()


def test_statements_are_sorted_into_reads_and_writes() -> None:
    assert is_read("SELECT 1")
    assert is_read("  select * from volunteers")
    assert is_read("WITH x AS (SELECT 1) SELECT * FROM x")
    assert not is_read("WITH x AS (DELETE FROM volunteers RETURNING id) SELECT * FROM x")
    assert not is_read("INSERT INTO volunteers (id) VALUES (1)")
    assert not is_read("UPDATE users SET name = 'x'")
    assert not is_read("DELETE FROM sessions")
    tenant = uuid.uuid4()
    own = context.Context(tenant_id=tenant)
    assert write_scope("UPDATE volunteers SET status = 'ended'", own) == str(tenant)
    assert write_scope('INSERT INTO "volunteers" (id) VALUES (1)', own) == str(tenant)
    # Shared tables, work across tenants or with no tenant: every tenant's reads may change.
    assert write_scope("UPDATE tenants SET status = 'suspended'", own) == GLOBAL_SCOPE
    across = context.Context(tenant_id=tenant, cross_tenant=True)
    assert write_scope("UPDATE volunteers SET status = 'ended'", across) == GLOBAL_SCOPE
    assert write_scope("UPDATE volunteers SET status = 'ended'", context.Context()) == GLOBAL_SCOPE
    assert write_scope("TRUNCATE volunteers", own) == GLOBAL_SCOPE


def test_the_token_check_still_refuses_an_expired_token() -> None:
    claims = AccessClaims(uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    token = issue_access_token("secret", claims, 1)
    assert decode_access_token("secret", token) == claims
    time.sleep(1.1)
    assert decode_access_token("secret", token) is None
    assert decode_access_token("another-secret", token) is None


def test_another_web_process_serves_what_one_kept_and_hears_its_writes(
    cached_app: Flask, client: FlaskClient, database: Database
) -> None:
    """Two processes share the answers and the versions through Redis (each its own copies)."""
    second = create_app(cached_app.config["TUKIVERKKO_SETTINGS"])
    try:
        other = second.test_client()
        org, programme_id = _org_with_volunteers(database)
        coordinator = token_for(client, org, Role.COORDINATOR)
        kept = _read_twice(client, VOLUNTEERS, coordinator)
        from_redis = other.get(VOLUNTEERS, headers=coordinator)
        assert from_redis.headers[read_cache.HEADER] == "hit"
        assert from_redis.json == kept.json
        # A write in the second process: the first one's copy is not served any more.
        second_db: Database = second.extensions["tukiverkko.db"]
        new_id = make_volunteer(second_db, org, programme_id)
        after = client.get(VOLUNTEERS, headers=coordinator)
        assert after.headers[read_cache.HEADER] == "miss"
        assert str(new_id) in {i["id"] for i in after.json["items"]}
    finally:
        second.extensions["tukiverkko.db"].dispose()


def test_nothing_is_served_after_its_time(settings: Settings, redis_server: RedisServer) -> None:
    app = create_app(replace(settings, redis_url=redis_server.url, read_cache_seconds=1))
    try:
        client = app.test_client()
        org, _ = _org_with_volunteers(app.extensions["tukiverkko.db"])
        headers = token_for(client, org, Role.COORDINATOR)
        _read_twice(client, VOLUNTEERS, headers)
        time.sleep(1.2)
        assert client.get(VOLUNTEERS, headers=headers).headers[read_cache.HEADER] == "miss"
    finally:
        app.extensions["tukiverkko.db"].dispose()


def test_local_copies_keep_to_their_room_and_versions() -> None:
    copies = read_cache.LocalCopies(max_bytes=800)
    later = time.time() + 60
    copies.put("a", b"v1", later, b"x" * 90)
    assert copies.get("a", b"v1") == b"x" * 90
    assert copies.get("a", b"v2") is None  # another version: dropped
    assert copies.get("a", b"v1") is None
    copies.put("too-big", b"v1", later, b"x" * 101)  # over an eighth of the room
    assert copies.get("too-big", b"v1") is None
    for n in range(10):  # 900 bytes: the least recently used goes
        copies.put(f"k{n}", b"v1", later, b"y" * 90)
    assert copies.get("k0", b"v1") is None
    assert copies.get("k9", b"v1") == b"y" * 90
    copies.put("old", b"v1", time.time() - 1, b"z")
    assert copies.get("old", b"v1") is None
