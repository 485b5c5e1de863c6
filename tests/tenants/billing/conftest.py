"""Billing tests run with `TUKIVERKKO_BILLING=stripe` against localstripe on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import base_settings, fresh_database
from tests.support.stripe import LocalStripe
from tukiverkko.platform.settings import Settings


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    server = LocalStripe().start()
    yield server
    server.stop()


@pytest.fixture
def settings(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, localstripe: LocalStripe
) -> Settings:
    """The usual per-test database, with billing through (local) Stripe."""
    return base_settings(
        tmp_path, **fresh_database(backend, request, tmp_path), **localstripe.settings()
    )
