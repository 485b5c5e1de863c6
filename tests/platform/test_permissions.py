"""The permission table in the docs is the one in the code."""

from __future__ import annotations

from pathlib import Path

from tukiverkko.platform.permissions import render_markdown_table

DOC = Path(__file__).parents[2] / "docs" / "permissions.md"


def test_docs_show_the_permission_table_of_the_code() -> None:
    assert render_markdown_table() in DOC.read_text(), (
        "docs/permissions.md is out of date: paste render_markdown_table() into it"
    )
