"""Request id and security headers on every response."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from tukiverkko.platform import context

log = logging.getLogger("tukiverkko.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without their cost to requests that carry no cookie.

    Flask builds the cookie signer on every request, cookie or not; API calls
    with a bearer token paid for it on every call. Here the signer is built once
    per secret key, and a request without the cookie gets an empty session at once.
    """

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("tukiverkko.session_signer")
        if cached is None or cached[0] != keys:
            cached = (keys, super().get_signing_serializer(app))
            app.extensions["tukiverkko.session_signer"] = cached
        return cached[1]


def init_request_hooks(app: Flask) -> None:
    app.session_interface = CookieSessions()

    @app.before_request
    def _start_request() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        rid = incoming if _REQUEST_ID.match(incoming) else context.new_request_id()
        context.reset()
        context.set_request_id(rid)
        g.request_id = rid
        g.request_started = time.perf_counter()

    @app.after_request
    def _headers(response: Response) -> Response:
        rid = context.current().request_id
        if rid:
            response.headers["X-Request-Id"] = rid
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        started = g.get("request_started")
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            },
        )
        return response

    @app.teardown_request
    def _end_request(_exc: BaseException | None) -> None:
        context.reset()
