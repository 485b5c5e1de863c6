"""platform/backup.py: the file-store copy with its manifest, the S3 hook, pg-env."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tukiverkko.platform.backup import (
    BackupError,
    LocalFolderBackup,
    S3BucketBackup,
    file_store_backup,
    pg_environment,
)
from tukiverkko.platform.settings import Settings


def test_restore_refuses_a_damaged_backup_before_touching_anything(tmp_path: Path) -> None:
    source = tmp_path / "store"
    (source / "a").mkdir(parents=True)
    (source / "a" / "one.bin").write_bytes(b"1" * 100)
    (source / "two.bin").write_bytes(b"2" * 100)
    LocalFolderBackup(source).backup(tmp_path / "backup")
    (tmp_path / "backup" / "data" / "two.bin").write_bytes(b"X" * 100)  # bit rot

    target = tmp_path / "restored"
    with pytest.raises(BackupError, match=r"damaged: two\.bin"):
        LocalFolderBackup(target).restore(tmp_path / "backup")
    assert not target.exists()


def test_backup_goes_into_a_new_folder_and_skips_partial_files(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "done.txt").write_text("valmis")
    (store / "writing.part").write_text("kesken")
    assert LocalFolderBackup(store).backup(tmp_path / "b") == 1
    with pytest.raises(BackupError, match="not empty"):
        LocalFolderBackup(store).backup(tmp_path / "b")


def test_an_s3_store_is_refused_with_advice_until_implemented(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, s3_bucket="tukiverkko-files")
    backup = file_store_backup(settings)
    assert isinstance(backup, S3BucketBackup)
    with pytest.raises(BackupError, match="tukiverkko-files"):
        backup.backup(tmp_path / "b")
    local = file_store_backup(Settings(var_dir=tmp_path))
    assert local == LocalFolderBackup(tmp_path / "files")


def test_pg_env_is_the_owner_and_survives_shell_quoting(tmp_path: Path) -> None:
    password = "p@ss w'rd;$(rm -rf /)"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TUKIVERKKO_")},
        "TUKIVERKKO_VAR_DIR": str(tmp_path),
        "TUKIVERKKO_DATABASE_URL": "postgresql+psycopg://app@db.internal/tukiverkko",
        "TUKIVERKKO_DATABASE_MIGRATION_URL": (
            "postgresql+psycopg://owner:p%40ss%20w%27rd%3B%24%28rm%20-rf%20%2F%29"
            "@db.internal:6432/tukiverkko"
        ),
    }
    script = (
        f'eval "$({shlex.quote(sys.executable)} -m tukiverkko.platform.backup pg-env)"; '
        'printf "%s|%s|%s|%s|%s" "$PGHOST" "$PGPORT" "$PGUSER" "$PGPASSWORD" "$PGDATABASE"'
    )
    result = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout == f"db.internal|6432|owner|{password}|tukiverkko"


def test_pg_env_refuses_sqlite(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="not PostgreSQL"):
        pg_environment(Settings(var_dir=tmp_path))
