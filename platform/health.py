"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from tukiverkko.platform.db import get_database
from tukiverkko.platform.storage import S3Storage, current_storage

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Response:
    """The process is alive and answering."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Every backing service the web tier uses answers: the database, Redis and S3 when set.

    Mail is not among them: the web tier sends none (the workers do, from the
    outbox, which keeps every message until the mail server takes it), and a
    mail server's outage must not take the whole service out of rotation.
    """
    checks: dict[str, str] = {}
    try:
        with get_database().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    settings = current_app.config["TUKIVERKKO_SETTINGS"]
    if settings.redis_url:
        try:
            from tukiverkko.platform.jobs import redis_connection

            redis_connection().ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    if settings.s3_bucket:
        try:
            storage = current_storage()
            if isinstance(storage, S3Storage):  # it is, with a bucket configured
                storage.check_reachable()
            checks["object_store"] = "ok"
        except Exception as exc:
            checks["object_store"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "not_ready", checks=checks), (200 if ready else 503)
