"""Shared fixtures: real databases (SQLite and PostgreSQL), Redis, the app, people.

Each test process starts its own PostgreSQL and Redis on loopback. The
schema is made once per process by Alembic (the only way it is ever made)
and copied per test: SQLite by copying the file, PostgreSQL from a
template database.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer, RedisServer
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.passwords import configure_hasher
from tukiverkko.platform.migrate import upgrade
from tukiverkko.platform.settings import Settings

# Cheap argon2id for tests: the algorithm and code paths are the same, the cost is not.
configure_hasher(time_cost=1, memory_cost=1024)

BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def service_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="tukiverkko-tests-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(service_root: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(service_root / "pg").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(service_root: Path) -> Iterator[RedisServer]:
    server = RedisServer(service_root / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-API server (moto's) on loopback for the whole test process."""
    from tests.support.s3 import moto_server

    with moto_server() as endpoint:
        yield endpoint


def base_settings(var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "secret_key": "test-secret-key",
        "var_dir": var_dir,
        "log_json": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values).resolved()  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template(service_root: Path) -> Path:
    path = service_root / "template.sqlite3"
    upgrade(base_settings(service_root, database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    name = "tukiverkko_template"
    postgres.sql("postgres", f"CREATE DATABASE {name} OWNER {OWNER_ROLE}")
    upgrade(
        base_settings(
            Path(tempfile.gettempdir()),
            database_url=postgres.url(name, APP_ROLE),
            database_migration_url=postgres.url(name),
            database_app_role=APP_ROLE,
        )
    )
    return name


def fresh_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """A migrated, empty database of its own for one test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "db.sqlite3"
        shutil.copyfile(template, path)
        return {"database_url": f"sqlite:///{path}"}
    postgres: PostgresServer = request.getfixturevalue("postgres")
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"t_{next(_counter)}"
    postgres.sql("postgres", f"CREATE DATABASE {name} TEMPLATE {template_name} OWNER {OWNER_ROLE}")
    request.addfinalizer(lambda: postgres.sql("postgres", f"DROP DATABASE {name} WITH (FORCE)"))
    return {
        "database_url": postgres.url(name, APP_ROLE),
        "database_migration_url": postgres.url(name),
        "database_app_role": APP_ROLE,
    }


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return base_settings(tmp_path, **fresh_database(backend, request, tmp_path))


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    from tukiverkko.platform.app import create_app

    application = create_app(settings)
    application.testing = True
    # No app context stays pushed: each test request gets its own, as in production.
    yield application
    application.extensions["tukiverkko.db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def database(app: Flask) -> Database:
    """The app's database, for service-level tests: `with database.unit_of_work() as s:`."""
    db: Database = app.extensions["tukiverkko.db"]
    return db
