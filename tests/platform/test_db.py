"""The schema comes from Alembic only, and tenant isolation holds in both layers."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, delete, select, text, update

from tests.factories import make_org
from tukiverkko.platform import context
from tukiverkko.platform.db import Base, Database, TenantMismatch
from tukiverkko.platform.identity.models import Role, User
from tukiverkko.platform.models import load_models
from tukiverkko.platform.settings import Settings


def test_models_and_migrations_do_not_drift(settings: Settings) -> None:
    load_models()
    engine = create_engine(settings.database_migration_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_every_tenant_owned_table_is_filtered_and_has_a_policy(settings: Settings) -> None:
    load_models()
    tenant_owned = {t.name for t in Base.metadata.sorted_tables if "tenant_id" in t.c}
    assert {"users", "audit_events"} <= tenant_owned
    if not settings.is_postgres:
        return
    engine = create_engine(settings.database_migration_url)
    with engine.connect() as conn:
        protected = set(
            conn.scalars(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname"
                    " WHERE c.relrowsecurity"
                )
            )
        )
        per_row = set(
            conn.scalars(
                text(
                    "SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'"
                    " AND (qual NOT LIKE '%SELECT current_setting(''app.cross_tenant''%'"
                    " OR qual NOT LIKE '%SELECT (NULLIF(current_setting(''app.tenant_id''%')"
                )
            )
        )
    engine.dispose()
    assert tenant_owned <= protected, f"no row-level security on {tenant_owned - protected}"
    # Migration 0014: every policy reads the settings once per query, not once per row.
    assert per_row == set(), f"policies still read the settings per row: {per_row}"


def test_orm_filter_reads_only_the_current_tenant(database: Database) -> None:
    a, b = make_org(database), make_org(database)
    for org in (a, b, a):  # back to A: a cached statement must not keep B's id
        with context.bind(tenant_id=org.id), database.unit_of_work() as db:
            users = db.scalars(select(User)).all()
            assert {u.tenant_id for u in users} == {org.id}
            assert db.get(User, (b if org is a else a).people[Role.VOLUNTEER]) is None


def test_no_tenant_in_context_sees_nothing(database: Database) -> None:
    make_org(database)
    with database.unit_of_work() as db:
        assert db.scalars(select(User)).all() == []


def test_bulk_update_and_delete_are_filtered(database: Database) -> None:
    a, b = make_org(database), make_org(database)
    with context.bind(tenant_id=a.id), database.unit_of_work() as db:
        db.execute(update(User).values(name="renamed"))
        db.execute(delete(User).where(User.role == Role.VOLUNTEER))
    with context.cross_tenant("test"), database.unit_of_work() as db:
        b_users = db.scalars(select(User).where(User.tenant_id == b.id)).all()
        assert len(b_users) == 3
        assert all(u.name != "renamed" for u in b_users)


def test_inserts_are_stamped_and_foreign_rows_refused(database: Database) -> None:
    a, b = make_org(database), make_org(database)
    with context.bind(tenant_id=a.id), database.unit_of_work() as db:
        user = User(email="uusi@a.example", role=Role.VOLUNTEER, status="invited")
        db.add(user)
        db.flush()
        assert user.tenant_id == a.id
    with pytest.raises(TenantMismatch), context.bind(tenant_id=a.id), database.unit_of_work() as db:
        db.add(User(tenant_id=b.id, email="x@b.example", role=Role.VOLUNTEER, status="invited"))
    with pytest.raises(TenantMismatch), database.unit_of_work() as db:
        db.add(User(email="nobody@x.example", role=Role.VOLUNTEER, status="invited"))


def test_database_policies_hold_when_the_orm_filter_is_bypassed(
    settings: Settings, database: Database
) -> None:
    if not settings.is_postgres:
        pytest.skip("row-level security is PostgreSQL's")
    a, b = make_org(database), make_org(database)
    # Raw SQL on the application's own connection: no ORM filter at all.
    with database.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM users")) == 0
        conn.rollback()
        with conn.begin():
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(b.id)})
            tenants = set(conn.scalars(text("SELECT tenant_id FROM users")))
            assert tenants == {b.id}
            # and no row of A can be written or moved into reach
            changed = conn.execute(
                text("UPDATE users SET name = 'x' WHERE tenant_id = :a"), {"a": str(a.id)}
            ).rowcount
            assert changed == 0
        with conn.begin():
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(b.id)})
            with pytest.raises(Exception, match="row-level security"):
                conn.execute(
                    text(
                        "INSERT INTO users (id, tenant_id, email, name, role, status, language,"
                        " created_at) VALUES (gen_random_uuid(), :a, 'e@x', 'n', 'volunteer',"
                        " 'invited', 'fi', now())"
                    ),
                    {"a": str(a.id)},
                )


def test_the_app_role_cannot_rewrite_the_audit_log(settings: Settings, database: Database) -> None:
    if not settings.is_postgres:
        pytest.skip("table privileges are PostgreSQL's")
    with database.engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute(text("DELETE FROM audit_events"))


def test_migrations_have_one_head_per_branch() -> None:
    """One head for the core, plus one per module with tables, each on its own branch.

    A module's revisions live in its own version directory (platform/plugins.py);
    its first revision is labelled with the module's key and depends on a core
    revision. Two heads within one directory still need a merge revision.
    """
    from pathlib import Path

    from alembic.script import ScriptDirectory

    from tukiverkko.platform import plugins
    from tukiverkko.platform.migrate import MIGRATIONS_DIR, alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    core_dir = (MIGRATIONS_DIR / "versions").resolve()
    module_dirs = {m.key: m.migrations.resolve() for m in plugins.all_modules() if m.migrations}

    def directory(revision: str) -> Path:
        return Path(script.get_revision(revision).path).resolve().parent

    heads = script.get_heads()
    core_heads = [h for h in heads if directory(h) == core_dir]
    assert len(core_heads) == 1, f"several core heads {core_heads}: add a merge revision"
    for key, folder in module_dirs.items():
        own = [h for h in heads if directory(h) == folder]
        assert len(own) == 1, f"module {key}: heads {own}, want exactly one"
        (head,) = own
        assert key in script.get_revision(head).branch_labels, f"{key}: not on its own branch"
        bases = [r for r in script.walk_revisions() if directory(r.revision) == folder]
        roots = [r for r in bases if not r.down_revision]
        assert len(roots) == 1 and roots[0].dependencies, f"{key}: one base, depending on core"
        for dependency in script.get_revisions(roots[0].dependencies):
            assert directory(dependency.revision) == core_dir, f"{key} depends on a non-core rev"
    assert len(heads) == 1 + len(module_dirs), f"heads outside core and modules: {heads}"


@pytest.mark.parametrize("backend", ["postgresql"])  # a socket: shared, it would break
def test_a_forked_process_uses_connections_of_its_own(database: Database) -> None:
    # gunicorn forks its workers from a master that loaded the app, RQ a work
    # horse per job: a child talking over its parent's pooled socket would mix
    # both sides' statements on one connection.
    def backend_pid() -> int:
        with context.cross_tenant("test"), database.unit_of_work() as db:
            return int(db.scalar(text("SELECT pg_backend_pid()")))

    parent_connection = backend_pid()
    assert database.engine.pool.checkedin() >= 1  # the parent's connection, kept for reuse
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child reports its connection and exits without pytest's teardown
        code = 1
        try:
            pool_was_empty = database.engine.pool.checkedin() == 0
            os.write(write, f"{pool_was_empty} {backend_pid()}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        pool_was_empty, child_connection = pipe.read().split()
    assert os.waitpid(child, 0)[1] == 0
    assert pool_was_empty == "True"
    assert child_connection != str(parent_connection)
    # The child closed nothing of the parent's: its pooled connection still serves it.
    assert backend_pid() == parent_connection
