"""The REST API under /api/v1: flask-smorest, OpenAPI 3, docs served from local files."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Flask, render_template, send_from_directory
from flask_smorest import Api as _SmorestApi
from flask_smorest.utils import prepare_response

from tukiverkko.platform.errors import PROBLEM_MEDIA_TYPE, ProblemSchema

API_PREFIX = "/api/v1"


class Api(_SmorestApi):
    """flask-smorest Api that documents errors as problem details.

    Error handling itself is ours (`errors.register_error_handlers`), so the
    library's own handler is not registered.
    """

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        import http

        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def api_config(app: Flask) -> None:
    app.config.update(
        API_TITLE="Tukiverkko API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH=None,  # our own page below: local assets, no inline script
    )


docs_blp = Blueprint("api_docs", __name__, url_prefix=API_PREFIX)
_SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)


@docs_blp.get("/docs")
def api_docs() -> str:
    """Interactive API documentation (Swagger UI from the installed package)."""
    return render_template("api_docs.html")


@docs_blp.get("/docs/assets/<path:filename>")
def api_docs_asset(filename: str):  # type: ignore[no-untyped-def]
    return send_from_directory(_SWAGGER_DIR, filename, max_age=86400)


def init_api(app: Flask) -> Api:
    """Create the Api and register every API blueprint on it."""
    api_config(app)
    api = Api(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    app.register_blueprint(docs_blp)
    return api
