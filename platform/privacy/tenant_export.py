"""A tenant's whole archive, its import into an empty instance, closing and deletion.

The archive is a zip: `manifest.json` (format, tenant, schema revision, row
counts), `tenant.json` (the organisation's row), `tables/<table>.json` (every
row of every tenant-owned table, core and modules, walked from
`Base.metadata`) and `files/<storage key>` (every stored file a row points
to). It is made by a job and downloaded through a short-lived signed link.

Federation-level rows (licences, programme models, courses) are not in it:
they belong to the model owner's side too and would not resolve in another
instance.

Closing keeps the data for a grace period (`TUKIVERKKO_TENANT_DELETION_GRACE_DAYS`,
default 90) so that the organisation can still take its archive; then the
daily task deletes every row of the tenant and its files, keeping only the
`tenants` row as a tombstone (name and slug, no contacts) so that its
address is never given to someone else.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, Table, Uuid, delete, insert, select, update
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import after_commit, utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.privacy import rights, subjects
from tukiverkko.platform.privacy.models import ExportStatus, TenantExit, TenantExport

log = logging.getLogger(__name__)

FORMAT = "tukiverkko.tenant-archive/1"
DEFAULT_GRACE_DAYS = 90
# Archives are themselves files of the tenant: not put into the next archive.
NOT_ARCHIVED_FILES = frozenset({"tenant_exports"})


# --- export --------------------------------------------------------------------


def _file_keys(table: Table, row: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for column in subjects.FILE_COLUMNS:
        value = row.get(column)
        if not value or str(value).startswith("erased-"):
            continue
        if table.name == "privacy_requests" and column == "export_key":
            keys += list(rights.export_keys(str(value)).values())
        else:
            keys.append(str(value))
    return keys


def _tenant_row(session: Session, tenant_id: uuid.UUID) -> dict[str, Any]:
    from tukiverkko.tenants.models import Tenant

    table = Tenant.__table__
    row = session.execute(select(table).where(table.c.id == tenant_id)).mappings().one()
    return {k: subjects.jsonable(v) for k, v in row.items()}


def _schema_revision(session: Session) -> list[str]:
    from sqlalchemy import text

    try:
        return sorted(session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # pragma: no cover - a database made without Alembic (never in practice)
        return []


def build_archive(session: Session, storage: Any, tenant_id: uuid.UUID) -> bytes:
    """The zip of everything of `tenant_id` (run with the tenant bound, or cross-tenant)."""
    buffer = io.BytesIO()
    counts: dict[str, int] = {}
    files: list[str] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in subjects.tenant_owned_tables():
            has_files = table.name not in NOT_ARCHIVED_FILES and any(
                c.name in subjects.FILE_COLUMNS for c in table.columns
            )
            result = session.execute(
                select(table)
                .where(table.c.tenant_id == tenant_id)
                .execution_options(yield_per=1000)
            ).mappings()
            rows = [dict(row) for row in result]
            if has_files:
                for row in rows:
                    files += _file_keys(table, row)
            counts[table.name] = len(rows)
            archive.writestr(
                f"tables/{table.name}.json",
                json.dumps(rows, ensure_ascii=False, default=subjects.jsonable),
            )
        missing = []
        for key in sorted(set(files)):
            try:
                archive.writestr(f"files/{key}", storage.get(key))
            except KeyError:
                missing.append(key)  # listed: the row points to a file that is gone
        archive.writestr(
            "tenant.json", json.dumps(_tenant_row(session, tenant_id), ensure_ascii=False)
        )
        manifest = {
            "format": FORMAT,
            "tenant_id": str(tenant_id),
            "created_at": utcnow().isoformat(),
            "schema": _schema_revision(session),
            "counts": counts,
            "files": len(set(files)) - len(missing),
            "missing_files": missing,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def request_export(
    session: Session, *, tenant_id: uuid.UUID, requested_by: uuid.UUID
) -> TenantExport:
    """Start an archive of the tenant; a job makes it (in-process by default)."""
    from tukiverkko.platform.jobs import enqueue

    export = TenantExport(status=ExportStatus.PENDING, requested_by=requested_by, error="")
    session.add(export)
    session.flush()
    audit.record(
        session,
        "tenant_export_requested",
        actor_id=requested_by,
        target_type="tenant_export",
        target_id=export.id,
    )
    export_id = str(export.id)
    after_commit(
        session,
        lambda: enqueue(
            "tukiverkko.platform.privacy.tenant_export:run_export", export_id=export_id
        ),
    )
    return export


def run_export(export_id: str) -> str:
    """Job: make the archive of one export request and store it. Idempotent."""
    from tukiverkko.platform.db import get_database
    from tukiverkko.platform.storage import current_storage

    db = get_database()
    storage = current_storage()
    with db.unit_of_work() as s:
        export = s.get(TenantExport, uuid.UUID(export_id))
        if export is None or export.status == ExportStatus.READY:
            return "nothing to do"
        tenant_id = export.tenant_id
    try:
        with db.unit_of_work() as s:
            data = build_archive(s, storage, tenant_id)
        key = f"exports/{tenant_id}/{export_id}.zip"
        storage.put(key, data, "application/zip")
    except Exception as exc:
        log.exception("tenant export failed", extra={"export_id": export_id})
        with db.unit_of_work() as s:
            export = s.get(TenantExport, uuid.UUID(export_id))
            assert export is not None
            export.status = ExportStatus.FAILED
            export.error = f"{type(exc).__name__}"[:500]
        raise
    with db.unit_of_work() as s:
        export = s.get(TenantExport, uuid.UUID(export_id))
        assert export is not None
        export.status = ExportStatus.READY
        export.storage_key = key
        export.size = len(data)
        export.finished_at = utcnow()
    return key


# --- import --------------------------------------------------------------------


def _is_datetime(table: Table, name: str) -> bool:
    column = table.c[name]
    return isinstance(column.type, DateTime) or isinstance(
        getattr(column.type, "impl", None), DateTime
    )


def read_archive(data: bytes) -> tuple[dict[str, Any], zipfile.ZipFile]:
    """The manifest and the open zip; refuses what is not a tenant archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValidationFailed("Not a tenant archive.", code="not_an_archive") from exc
    if manifest.get("format") != FORMAT:
        raise ValidationFailed("Unknown archive format.", code="archive_format")
    return manifest, archive


