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
from marshmallow import fields as mf
from marshmallow.utils import ensure_text_type, get_value
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from tukiverkko.platform.errors import ValidationFailed
from tukiverkko.platform.fast_dump import DumpFn, compiled_dump, plain_schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))


class PageSchema(ma.Schema):
    """Base of the `page_schema` classes: their dump uses the item schema's compiled dump.

    marshmallow's own dump of a list (every field of every item through
    `Field.serialize`) was a sixth of a list request's CPU. `dump` here gives
    the same result, with the items dumped by `fast_dump.compiled_dump`; it
    steps aside for marshmallow whenever that might differ: an item schema
    that does not compile, `many`, instance options (only, exclude, load_only)
    or a subclass that changes hooks or fields. Fields and OpenAPI docs are
    those of a plain Schema with `items` and `next_cursor`.
    """

    item_schema: type[ma.Schema]

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        items_dump = self._items_dump() if not (self.many if many is None else many) else None
        if items_dump is None:
            return super().dump(obj, many=many)
        # Schema._serialize over the two fields, each as Field.serialize does it.
        ret: dict[str, Any] = {}
        items = get_value(obj, "items")
        if items is not ma.missing:  # List._serialize, Nested._serialize per item
            ret["items"] = (
                None
                if items is None
                else [None if item is None else items_dump(item) for item in items]
            )
        cursor = get_value(obj, "next_cursor")
        if cursor is not ma.missing:  # String._serialize
            ret["next_cursor"] = None if cursor is None else ensure_text_type(cursor)
        return ret

    def _items_dump(self) -> DumpFn | None:
        """The compiled item dump if this instance dumps exactly as `page_schema` made it."""
        fields = self.dump_fields
        if list(fields) != ["items", "next_cursor"] or self.only is not None:
            return None
        items, cursor = fields["items"], fields["next_cursor"]
        stock = (
            plain_schema(self, PageSchema)
            and not self.exclude
            and not self.load_only
            and type(items) is mf.List
            and type(items.inner) is mf.Nested
            and items.inner.nested is self.item_schema
            and items.inner.only is None
            and not items.inner.exclude
            and not items.inner.many
            and type(cursor) is mf.String
            and all(
                f.attribute is None and f.data_key is None and f.dump_default is ma.missing
                for f in (items, cursor)
            )
        )
        return compiled_dump(self.item_schema) if stock else None


def page_schema(item_schema: type[ma.Schema], name: str) -> type[PageSchema]:
    """A response schema `{items: [...], next_cursor}` for `item_schema`."""
    return type(
        name,
        (PageSchema,),
        {
            "item_schema": item_schema,
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
