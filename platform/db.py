"""Database: typed declarative base, the engine, and the one unit of work.

Tenant isolation, layer 1: every query of a `TenantOwned` entity made
through our sessions is filtered by the current tenant (selects, and ORM
bulk updates and deletes), and new rows are stamped with it. Without a
tenant in context the filter matches nothing: it fails closed.

Layer 2 (PostgreSQL): each transaction sets `app.tenant_id` locally, and
row-level security policies created by the migrations (see
`tenant_rls_sql`) filter raw SQL too.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import logging
import os
import re
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import (
    DateTime,
    Engine,
    Enum,
    ForeignKey,
    MetaData,
    TypeDecorator,
    Uuid,
    create_engine,
    event,
    exc,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.pool import NullPool

from tukiverkko.platform import context

T = TypeVar("T")

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps that are always timezone-aware UTC, on SQLite and PostgreSQL alike.

    SQLite keeps no zone, so values are stored as UTC and read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC values")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def str_enum(cls: type[enum.StrEnum], name: str) -> Enum:
    """An enum column stored as its string values (portable, readable in SQL)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class HasId:
    """Non-guessable primary key: ids appear in URLs."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class HasTimestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantOwned:
    """Mixin for every row that belongs to one tenant."""

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("tenants.id"), index=True, nullable=False)


class TenantMismatch(RuntimeError):
    """A row of another tenant was about to be written: a programming error."""


class TenantSession(Session):
    """Session class that carries the tenancy events."""


@event.listens_for(TenantSession, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_select and (state.is_column_load or state.is_relationship_load):
        return  # the criteria of the originating query propagate to these
    ctx = context.current()
    if ctx.cross_tenant:
        return
    tenant_id = ctx.tenant_id
    # The lambda is cached; `tenant_id` is a closure variable and therefore
    # tracked as a bound parameter, not frozen into the cached statement.
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, flush_context: Any, instances: Any) -> None:
    ctx = context.current()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if ctx.tenant_id is None:
                raise TenantMismatch(f"{type(obj).__name__} written with no tenant in context")
            obj.tenant_id = ctx.tenant_id
        elif not ctx.cross_tenant and obj.tenant_id != ctx.tenant_id:
            raise TenantMismatch(f"{type(obj).__name__} belongs to another tenant")


@event.listens_for(TenantSession, "after_begin")
def _set_database_tenant(session: Session, transaction: Any, connection: Any) -> None:
    ctx = context.current()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "SELECT set_config('app.tenant_id', :tenant, true),"
                " set_config('app.cross_tenant', :cross, true)"
            ),
            {
                "tenant": str(ctx.tenant_id) if ctx.tenant_id else "",
                "cross": "on" if ctx.cross_tenant else "off",
            },
        )
    # The signed-in session is checked in the request's own transaction (the
    # tenant bound first, so row-level security applies to the check too).
    check = context.pending_session_check()
    if check is not None and check(connection):
        context.check_session_in_transaction(None)


# The row-level security predicate of every tenant-owned table. Each setting is
# read in a sub-select, which PostgreSQL evaluates once per query (an InitPlan)
# rather than once per row: scans of thousands of rows (matching suggestions)
# were a sixth slower with the bare function calls. Same meaning either way.
TENANT_RLS_PREDICATE = (
    "((SELECT current_setting('app.cross_tenant', true)) = 'on'"
    " OR tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))"
)


def tenant_rls_sql(table: str) -> list[str]:
    """Statements that put a tenant-owned table under row-level security.

    Migrations call this for every table that has a `tenant_id` column; a
    test fails when one is missed.
    """
    predicate = TENANT_RLS_PREDICATE
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING {predicate} WITH CHECK {predicate}",
    ]


def make_engine(url: str) -> Engine:
    """An engine with the settings we rely on (foreign keys on SQLite)."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if ":memory:" in url:
            kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)
    if not url.startswith("sqlite"):
        _ping_idle_connections(engine)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


# A pooled connection idle this long is pinged before use: the database may
# have restarted or a proxy dropped it. Busy connections are not pinged -
# a ping on every checkout (`pool_pre_ping`) cost a round trip per
# transaction, a tenth of a short request; a connection broken while busy
# fails that one request, and SQLAlchemy then renews the whole pool.
IDLE_PING_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _remember_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_conn.rollback()
        except Exception as error:
            # The pool drops this connection and checks out another (SQLAlchemy's protocol).
            raise exc.DisconnectionError(str(error)) from error


# -- committed writes -------------------------------------------------------------------
#
# Every statement is sorted as it runs: a read, or a write to one tenant's rows,
# or a write to shared rows (or across tenants). Once a connection that wrote
# goes back to the pool after its transaction committed, the database's write
# listeners hear which scopes changed; the read cache (`platform/read_cache.py`)
# drops what it kept for them. Told after the commit, never before: a reader
# that starts in between reads the new rows.

