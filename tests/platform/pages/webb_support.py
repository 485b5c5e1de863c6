"""Helpers of the admin, owner, inbox and sign-up page tests."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

# WTForms' "This field is required." as Flask-WTF's i18n gives it in each language.
REQUIRED = {
    "fi": "Pakollinen.",
    "sv": "Det här fältet är obligatoriskt.",
    "en": "This field is required.",
}


def token_of(page_html: str, prefix: str = "") -> str:
    """The CSRF token of the form whose fields carry `prefix` (Flask-WTF `prefix=`)."""
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    found = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]+)"', page_html)
    assert found, f"no {name} on the page"
    return found.group(1)


def post_form(
    client: FlaskClient,
    url: str,
    data: dict[str, object],
    *,
    page: str | None = None,
    prefix: str = "",
):  # type: ignore[no-untyped-def]
    """POST `data` to `url` with the CSRF token of `page` (default: the page at `url`)."""
    html = client.get(page or url).text
    key = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={key: token_of(html, prefix), **data})


def figure(page_html: str, partner_slug: str, name: str) -> str:
    """What the `data-figure=name` cell of the partner's row of the owner overview shows."""
    row = re.search(
        rf'<tr data-partner="{re.escape(partner_slug)}"[^>]*>(.*?)</tr>', page_html, re.S
    )
    assert row, f"no row for {partner_slug}"
    cell = re.search(rf'data-figure="{re.escape(name)}">([^<]*)<', row.group(1))
    assert cell, f"no {name} in the row of {partner_slug}"
    return html.unescape(cell.group(1)).strip()


def queries_of(app, client: FlaskClient, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """How many SQL statements one GET of `url` runs, and the page."""
    from sqlalchemy import event

    engine = app.extensions["tukiverkko.db"].engine
    statements: list[str] = []

    def count(*args, **kwargs):  # type: ignore[no-untyped-def]
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        resp = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert resp.status_code == 200, url
    return len(statements), resp.text
