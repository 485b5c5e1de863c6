"""Request id and security headers on every response."""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, Response, g, request

from tukiverkko.platform import context

log = logging.getLogger("tukiverkko.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_request_hooks(app: Flask) -> None:
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
