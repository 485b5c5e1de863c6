"""infra/backup/backup.sh and restore.sh for real: back up a seeded PostgreSQL database and
the file folder, wipe both, restore, and find every row and every file again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from tests.conftest import base_settings
from tests.factories import make_org
from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import User
from tukiverkko.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "infra" / "backup"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def snapshot(postgres: PostgresServer, database: str) -> dict[str, list[str]]:
    """Every row of every table (as text, in a stable order), read as the superuser."""
    with psycopg.connect(postgres.dsn(database, "postgres"), autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: [row[0] for row in conn.execute(f'SELECT t::text FROM "{table}" t ORDER BY 1')]
            for table in tables
        }


def policies(postgres: PostgresServer, database: str) -> list[tuple[str, ...]]:
    """Row-level security policies and table grants: a restore must bring them back too."""
    with psycopg.connect(postgres.dsn(database, "postgres"), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT 'policy', tablename, policyname FROM pg_policies WHERE schemaname = 'public'"
            " UNION ALL SELECT 'grant', table_name, grantee || ':' || privilege_type"
            " FROM information_schema.role_table_grants WHERE table_schema = 'public'"
            " ORDER BY 1, 2, 3"
        )
        return [tuple(row) for row in rows]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def run_script(name: str, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        ["bash", str(SCRIPTS / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_backup_wipe_restore_finds_every_row_and_file(
    postgres: PostgresServer, postgres_template: str, tmp_path: Path
) -> None:
    name = f"backup_{uuid.uuid4().hex[:8]}"
    postgres.sql(
        "postgres", f"CREATE DATABASE {name} TEMPLATE {postgres_template} OWNER {OWNER_ROLE}"
    )
    storage = tmp_path / "files"
    settings = base_settings(
        tmp_path,
        database_url=postgres.url(name, APP_ROLE),
        database_migration_url=postgres.url(name),
        database_app_role=APP_ROLE,
        storage_dir=storage,
    )
    try:
        _round_trip(postgres, name, settings, storage, tmp_path)
    finally:
        postgres.sql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _round_trip(
    postgres: PostgresServer, name: str, settings: Settings, storage: Path, tmp_path: Path
) -> None:
    # Seed: two organisations with people, audit events and notifications (as the app role).
    database = Database(settings.database_url)
    orgs = [make_org(database) for _ in range(2)]
    database.dispose()
    files = {
        f"{orgs[0].id}/materials/opas.pdf": b"%PDF-1.7 " + os.urandom(4096),
        f"{orgs[1].id}/liitteet/kuva ääkkösin.png": os.urandom(70_000),
        "empty.txt": b"",
    }
    for key, data in files.items():
        path = storage / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (storage / "half-written.part").write_bytes(b"in progress")  # never backed up
    rows_before = snapshot(postgres, name)
    security_before = policies(postgres, name)
    assert sum(len(rows) for rows in rows_before.values()) > 10
    assert security_before

    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("TUKIVERKKO_", "PG"))
    }
    env.update(
        {
            "PYTHON": sys.executable,
            "TUKIVERKKO_VAR_DIR": str(tmp_path / "var"),
            "TUKIVERKKO_DATABASE_URL": settings.database_url,
            "TUKIVERKKO_DATABASE_MIGRATION_URL": settings.database_migration_url,
            "TUKIVERKKO_STORAGE_DIR": str(storage),
        }
    )
    backup_dir = Path(run_script("backup.sh", str(tmp_path / "backups"), env=env).strip())
    assert backup_dir.name.startswith("tukiverkko-")
    assert (backup_dir / "database.dump").stat().st_size > 0
    assert not list((tmp_path / "backups").glob("*.partial"))

    # Wipe both: a new, empty database of the same name, and no files at all.
    postgres.sql(
        "postgres",
        f"DROP DATABASE {name} WITH (FORCE)",
        f"CREATE DATABASE {name} OWNER {OWNER_ROLE}",
    )
    shutil.rmtree(storage)
    assert snapshot(postgres, name) == {}

    run_script("restore.sh", str(backup_dir), env=env)

    assert snapshot(postgres, name) == rows_before
    assert policies(postgres, name) == security_before
    assert files_of(storage) == files

    # The app role reads the restored rows through row-level security, one tenant at a time.
    database = Database(settings.database_url)
    try:
        for org in orgs:
            with context.bind(tenant_id=org.id), database.unit_of_work() as s:
                assert s.scalar(select(func.count()).select_from(User)) == len(org.people)
    finally:
        database.dispose()
