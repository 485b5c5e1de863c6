"""The catalogues are complete and compiled: no string shows untranslated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
TRANSLATIONS = ROOT / "platform" / "translations"
LANGUAGES = ("fi", "sv")


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def test_every_string_in_the_code_is_in_the_catalogues(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with open(pot, "rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for lang in LANGUAGES:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(extracted - known)
        assert not missing, f"{lang}: run `make messages` and translate: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated(lang: str) -> None:
    untranslated = [m.id for m in _catalog(lang) if m.id and (not m.string or "fuzzy" in m.flags)]
    assert not untranslated, f"{lang}: untranslated {untranslated}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(lang: str) -> None:
    # Compare the translations, not the bytes: the .mo header names the Babel version that
    # compiled it, and a fresh install may bring a newer one.
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = _translations(read_mo(f))
    assert compiled == _translations(_catalog(lang)), (
        f"{lang}: run `make messages` (pybabel compile)"
    )


def _translations(catalog) -> dict:  # type: ignore[no-untyped-def]
    """Message id to translation, plural forms as tuples so a .po and a .mo compare equal."""

    def plain(value):  # type: ignore[no-untyped-def]
        return value if isinstance(value, str) else tuple(value)

    return {plain(m.id): plain(m.string) for m in catalog if m.id and m.string}


def test_pages_speak_the_chosen_language(client) -> None:  # type: ignore[no-untyped-def]
    assert "Siirry sisältöön" in client.get("/?lang=fi").text
    assert "Hoppa till innehållet" in client.get("/?lang=sv").text
    assert "Skip to content" in client.get("/?lang=en").text
