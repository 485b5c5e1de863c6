"""Production mode refuses the embedded defaults and says which setting is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tukiverkko.platform.app import create_app
from tukiverkko.platform.settings import (
    DEFAULT_SECRET_KEY,
    ConfigurationError,
    Settings,
    validate_for_production,
)

GOOD_KEY = "k" * 48


def production(tmp_path: Path, **overrides: object) -> Settings:
    """Settings that pass every production check, with `overrides` applied."""
    values: dict[str, object] = {
        "env": "production",
        "secret_key": GOOD_KEY,
        "var_dir": tmp_path,
        "database_url": "postgresql+psycopg://tukiverkko_app@db.internal/tukiverkko",
        "job_backend": "rq",
        "redis_url": "redis://redis.internal:6379/0",
        "log_json": False,
    }
    values.update(overrides)
    return Settings(**values).resolved()  # type: ignore[arg-type]


def test_a_complete_production_configuration_passes(tmp_path: Path) -> None:
    assert validate_for_production(production(tmp_path)) == []


@pytest.mark.parametrize(
    ("overrides", "setting", "advice"),
    [
        ({"secret_key": DEFAULT_SECRET_KEY}, "TUKIVERKKO_SECRET_KEY", "development key"),
        ({"secret_key": "short-but-not-default"}, "TUKIVERKKO_SECRET_KEY", "at least 32"),
        ({"database_url": ""}, "TUKIVERKKO_DATABASE_URL", "postgresql+psycopg://"),
        (
            {"database_url": "sqlite:////srv/tukiverkko.sqlite3"},
            "TUKIVERKKO_DATABASE_URL",
            "postgresql",
        ),
        ({"job_backend": "inprocess"}, "TUKIVERKKO_JOB_BACKEND", "'rq'"),
        ({"redis_url": ""}, "TUKIVERKKO_REDIS_URL", "redis://"),
    ],
    ids=["default-key", "short-key", "default-sqlite", "sqlite", "inprocess-queue", "no-redis"],
)
def test_each_unsafe_setting_is_named(
    tmp_path: Path, overrides: dict[str, object], setting: str, advice: str
) -> None:
    settings = production(tmp_path, **overrides)
    (problem,) = validate_for_production(settings)
    assert problem.startswith(setting)
    assert advice in problem
    with pytest.raises(ConfigurationError) as raised:
        create_app(settings)
    assert setting in str(raised.value)
    assert "TUKIVERKKO_ENV=production" in str(raised.value)


def test_the_defaults_list_every_problem_at_once(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"TUKIVERKKO_ENV": "production", "TUKIVERKKO_VAR_DIR": str(tmp_path)}
    )
    problems = validate_for_production(settings)
    named = {problem.split(" ", 1)[0] for problem in problems}
    assert named == {"TUKIVERKKO_SECRET_KEY", "TUKIVERKKO_DATABASE_URL", "TUKIVERKKO_JOB_BACKEND"}
    with pytest.raises(ConfigurationError) as raised:
        create_app(settings)
    assert all(problem in str(raised.value) for problem in problems)


def test_refusal_happens_before_anything_is_written(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    with pytest.raises(ConfigurationError):
        create_app(production(var_dir, job_backend="inprocess"))
    assert not var_dir.exists()


def test_a_mistyped_environment_is_refused(tmp_path: Path) -> None:
    # "prod" must not quietly skip the production checks.
    with pytest.raises(ConfigurationError, match="TUKIVERKKO_ENV"):
        create_app(production(tmp_path, env="prod"))


def test_development_keeps_the_embedded_defaults(tmp_path: Path) -> None:
    app = create_app(Settings.from_env({"TUKIVERKKO_VAR_DIR": str(tmp_path)}))
    assert app.config["TUKIVERKKO_SETTINGS"].env == "development"
    app.extensions["tukiverkko.db"].dispose()
