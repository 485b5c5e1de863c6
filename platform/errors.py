"""One error shape: RFC 9457 problem details with a stable machine-readable `code`.

Services raise `Problem` (or a subclass); Flask, werkzeug and webargs errors
are translated here too, so an unknown URL, a wrong method or a malformed
JSON body get the same shape as our own errors.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from tukiverkko.platform import context

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://tukiverkko.fi/problems/"

# Default stable codes for plain HTTP errors.
STATUS_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}


class Problem(Exception):
    """An error a client can act on. `code` is stable; `detail` is for people."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.errors = errors
        self.headers = headers or {}


class NotFound(Problem):
    status = 404
    code = "not_found"


class Forbidden(Problem):
    status = 403
    code = "forbidden"


class Conflict(Problem):
    status = 409
    code = "conflict"


class Unauthorized(Problem):
    status = 401
    code = "authentication_required"


class ValidationFailed(Problem):
    status = 422
    code = "validation_failed"


class TooManyRequests(Problem):
    status = 429
    code = "too_many_requests"


class ProblemSchema(ma.Schema):
    """The documented error body (RFC 9457 plus `code` and `errors`)."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"description": "Stable error code"})
    detail = ma.fields.String()
    instance = ma.fields.String()
    request_id = ma.fields.String(allow_none=True)
    errors = ma.fields.Dict(metadata={"description": "Field errors, by location and field"})


def problem_body(status: int, code: str, detail: str | None, errors: Any = None) -> dict[str, Any]:
    from http import HTTPStatus

    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
        "instance": request.path if request else "",
        "request_id": context.current().request_id,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    status: int,
    code: str,
    detail: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a problem: JSON for API clients, an HTML page for browsers on pages."""
    if _wants_html():
        html = render_template("error.html", status=status, code=code, detail=detail)
        resp = Response(html, status=status, mimetype="text/html")
    else:
        resp = Response(
            json.dumps(problem_body(status, code, detail, errors)),
            status=status,
            mimetype=PROBLEM_MEDIA_TYPE,
        )
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _wants_html() -> bool:
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > 0


def _from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code = STATUS_CODES.get(status, "error")
    detail = error.description if status < 500 else None
    errors = None
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if messages:
        errors = messages
        if status == 400 and _is_bad_json(messages):
            code, detail = "malformed_json", "The request body is not valid JSON."
        elif status == 422:
            detail = "The request has invalid fields."
    if data.get("message"):
        detail = data["message"]
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    return problem_response(status, code, detail, errors, headers)


def _is_bad_json(messages: Any) -> bool:
    return isinstance(messages, dict) and messages.get("json") == ["Invalid JSON body."]


def register_error_handlers(app: Flask) -> None:
    """Send every error through the problem shape."""

    @app.errorhandler(Problem)
    def _problem(error: Problem) -> Response:
        return problem_response(error.status, error.code, error.detail, error.errors, error.headers)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        if isinstance(error, InternalServerError) and error.original_exception is not None:
            return _internal(error.original_exception)
        return _from_http_exception(error)

    @app.errorhandler(Exception)
    def _internal(error: BaseException) -> Response:
        log.exception("unhandled error", exc_info=error)
        return problem_response(500, "internal_error", "Something went wrong on our side.")
