"""Backup and restore of the file store, and the database connection for pg_dump.

`infra/backup/backup.sh` and `restore.sh` drive a whole backup: PostgreSQL with
pg_dump/pg_restore, the files with this module. Run as
`python -m tukiverkko.platform.backup COMMAND`, configured by the same
TUKIVERKKO_* variables as the app (docs/operations.md):

- `pg-env` prints `export PGHOST=… PGPASSWORD=…` lines for the migration URL
  (the table owner, who can read and recreate everything). They are meant for
  `eval` in the scripts: the password then never appears on a command line,
  where `ps` would show it.
- `files-backup DEST` copies the file store into DEST, with a manifest of
  every file's size and SHA-256.
- `files-restore SRC` checks every file of SRC against its manifest first,
  and only then copies them into the file store: a damaged backup is refused
  before it overwrites anything.

Both stores are covered: the local folder (`TUKIVERKKO_STORAGE_DIR`) and an
S3-API bucket (`TUKIVERKKO_S3_BUCKET`, with the same endpoint and keys as the
app). Either way the backup is a plain folder with the same manifest, so a
backup of one kind of store can be restored into the other.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url

from tukiverkko.platform.settings import Settings
from tukiverkko.platform.storage import S3Storage, make_storage

MANIFEST = "manifest.json"
# Files the local store is still writing (LocalStorage renames them when complete).
PARTIAL_SUFFIX = ".part"


class BackupError(RuntimeError):
    """A backup cannot be made or restored; the message says why."""


class FileStoreBackup(Protocol):
    """Copies one kind of file store to a folder and back."""

    def backup(self, dest: Path) -> int:
        """Write every stored file (and a manifest) under `dest`; return how many."""
        ...

    def restore(self, src: Path) -> int:
        """Verify `src` against its manifest, then put every file back; return how many."""
        ...


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(src: Path) -> dict[str, dict[str, object]]:
    """The manifest of a files backup: relative path -> size and sha256."""
    try:
        manifest: dict[str, dict[str, object]] = json.loads((src / MANIFEST).read_text())["files"]
    except FileNotFoundError as exc:
        raise BackupError(f"{src} has no {MANIFEST}: not a files backup") from exc
    return manifest


def verify(src: Path) -> dict[str, dict[str, object]]:
    """Check every file of a files backup against its manifest; raise on any difference."""
    manifest = read_manifest(src)
    data = src / "data"
    problems = []
    for name, expected in manifest.items():
        path = data / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            problems.append(f"damaged: {name}")
    if problems:
        raise BackupError(f"the files backup in {src} is not intact: " + ", ".join(problems))
    return manifest


@dataclass(frozen=True)
class LocalFolderBackup:
    """The local folder store: a plain copy, plus a manifest to verify it by."""

    root: Path

    def backup(self, dest: Path) -> int:
        if dest.exists() and any(dest.iterdir()):
            raise BackupError(f"{dest} is not empty: a backup goes into a new folder")
        data = dest / "data"
        data.mkdir(parents=True, exist_ok=True)
        files: dict[str, dict[str, object]] = {}
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*")):
                if not path.is_file() or path.name.endswith(PARTIAL_SUFFIX):
                    continue
                name = path.relative_to(self.root).as_posix()
                target = data / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                # Hash the copy, not the original: the manifest vouches for what was kept.
                files[name] = {"size": target.stat().st_size, "sha256": _sha256(target)}
        (dest / MANIFEST).write_text(
            json.dumps({"store": "local", "files": files}, indent=1, sort_keys=True)
        )
        return len(files)

    def restore(self, src: Path) -> int:
        manifest = verify(src)
        self.root.mkdir(parents=True, exist_ok=True)
        for name in manifest:
            target = _inside(self.root, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + PARTIAL_SUFFIX)
            shutil.copy2(src / "data" / name, tmp)
            tmp.replace(target)  # readers never see half a file
        return len(manifest)


class S3BucketBackup:
    """An S3-API bucket: every object downloaded, with its content type in the manifest.

    Restore verifies the whole backup first, then uploads every object under
    its key (an S3 PUT is atomic: readers never see half an object).
    """

    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage

    def backup(self, dest: Path) -> int:
        if dest.exists() and any(dest.iterdir()):
            raise BackupError(f"{dest} is not empty: a backup goes into a new folder")
        client, bucket = self.storage.client, self.storage.bucket
        data = dest / "data"
        data.mkdir(parents=True, exist_ok=True)
        files: dict[str, dict[str, object]] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                key = item["Key"]
                target = _inside(data, key)
                target.parent.mkdir(parents=True, exist_ok=True)
                obj = client.get_object(Bucket=bucket, Key=key)
                with target.open("wb") as handle:
                    for chunk in obj["Body"].iter_chunks(1024 * 1024):
                        handle.write(chunk)
                files[key] = {
                    "size": target.stat().st_size,
                    "sha256": _sha256(target),
                    "content_type": obj.get("ContentType") or "application/octet-stream",
                }
        (dest / MANIFEST).write_text(
            json.dumps({"store": "s3", "bucket": bucket, "files": files}, indent=1, sort_keys=True)
        )
        return len(files)

    def restore(self, src: Path) -> int:
        manifest = verify(src)
        for key, entry in manifest.items():
            path = _inside(src / "data", key)
            with path.open("rb") as handle:
                self.storage.client.put_object(
                    Bucket=self.storage.bucket,
                    Key=key,
                    Body=handle,
                    ContentType=str(entry.get("content_type") or "application/octet-stream"),
                )
        return len(manifest)


def _inside(root: Path, key: str) -> Path:
    """`root/key`, refusing a key that would land outside `root` (`../`, absolute)."""
    target = root / key
    if not target.resolve().is_relative_to(root.resolve()):
        raise BackupError(f"refusing a path outside the backup: {key!r}")
    return target


def file_store_backup(settings: Settings) -> FileStoreBackup:
    """The backup for the file store the settings configure."""
    settings = settings.resolved()
    if settings.s3_bucket:
        storage = make_storage(settings)
        assert isinstance(storage, S3Storage)
        return S3BucketBackup(storage)
    assert settings.storage_dir is not None  # resolved() fills it in
    return LocalFolderBackup(settings.storage_dir)


def pg_environment(settings: Settings) -> dict[str, str]:
    """libpq variables (PGHOST…) for the migration URL: the owner reads and recreates all."""
    settings = settings.resolved()
    if not settings.database_migration_url.startswith("postgresql"):
        raise BackupError(
            "TUKIVERKKO_DATABASE_MIGRATION_URL (or TUKIVERKKO_DATABASE_URL) is not PostgreSQL: "
            "the backup scripts are for PostgreSQL (copy the SQLite file instead)"
        )
    url = make_url(settings.database_migration_url)
    values = {
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or ""),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
    }
    return {key: value for key, value in values.items() if value}


def main(argv: list[str] | None = None) -> int:
    """`python -m tukiverkko.platform.backup pg-env | files-backup DEST | files-restore SRC`."""
    args = sys.argv[1:] if argv is None else argv
    settings = Settings.from_env()
    try:
        match args:
            case ["pg-env"]:
                for key, value in pg_environment(settings).items():
                    print(f"export {key}={shlex.quote(value)}")
            case ["files-backup", dest]:
                count = file_store_backup(settings).backup(Path(dest))
                print(f"files: {count} backed up to {dest}", file=sys.stderr)
            case ["files-restore", src]:
                count = file_store_backup(settings).restore(Path(src))
                print(f"files: {count} restored from {src}", file=sys.stderr)
            case _:
                print(main.__doc__, file=sys.stderr)
                return 2
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
