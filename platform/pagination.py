"""Keyset pagination for every list: `?limit=&cursor=`, newest first.

A page costs one query whatever its position, and one query whatever it
holds; the cursor is opaque to clients.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

import marshmallow as ma
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from tukiverkko.platform.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A response schema `{items: [...], next_cursor}` for `item_schema`."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(allow_none=True, required=True),
        },
    )


def _encode(at: datetime, ident: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{ident}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, ident = raw.split("|", 1)
        return datetime.fromisoformat(at), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The cursor is not valid.",
            code="invalid_cursor",
            errors={"query": {"cursor": ["Not a cursor from this list."]}},
        ) from exc


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    created: InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[uuid.UUID],
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Run `stmt` for one page, newest first. Returns `{items, next_cursor}`."""
    if cursor:
        at, last = _decode(cursor)
        stmt = stmt.where(tuple_(created, ident) < tuple_(at, last))
    rows = list(session.scalars(stmt.order_by(created.desc(), ident.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last_row = rows[-1] if more else None
    next_cursor = (
        _encode(getattr(last_row, created.key), getattr(last_row, ident.key)) if last_row else None
    )
    return {"items": rows, "next_cursor": next_cursor}
