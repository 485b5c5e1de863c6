"""Where one person's data is: found by walking `Base.metadata`, core and module tables alike.

A person (a *subject*) is a volunteer record, a participant record (with
their guardian's contact details) or an account. Their data is every row
that points at that record through a foreign key, and every row that
points at those rows in turn (a match of the volunteer, the meetings of
that match, the replies to those meetings), plus the few links that are
not foreign keys (`consents.subject_id`). Nothing here names a module's
table: a module's tables take part because they point at volunteers,
participants, matches or users like any core table does.

Which columns are personal is decided by type, with explicit exceptions:
text and JSON columns of a linked row are personal (names, contacts,
free-text notes, matching tags); keys, enums, numbers, booleans and dates
are not (they are what the aggregate figures count). A model may say
otherwise per column with `mapped_column(..., info={"personal": False})`
(or `True`), and a foreign key to `users` with
`info={"privacy": "subject"}` (the default is that only `user_id` and
`respondent_user_id` are about the user; `recorded_by`, `author_id` and
the like say who wrote a row, which stays).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Enum, String, Table, Text, select, update
from sqlalchemy.orm import Session

from tukiverkko.platform.db import Base, TenantOwned
from tukiverkko.platform.privacy.models import SubjectType

# The record each kind of subject is.
ROOT_TABLE = {
    SubjectType.VOLUNTEER: "volunteers",
    SubjectType.PARTICIPANT: "participants",
    SubjectType.USER: "users",
}

# Foreign keys to `users` that say the row is about that user (else: who wrote it).
USER_SUBJECT_COLUMNS = frozenset({"user_id", "respondent_user_id"})

# Rows not followed from a person: the privacy machinery's own log and the
# audit trail (append-only; identifiers in it are redacted, see `rights`).
NOT_WALKED = frozenset(
    {"privacy_requests", "erased_subjects", "tenant_exports", "tenant_exits", "audit_events"}
)

# Links that are not foreign keys: (table, type column, id column, {type value: subject type}).
POLYMORPHIC_LINKS: tuple[tuple[str, str, str, dict[str, SubjectType]], ...] = (
    (
        "consents",
        "subject_type",
        "subject_id",
        {"volunteer": SubjectType.VOLUNTEER, "participant": SubjectType.PARTICIPANT},
    ),
)

# Rows about a person that count nothing in any figure: deleted on erasure
# rather than kept anonymous. A background check may not outlive the need
# for it (Act 148/2014), sessions and links are the account's machinery.
DELETED_ON_ERASURE = frozenset(
    {
        "background_checks",
        "auth_sessions",
        "one_time_tokens",
        "notifications",
        "notification_opt_outs",
    }
)

# Text columns of core tables that stay: codes the reports count by, not words
# about a person.
KEPT_COLUMNS = frozenset(
    {
        "matches.close_reason",
        "users.language",
        "users.role",
        "auth_sessions.kind",
        "volunteers.status",
        "participants.status",
        # Detached and stripped of free text instead (see `rights._erase_feedback`).
        "feedback_answers.answers",
    }
)

# Columns that hold the storage key of a file about the person.
FILE_COLUMNS = frozenset({"storage_key", "export_key"})

# Column names whose values identify the person: searched for everywhere else.
IDENTIFIER_HINTS = ("name", "email", "phone", "given_by")
NOT_IDENTIFIERS = frozenset({"self", "", "erased"})
MIN_NEEDLE = 3


@dataclass(frozen=True)
class Subject:
    """One person, as the request log names them."""

    type: SubjectType
    id: uuid.UUID


@dataclass
class Footprint:
    """A person's rows, by table: primary-key values of each linked row."""

    rows: dict[str, set[Any]] = field(default_factory=dict)

    def add(self, table: str, ids: Iterable[Any]) -> set[Any]:
        known = self.rows.setdefault(table, set())
        new = set(ids) - known
        known |= new
        return new

    def count(self) -> int:
        return sum(len(v) for v in self.rows.values())


def tables() -> dict[str, Table]:
    """Every table of the complete metadata (core and modules)."""
    from tukiverkko.platform.models import load_models

    load_models()
    return dict(Base.metadata.tables)


def tenant_owned_tables() -> list[Table]:
    """Tables of `TenantOwned` models, in foreign-key order (parents first)."""
    tables()
    owned = {
        mapper.local_table.name
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantOwned) and isinstance(mapper.local_table, Table)
    }
    return [t for t in Base.metadata.sorted_tables if t.name in owned]