# The scope of a write that another tenant's reads may see: shared tables,
# statements across tenants or with no tenant, anything not parsed.
GLOBAL_SCOPE = "global"
_READ_HEADS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SHOW", "EXPLAIN", "VALUES")
_WRITE_VERB = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
_WRITTEN_TABLE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE
)
_PENDING = "tukiverkko.writes_pending"
_COMMITTED = "tukiverkko.writes_committed"
WriteListener = Callable[[set[str]], None]


def is_read(statement: str) -> bool:
    """Whether a SQL statement only reads (a `WITH` query that writes is a write)."""
    head = statement.lstrip()[:10].upper()
    if head.startswith("WITH"):
        return _WRITE_VERB.search(statement) is None
    return head.startswith(_READ_HEADS)


@functools.cache
def _tenant_owned_tables(table_count: int) -> frozenset[str]:
    # Keyed by the number of tables: modules' tables join the metadata as they are imported.
    return frozenset(
        mapper.local_table.name  # type: ignore[union-attr]
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantOwned)
    )


def write_scope(statement: str, ctx: context.Context) -> str:
    """Whose reads a write statement may change: the context's tenant or `GLOBAL_SCOPE`."""
    if ctx.cross_tenant or ctx.tenant_id is None:
        return GLOBAL_SCOPE
    match = _WRITTEN_TABLE.match(statement)
    owned = _tenant_owned_tables(len(Base.metadata.tables))
    if match is None or match.group(1).lower() not in owned:
        return GLOBAL_SCOPE
    return str(ctx.tenant_id)


def _track_writes(engine: Engine, listeners: list[WriteListener]) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _sort_statement(
        conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, _many: bool
    ) -> None:
        ctx = context.current()
        scope = context.read_scope()
        if scope is not None and (
            ctx.cross_tenant or (ctx.tenant_id is not None and ctx.tenant_id != scope.tenant_id)
        ):
            scope.foreign = True
        if is_read(statement):
            return
        if scope is not None:
            scope.wrote = True
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        conn.info.setdefault(_COMMITTED if autocommit else _PENDING, set()).add(
            write_scope(statement, ctx)
        )

    @event.listens_for(engine, "commit")
    def _committing(conn: Any) -> None:
        pending = conn.info.pop(_PENDING, None)
        if pending:
            conn.info.setdefault(_COMMITTED, set()).update(pending)

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn: Any) -> None:
        conn.info.pop(_PENDING, None)

    @event.listens_for(engine, "checkin")
    def _tell_listeners(_dbapi_conn: Any, record: Any) -> None:
        if record is None:
            return
        record.info.pop(_PENDING, None)  # never committed
        committed = record.info.pop(_COMMITTED, None)
        if not committed:
            return
        for listener in listeners:
            try:
                listener(committed)
            except Exception:  # a listener's failure must not break the pool
                log.exception("write listener failed", extra={"scopes": sorted(committed)})


def _forget_pool_in_forked_child(engine: Engine) -> None:
    """A forked process starts with an empty pool of its own.

    gunicorn forks its workers from a master that loaded the app, and RQ forks
    a work horse per job: a child that used the parent's pooled connections
    would talk over the parent's sockets. The child drops them without
    closing them (the parent still uses them) and opens its own.
    """
    ref = weakref.ref(engine)  # a test's engine is not kept alive by the hook

    def after_fork_in_child() -> None:
        found = ref()
        if found is not None:
            found.dispose(close=False)

    os.register_at_fork(after_in_child=after_fork_in_child)


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(
            bind=self.engine, class_=TenantSession, expire_on_commit=False
        )
        self._write_listeners: list[WriteListener] = []
        _track_writes(self.engine, self._write_listeners)
        _forget_pool_in_forked_child(self.engine)

    def add_write_listener(self, listener: WriteListener) -> None:
        """Call `listener(scopes)` after each commit that wrote (scopes: tenant ids, "global")."""
        self._write_listeners.append(listener)

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commits when the block ends, rolls back on any error.

        Callables registered with `after_commit(session, fn)` run once the
        transaction has committed and the session is closed (never on rollback).
        """
        session = self.session_factory()
        try:
            with session.begin():
                yield session
            hooks: list[Callable[[], None]] = session.info.pop(AFTER_COMMIT, [])
        finally:
            session.close()
        for hook in hooks:
            hook()

    def dispose(self) -> None:
        self.engine.dispose()


AFTER_COMMIT = "tukiverkko.after_commit"


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run `hook` after the unit of work that owns `session` has committed."""
    session.info.setdefault(AFTER_COMMIT, []).append(hook)


def get_or_404(session: Session, model: type[T], ident: uuid.UUID) -> T:
    """The row, if it exists and the current tenant may see it; else a 404 problem."""
    from tukiverkko.platform.errors import NotFound

    obj = session.get(model, ident)
    if obj is None:
        raise NotFound("No such object.")
    return obj


def get_database() -> Database:
    db: Database = current_app.extensions["tukiverkko.db"]
    return db


@contextlib.contextmanager
def unit_of_work() -> Iterator[Session]:
    """The one way to open a transaction: `with unit_of_work() as session: ...`."""
    with get_database().unit_of_work() as session:
        yield session
