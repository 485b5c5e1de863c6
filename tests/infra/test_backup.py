"""infra/backup/backup.sh and restore.sh for real: back up a seeded PostgreSQL database and
the file store (the local folder, or a bucket on a real S3-API server on loopback), wipe both,
restore, and find every row and every file again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psycopg
import pytest
from sqlalchemy import func, select

from tests.conftest import base_settings
from tests.factories import make_org
from tests.support.s3 import REGION, s3_bucket
from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import User
from tukiverkko.platform.settings import Settings
from tukiverkko.platform.storage import S3Storage

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


@pytest.mark.parametrize("store", ["local", "s3"])
def test_backup_wipe_restore_finds_every_row_and_file(
    postgres: PostgresServer,
    postgres_template: str,
    tmp_path: Path,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    files: FileStore = LocalFiles(tmp_path / "files")
    if store == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        files = BucketFiles(s3_bucket(endpoint, f"files-{uuid.uuid4().hex[:8]}"), endpoint)
    name = f"backup_{uuid.uuid4().hex[:8]}"
    postgres.sql(
        "postgres", f"CREATE DATABASE {name} TEMPLATE {postgres_template} OWNER {OWNER_ROLE}"
    )
    settings = base_settings(
        tmp_path,
        database_url=postgres.url(name, APP_ROLE),
        database_migration_url=postgres.url(name),
        database_app_role=APP_ROLE,
    )
    try:
        _round_trip(postgres, name, settings, files, tmp_path)
    finally:
        postgres.sql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class FileStore(Protocol):
    def write(self, key: str, data: bytes) -> None: ...
    def read_all(self) -> dict[str, bytes]: ...
    def wipe(self) -> None: ...
    def env(self) -> dict[str, str]: ...


@dataclass
class LocalFiles:
    root: Path

    def write(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def read_all(self) -> dict[str, bytes]:
        return files_of(self.root)

    def wipe(self) -> None:
        shutil.rmtree(self.root)

    def env(self) -> dict[str, str]:
        return {"TUKIVERKKO_STORAGE_DIR": str(self.root)}


@dataclass
class BucketFiles:
    storage: S3Storage
    endpoint: str

    def write(self, key: str, data: bytes) -> None:
        self.storage.put(key, data, "application/octet-stream")

    def _keys(self) -> list[str]:
        listing = self.storage.client.list_objects_v2(Bucket=self.storage.bucket)
        return [item["Key"] for item in listing.get("Contents", [])]

    def read_all(self) -> dict[str, bytes]:
        return {key: self.storage.get(key) for key in self._keys()}

    def wipe(self) -> None:
        for key in self._keys():
            self.storage.delete(key)

    def env(self) -> dict[str, str]:
        return {
            "TUKIVERKKO_S3_ENDPOINT_URL": self.endpoint,
            "TUKIVERKKO_S3_BUCKET": self.storage.bucket,
            "TUKIVERKKO_S3_ACCESS_KEY": "testing",
            "TUKIVERKKO_S3_SECRET_KEY": "testing",
            "TUKIVERKKO_S3_REGION": REGION,
        }


def _round_trip(
    postgres: PostgresServer, name: str, settings: Settings, store: FileStore, tmp_path: Path
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
        store.write(key, data)
    if isinstance(store, LocalFiles):
        (store.root / "half-written.part").write_bytes(b"in progress")  # never backed up
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
            **store.env(),
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
    store.wipe()
    assert snapshot(postgres, name) == {}
    assert store.read_all() == {}

    run_script("restore.sh", str(backup_dir), env=env)

    assert snapshot(postgres, name) == rows_before
    assert policies(postgres, name) == security_before
    assert store.read_all() == files

    # The app role reads the restored rows through row-level security, one tenant at a time.
    database = Database(settings.database_url)
    try:
        for org in orgs:
            with context.bind(tenant_id=org.id), database.unit_of_work() as s:
                assert s.scalar(select(func.count()).select_from(User)) == len(org.people)
    finally:
        database.dispose()
