"""Languages: Finnish first, then Swedish and English (Flask-Babel catalogues)."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LANG_COOKIE = "lang"


def select_locale() -> str:
    """`?lang=` wins, then the remembered choice, then the browser's, then Finnish."""
    if not request:
        return DEFAULT_LANGUAGE
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=select_locale)

    @app.after_request
    def _remember_language(response):  # type: ignore[no-untyped-def]
        if b"lang=" not in request.query_string:
            return response  # most requests: no need to parse the query
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="Lax")
        return response

    @app.context_processor
    def _languages() -> dict:
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "current_language": str(get_locale())}
