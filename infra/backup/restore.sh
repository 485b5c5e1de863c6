#!/usr/bin/env bash
# Restore a backup made by backup.sh: the database, then the file store.
#
#   infra/backup/restore.sh BACKUP_DIR
#
# Stop the web tier, the workers and the scheduler first. The database named by
# TUKIVERKKO_DATABASE_MIGRATION_URL must exist (empty, or holding the data to replace) and
# be owned by that role; both PostgreSQL roles (owner and app role) must exist, as on the
# original server (docs/operations.md). Objects are recreated with their owner, grants
# and row-level security policies, in one transaction: a failed restore changes nothing.
# The files are checked against the backup's manifest before any is copied.
set -euo pipefail

src=${1:?usage: restore.sh BACKUP_DIR}
PYTHON=${PYTHON:-python3}
if [ -n "${PG_BIN:-}" ]; then
  PATH="$PG_BIN:$PATH"
elif ! command -v pg_restore >/dev/null 2>&1; then
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$newest" ] && PATH="$newest:$PATH"
fi
[ -f "$src/database.dump" ] || { echo "error: $src/database.dump is missing" >&2; exit 1; }
[ -f "$src/files/manifest.json" ] || { echo "error: $src/files/manifest.json is missing" >&2; exit 1; }

eval "$("$PYTHON" -m tukiverkko.platform.backup pg-env)"

pg_restore --clean --if-exists --single-transaction --exit-on-error --no-password \
  --dbname="$PGDATABASE" "$src/database.dump"
"$PYTHON" -m tukiverkko.platform.backup files-restore "$src/files"
echo "restored from $src"
