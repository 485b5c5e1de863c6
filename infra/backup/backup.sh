#!/usr/bin/env bash
# Back up Tukiverkko: the PostgreSQL database (pg_dump, custom format) and the file store.
#
#   infra/backup/backup.sh DEST_ROOT      -> prints DEST_ROOT/tukiverkko-<UTC time>
#
# Configured by the app's own variables (docs/operations.md): the database through
# TUKIVERKKO_DATABASE_MIGRATION_URL (the table owner; TUKIVERKKO_DATABASE_URL if unset), the
# files through TUKIVERKKO_STORAGE_DIR or the S3-API bucket (TUKIVERKKO_S3_*). Needs pg_dump of the server's major version or newer
# (PG_BIN=/usr/lib/postgresql/15/bin to choose one) and a Python with Tukiverkko installed
# (PYTHON=..., default python3). The web and workers may keep running: pg_dump reads one
# consistent snapshot.
set -euo pipefail

dest_root=${1:?usage: backup.sh DEST_ROOT}
PYTHON=${PYTHON:-python3}
if [ -n "${PG_BIN:-}" ]; then
  PATH="$PG_BIN:$PATH"
elif ! command -v pg_dump >/dev/null 2>&1; then
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$newest" ] && PATH="$newest:$PATH"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$dest_root/tukiverkko-$stamp"
work="$dest.partial"
mkdir -p "$work"
trap 'rm -rf "$work"' ERR

# libpq variables from the settings; eval keeps the password off every command line.
eval "$("$PYTHON" -m tukiverkko.platform.backup pg-env)"

# Database first, files second: a file written in between is only an unreferenced extra,
# whereas the other order could keep a row whose file is missing.
pg_dump --format=custom --no-password --file="$work/database.dump"
"$PYTHON" -m tukiverkko.platform.backup files-backup "$work/files"

# Only a complete backup gets its final name.
mv "$work" "$dest"
echo "$dest"