def import_archive(session: Session, storage: Any, data: bytes) -> dict[str, int]:
    """Load an archive into this instance (run inside `context.cross_tenant`).

    The organisation must not exist here yet (same id or address): the
    import is for moving to an empty instance, not for merging. Ids are
    kept, so links inside the data stay as they were. Returns row counts.
    """
    from tukiverkko.tenants.models import Tenant

    manifest, archive = read_archive(data)
    tenant = json.loads(archive.read("tenant.json"))
    tenant_table = Tenant.__table__
    clash = session.execute(
        select(tenant_table.c.id).where(
            (tenant_table.c.id == uuid.UUID(tenant["id"])) | (tenant_table.c.slug == tenant["slug"])
        )
    ).first()
    if clash is not None:
        raise Conflict("This organisation exists in this instance already.", code="tenant_exists")
    all_tables = subjects.tables()
    unknown = sorted(set(manifest["counts"]) - set(all_tables))
    if unknown:
        raise ValidationFailed(
            f"The archive has tables this instance does not have: {', '.join(unknown)}.",
            code="archive_schema_mismatch",
        )
    session.execute(insert(tenant_table), [_typed(tenant_table, tenant)])
    counts: dict[str, int] = {}
    for table in subjects.tenant_owned_tables():
        if table.name not in manifest["counts"]:
            continue
        rows = json.loads(archive.read(f"tables/{table.name}.json"))
        typed = [_typed(table, row) for row in rows]
        for chunk in _chunks(typed, 1000):
            session.execute(insert(table), chunk)
        counts[table.name] = len(typed)
    files = [n for n in archive.namelist() if n.startswith("files/")]
    for name in files:
        key = name.removeprefix("files/")
        data_bytes = archive.read(name)
        after_commit(session, lambda k=key, b=data_bytes: storage.put(k, b, _content_type(k)))
    audit.record(
        session,
        "tenant_imported",
        tenant_id=uuid.UUID(tenant["id"]),
        target_type="tenant",
        target_id=tenant["id"],
        rows=sum(counts.values()),
        files=len(files),
    )
    return counts


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name not in table.c:
            raise ValidationFailed(
                f"The archive has a column this instance does not know: {table.name}.{name}.",
                code="archive_schema_mismatch",
            )
        column = table.c[name]
        if value is not None:
            if isinstance(column.type, Uuid):
                value = uuid.UUID(value)
            elif _is_datetime(table, name):
                value = datetime.fromisoformat(value)
            elif isinstance(column.type, Date):
                value = date.fromisoformat(value)
        out[name] = value
    return out


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _content_type(key: str) -> str:
    if key.endswith(".json"):
        return "application/json"
    if key.endswith(".html"):
        return "text/html; charset=utf-8"
    return "application/octet-stream"


# --- closing and deletion ------------------------------------------------------------


