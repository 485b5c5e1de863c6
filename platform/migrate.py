"""Schema changes go through Alembic only, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from tukiverkko.platform.db import make_engine
from tukiverkko.platform.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Tables the application may append to and read, never change: the audit trail.
APPEND_ONLY_TABLES: tuple[str, ...] = ("audit_events",)


def alembic_config(url: str) -> Config:
    """An Alembic config for `url`, without an alembic.ini on disk.

    The version locations are the core's and every registered module's, so
    `upgrade heads` migrates the core and each module's branch (a module
    shipped as its own distribution included: the registry finds it).
    """
    from tukiverkko.platform import plugins

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # os.pathsep between the directories: a path may contain spaces.
    cfg.set_main_option("path_separator", "os")
    locations = [MIGRATIONS_DIR / "versions", *plugins.version_locations()]
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(p).replace("%", "%%") for p in locations)
    )
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(settings: Settings, revision: str = "heads") -> None:
    """Migrate the database to `revision`, then grant the app role its rights."""
    settings = settings.resolved()
    if settings.database_url.startswith("sqlite"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    command.upgrade(alembic_config(settings.database_migration_url), revision)
    if settings.is_postgres and settings.database_app_role:
        grant_app_role(settings.database_migration_url, settings.database_app_role)


def grant_app_role(owner_url: str, role: str) -> None:
    """The app role reads and writes rows but owns nothing, so RLS binds it."""
    engine = make_engine(owner_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
            conn.execute(
                text(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public"
                    f' TO "{role}"'
                )
            )
            conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
            conn.execute(text(f'REVOKE ALL ON alembic_version FROM "{role}"'))
            conn.execute(text(f'GRANT SELECT ON alembic_version TO "{role}"'))
            for table in APPEND_ONLY_TABLES:
                exists = conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()
                if exists:
                    conn.execute(text(f'REVOKE UPDATE, DELETE ON {table} FROM "{role}"'))
    finally:
        engine.dispose()
