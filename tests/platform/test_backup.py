"""platform/backup.py: the file-store copy with its manifest (local folder and a real S3-API
server on loopback), pg-env."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.s3 import s3_bucket
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


def test_the_settings_choose_the_store_to_back_up(tmp_path: Path) -> None:
    s3 = file_store_backup(
        Settings(var_dir=tmp_path, s3_bucket="tukiverkko-files", s3_region="eu-north-1")
    )
    assert isinstance(s3, S3BucketBackup) and s3.storage.bucket == "tukiverkko-files"
    local = file_store_backup(Settings(var_dir=tmp_path))
    assert local == LocalFolderBackup(tmp_path / "files")


def test_s3_bucket_backup_wipe_restore_keeps_bytes_and_content_types(
    s3_endpoint: str, tmp_path: Path
) -> None:
    storage = s3_bucket(s3_endpoint, "backup-source")
    objects = {
        "t1/materials/opas ääkköset.pdf": (b"%PDF-1.7 " + os.urandom(3000), "application/pdf"),
        "t2/logo.png": (os.urandom(70_000), "image/png"),
        "empty.txt": (b"", "text/plain"),
    }
    for key, (data, ctype) in objects.items():
        storage.put(key, data, ctype)
    assert S3BucketBackup(storage).backup(tmp_path / "backup") == 3

    for key in objects:  # the bucket is lost
        storage.delete(key)
    assert "Contents" not in storage.client.list_objects_v2(Bucket=storage.bucket)

    assert S3BucketBackup(storage).restore(tmp_path / "backup") == 3
    for key, (data, ctype) in objects.items():
        obj = storage.client.get_object(Bucket=storage.bucket, Key=key)
        assert obj["Body"].read() == data
        assert obj["ContentType"] == ctype


def test_s3_restore_refuses_a_damaged_backup_before_uploading(
    s3_endpoint: str, tmp_path: Path
) -> None:
    source = s3_bucket(s3_endpoint, "damaged-source")
    source.put("a.txt", b"one", "text/plain")
    source.put("b.txt", b"two", "text/plain")
    S3BucketBackup(source).backup(tmp_path / "backup")
    (tmp_path / "backup" / "data" / "b.txt").write_bytes(b"owt")

    target = s3_bucket(s3_endpoint, "damaged-target")
    with pytest.raises(BackupError, match=r"damaged: b\.txt"):
        S3BucketBackup(target).restore(tmp_path / "backup")
    assert "Contents" not in target.client.list_objects_v2(Bucket=target.bucket)


def test_a_local_backup_restores_into_a_bucket(s3_endpoint: str, tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "x").mkdir(parents=True)
    (store / "x" / "kirje.txt").write_text("hei")
    LocalFolderBackup(store).backup(tmp_path / "backup")
    target = s3_bucket(s3_endpoint, "moved-here")
    assert S3BucketBackup(target).restore(tmp_path / "backup") == 1
    assert target.get("x/kirje.txt") == b"hei"


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
