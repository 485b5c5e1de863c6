"""Public API routes: their path ids have checks of their own, for the slug's tenant."""

from __future__ import annotations

import pytest
from flask import Flask

# Registers the private user_id check and the public programme_id check:
import tukiverkko.platform.identity.users_api
import tukiverkko.platform.primitives.api  # noqa: F401
from tukiverkko.platform.auth import (
    PATH_OBJECTS,
    PUBLIC_PATH_OBJECTS,
    assert_path_objects_registered,
)


def _app(rule: str) -> Flask:
    app = Flask(__name__)
    app.add_url_rule(rule, "view", lambda **kwargs: "")
    return app


def test_a_public_route_cannot_borrow_a_check_written_for_signed_in_callers() -> None:
    assert "user_id" in PATH_OBJECTS and "user_id" not in PUBLIC_PATH_OBJECTS
    with pytest.raises(RuntimeError, match="no visibility check"):
        assert_path_objects_registered(_app("/api/v1/public/<slug>/users/<uuid:user_id>"))


def test_a_public_route_names_its_tenant() -> None:
    with pytest.raises(RuntimeError, match="slug"):
        assert_path_objects_registered(_app("/api/v1/public/programmes/<uuid:programme_id>"))
    assert_path_objects_registered(_app("/api/v1/public/<slug>/programmes/<uuid:programme_id>"))