def close_tenant(
    session: Session,
    tenant: Any,
    *,
    actor_id: uuid.UUID,
    actor_tenant_id: uuid.UUID,
    reason: str,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> TenantExit:
    """Close the organisation: everyone is signed out, the data stays `grace_days`, then goes.

    Must run inside `context.cross_tenant(...)` (as `change_tenant_status`).
    """
    from tukiverkko.tenants.models import TenantStatus
    from tukiverkko.tenants.service import change_tenant_status

    if not reason.strip():
        raise ValidationFailed(
            "Say why the organisation closes.",
            code="reason_required",
            errors={"json": {"reason": ["Required."]}},
        )
    change_tenant_status(
        session,
        tenant,
        TenantStatus.CLOSED,
        actor_id=actor_id,
        actor_tenant_id=actor_tenant_id,
        reason=reason.strip(),
    )
    return _exit_of(session, tenant.id, utcnow(), grace_days, actor_id)


def _exit_of(
    session: Session,
    tenant_id: uuid.UUID,
    closed_at: datetime,
    grace_days: int,
    actor_id: uuid.UUID | None,
) -> TenantExit:
    found = session.scalar(select(TenantExit).where(TenantExit.organisation_id == tenant_id))
    if found is not None:
        return found
    exit_ = TenantExit(
        organisation_id=tenant_id,
        closed_at=closed_at,
        delete_after=closed_at + timedelta(days=grace_days),
        closed_by=actor_id,
        counts={},
    )
    session.add(exit_)
    session.flush()
    return exit_


def purge_tenant(conn: Any, tenant_id: uuid.UUID) -> tuple[dict[str, int], list[str]]:
    """Delete every row of the tenant (needs the table owner's rights: the audit trail too).

    Rows of federation-level tables that point to the tenant's rows lose the
    link (nullable) or go (not nullable: e.g. a coordinator's course
    enrolment). The `tenants` row stays as a tombstone without contacts.
    Returns rows deleted per table and the storage keys to delete.
    """
    from tukiverkko.tenants.models import Tenant

    owned = subjects.tenant_owned_tables()
    owned_names = {t.name for t in owned}
    files: list[str] = []
    for table in owned:
        cols = [c for c in table.columns if c.name in subjects.FILE_COLUMNS]
        for column in cols:
            for value in conn.execute(
                select(column).where(table.c.tenant_id == tenant_id)
            ).scalars():
                files += _file_keys(table, {column.name: value})
    # Federation-level rows that point into the tenant's rows.
    for table in subjects.Base.metadata.sorted_tables:
        if table.name in owned_names:
            continue
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table
                if target.name not in owned_names:
                    continue
                theirs = select(fk.column).where(target.c.tenant_id == tenant_id)
                if column.nullable:
                    conn.execute(
                        update(table).where(column.in_(theirs)).values({column.name: None})
                    )
                else:
                    conn.execute(delete(table).where(column.in_(theirs)))
    counts: dict[str, int] = {}
    for table in reversed(owned):
        n = conn.execute(delete(table).where(table.c.tenant_id == tenant_id)).rowcount
        if n:
            counts[table.name] = int(n)
    tenants = Tenant.__table__
    conn.execute(
        update(tenants)
        .where(tenants.c.id == tenant_id)
        .values(contact_name="", contact_email="", contact_phone="", business_id=None)
    )
    return counts, files


def purge_due(now: datetime | None = None) -> int:
    """Daily task: delete the data of tenants closed longer than the grace period."""
    from flask import current_app

    from tukiverkko.platform import context
    from tukiverkko.platform.db import get_database
    from tukiverkko.tenants.models import Tenant, TenantStatus

    now = now or utcnow()
    app_settings = current_app.config["TUKIVERKKO_SETTINGS"]
    grace_days = app_settings.tenant_deletion_grace_days
    db = get_database()
    with context.cross_tenant("tenant exit: find due"), db.unit_of_work() as s:
        closed = s.execute(
            select(Tenant.id, Tenant.status_changed_at).where(Tenant.status == TenantStatus.CLOSED)
        ).all()
        due = []
        for tenant_id, changed_at in closed:
            # A tenant closed by an operator through the tenants API has no exit row yet.
            exit_ = _exit_of(s, tenant_id, changed_at, grace_days, None)
            if exit_.deleted_at is None and exit_.delete_after <= now:
                due.append(tenant_id)
    for tenant_id in due:
        purge_one(tenant_id, now=now)
    return len(due)


def purge_one(tenant_id: uuid.UUID, *, now: datetime | None = None) -> dict[str, int]:
    """Delete one closed tenant's data and files now, and record it on its exit row."""
    from flask import current_app

    from tukiverkko.platform import context
    from tukiverkko.platform.db import get_database
    from tukiverkko.platform.storage import current_storage

    app_settings = current_app.config["TUKIVERKKO_SETTINGS"]
    db = get_database()
    if app_settings.database_migration_url != app_settings.database_url:
        with rights.owner_connection(app_settings.database_migration_url) as conn:
            counts, files = purge_tenant(conn, tenant_id)
    else:
        with context.cross_tenant("tenant exit: delete"), db.unit_of_work() as s:
            counts, files = purge_tenant(s, tenant_id)
    storage = current_storage()
    for key in files:
        storage.delete(key)
    with context.cross_tenant("tenant exit: record"), db.unit_of_work() as s:
        exit_ = s.scalar(select(TenantExit).where(TenantExit.organisation_id == tenant_id))
        if exit_ is not None:
            exit_.deleted_at = now or utcnow()
            exit_.counts = counts
    log.info(
        "tenant data deleted", extra={"tenant_id": str(tenant_id), "rows": sum(counts.values())}
    )
    return counts


def _register_daily_task() -> None:
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task("tenant_exit_deletion")(purge_due)


_register_daily_task()