def _pk(table: Table) -> Column[Any]:
    cols = list(table.primary_key.columns)
    if len(cols) != 1:
        raise RuntimeError(f"{table.name}: privacy needs a single-column primary key")
    return cols[0]


def _is_subject_link(column: Column[Any], target: str) -> bool:
    explicit = column.info.get("privacy")
    if explicit is not None:
        return bool(explicit == "subject")
    if target == "users":
        return column.name in USER_SUBJECT_COLUMNS
    return True


def _links_to(table_name: str) -> Iterator[tuple[Table, Column[Any]]]:
    """(table, column) pairs whose column is a subject link to `table_name`'s key."""
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_WALKED:
            continue
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table.name == table_name and _is_subject_link(column, table_name):
                    yield table, column


def footprint(session: Session, tenant_id: uuid.UUID, subject: Subject) -> Footprint:
    """Every row about `subject` in their tenant (a handful of queries per linked table).

    A volunteer's linked account is the same person, and so is the volunteer
    record of an account: both are followed.
    """
    all_tables = tables()
    found = Footprint()
    root = all_tables[ROOT_TABLE[subject.type]]
    exists = session.execute(
        select(_pk(root)).where(_pk(root) == subject.id, root.c.tenant_id == tenant_id)
    ).first()
    if exists is None:
        return found
    frontier: list[tuple[str, set[Any]]] = [(root.name, found.add(root.name, [subject.id]))]
    if subject.type == SubjectType.VOLUNTEER:
        user_id = session.scalar(select(root.c.user_id).where(_pk(root) == subject.id))
        # The account is the same person; it goes with the record unless it still
        # serves another volunteering of theirs that has not ended.
        still_active = session.scalar(
            select(_pk(root)).where(
                root.c.user_id == user_id,
                _pk(root) != subject.id,
                root.c.status != "ended",
                root.c.tenant_id == tenant_id,
            )
        )
        if user_id is not None and still_active is None:
            frontier.append(("users", found.add("users", [user_id])))
    while frontier:
        name, ids = frontier.pop()
        if not ids:
            continue
        for table, column in _links_to(name):
            stmt = select(_pk(table)).where(column.in_(list(ids)))
            if "tenant_id" in table.c:
                stmt = stmt.where(table.c.tenant_id == tenant_id)
            new = found.add(table.name, session.scalars(stmt))
            if new:
                frontier.append((table.name, new))
        for link_table, type_col, id_col, kinds in POLYMORPHIC_LINKS:
            wanted = [value for value, kind in kinds.items() if ROOT_TABLE[kind] == name]
            table = all_tables.get(link_table)
            if not wanted or table is None:
                continue
            stmt = select(_pk(table)).where(
                table.c[type_col].in_(wanted),
                table.c[id_col].in_(list(ids)),
                table.c.tenant_id == tenant_id,
            )
            new = found.add(table.name, session.scalars(stmt))
            if new:
                frontier.append((table.name, new))
    return found


def is_text(column: Column[Any]) -> bool:
    """A column that holds words or a JSON document (enums are codes, not words)."""
    return not isinstance(column.type, Enum) and isinstance(column.type, String | Text | JSON)


def personal_columns(table: Table) -> list[Column[Any]]:
    """The columns of `table` that erasure empties."""
    out = []
    for column in table.columns:
        declared = column.info.get("personal")
        if declared is False or f"{table.name}.{column.name}" in KEPT_COLUMNS:
            continue
        if column.primary_key or column.foreign_keys or column.name == "tenant_id":
            continue
        if declared is True or is_text(column):
            out.append(column)
    return out


def text_columns(table: Table) -> list[Column[Any]]:
    """Every text or JSON column (searched for a person's identifiers)."""
    return [c for c in table.columns if is_text(c) and not c.primary_key]


def jsonable(value: Any) -> Any:
    """A column value as JSON (ids and times as ISO strings)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def rows_of(session: Session, fp: Footprint) -> dict[str, list[dict[str, Any]]]:
    """The linked rows themselves, as JSON-ready dicts, per table (no tenant id, no hashes)."""
    all_tables = tables()
    out: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(fp.rows):
        table = all_tables[name]
        ids = sorted(fp.rows[name], key=str)
        rows = session.execute(select(table).where(_pk(table).in_(ids))).mappings()
        out[name] = [{k: jsonable(v) for k, v in row.items() if not _secret(k)} for row in rows]
    return out


def _secret(column: str) -> bool:
    """Not in a person's export: the tenant id, and hashes of passwords and tokens."""
    return column == "tenant_id" or column.endswith("_hash") or "secret" in column


