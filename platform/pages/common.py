"""Small helpers the public, volunteer and coordinator pages share.

- `page_of(...)`: one keyset page for a page list (the API's `paginate`),
  with the cursor read from `?cursor=`.
- `when(value)`, `register_filters(blp)`: times as people in Finland read them.

Problems on forms are `platform/pages/problem_text.py`'s.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import Select
from sqlalchemy.orm import Session

from tukiverkko.platform.pagination import paginate

PAGE_SIZE = 25


def page_of(
    db: Session, stmt: Select[Any], *, created: Any, ident: Any, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """One page (newest first) of `stmt`, continuing from `?cursor=`; one query."""
    cursor = request.args.get("cursor") or None
    return paginate(db, stmt, created=created, ident=ident, limit=limit, cursor=cursor)


def when(value: Any) -> str:
    """A time as people in Finland read it: local time, day.month.year hours:minutes."""
    from zoneinfo import ZoneInfo

    if value is None:
        return ""
    local = value.astimezone(ZoneInfo("Europe/Helsinki"))
    return f"{local.day}.{local.month}.{local.year} {local:%H:%M}"


def register_filters(blp: Any) -> None:
    """Template filters of these pages (registered app-wide by each blueprint: idempotent)."""
    blp.add_app_template_filter(when, "wa_when")