def identifiers(session: Session, fp: Footprint) -> set[str]:
    """The person's names, emails and phone numbers, as stored in their rows.

    Searched for in every text column of the tenant, so a note elsewhere that
    names them is found too. Short strings (under three characters) are
    left out: they would match inside unrelated words.
    """
    all_tables = tables()
    found: set[str] = set()
    for name, ids in fp.rows.items():
        table = all_tables[name]
        cols = [
            c
            for c in table.columns
            if isinstance(c.type, String)
            and not isinstance(c.type, Enum | Text)
            and any(h in c.name for h in IDENTIFIER_HINTS)
        ]
        if not cols:
            continue
        for row in session.execute(select(*cols).where(_pk(table).in_(list(ids)))):
            for value in row:
                if isinstance(value, str):
                    found |= _variants(value.strip())
    return {v for v in found if len(v) >= MIN_NEEDLE and v.lower() not in NOT_IDENTIFIERS}


def _variants(value: str) -> set[str]:
    """A value and its common other spellings (a phone number with and without +358)."""
    out = {value}
    digits = re.sub(r"[\s\-()]", "", value)
    if re.fullmatch(r"\+?\d{6,15}", digits):
        out.add(digits)
        if digits.startswith("+358"):
            out.add("0" + digits[4:])
        elif digits.startswith("0"):
            out.add("+358" + digits[1:])
    return out


def needle_pattern(needles: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for all the identifiers (longest first)."""
    ordered = sorted({n for n in needles if n}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)


REDACTED = "***"


def redact_value(value: Any, pattern: re.Pattern[str]) -> Any:
    """`value` with every identifier replaced, walking into JSON lists and objects."""
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [redact_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v, pattern) for k, v in value.items()}
    return value


def redact_tenant_text(
    session: Session,
    tenant_id: uuid.UUID,
    pattern: re.Pattern[str],
    *,
    skip: Iterable[str] = ("audit_events",),
) -> dict[str, int]:
    """Replace the identifiers in every text column of every tenant-owned table.

    One read per table, streamed; only changed rows are written. Returns the
    number of rows changed per table.
    """
    changed: dict[str, int] = {}
    skipped = set(skip)
    for table in tenant_owned_tables():
        if table.name in skipped:
            continue
        cols = text_columns(table)
        if not cols:
            continue
        pk = _pk(table)
        stmt = select(pk, *cols).where(table.c.tenant_id == tenant_id)
        updates: list[dict[str, Any]] = []
        for row in session.execute(stmt.execution_options(yield_per=500)):
            new = {}
            for col, value in zip(cols, row[1:], strict=True):
                if value is None:
                    continue
                redacted = redact_value(value, pattern)
                if redacted != value:
                    new[col.name] = _fit(col, redacted)
            if new:
                updates.append({"pk": row[0], **new})
        for values in updates:
            key = values.pop("pk")
            session.execute(update(table).where(pk == key).values(**values))
        if updates:
            changed[table.name] = len(updates)
    return changed


def _fit(column: Column[Any], value: Any) -> Any:
    length = getattr(column.type, "length", None)
    if isinstance(value, str) and length:
        return value[:length]
    return value


def empty_value(column: Column[Any], row_id: Any, current: Any) -> Any:
    """What a personal column holds after erasure.

    NULL where allowed; an empty string, list or object otherwise; a value
    unique to the row where the column must be unique (an account's email).
    """
    if column.nullable:
        return None
    if isinstance(column.type, JSON) and not isinstance(column.type, String):
        return {} if isinstance(current, dict) else []
    if column.unique or _in_unique_constraint(column):
        return _fit(column, f"erased-{uuid.UUID(str(row_id)).hex}")
    return ""


def _in_unique_constraint(column: Column[Any]) -> bool:
    from sqlalchemy import UniqueConstraint

    table = column.table
    return any(
        isinstance(c, UniqueConstraint) and column.name in c.columns
        for c in table.constraints  # type: ignore[attr-defined]
    )
