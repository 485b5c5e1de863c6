"""Settings come from the environment, and every one of them is documented."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from tukiverkko.platform.settings import Settings

DOC = Path(__file__).parents[2] / "docs" / "operations.md"


def test_defaults_need_nothing_installed(tmp_path: Path) -> None:
    settings = Settings.from_env({"TUKIVERKKO_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'tukiverkko.sqlite3'}"
    assert settings.job_backend == "inprocess"
    assert settings.storage_dir == tmp_path / "files"
    assert settings.mail_dir == tmp_path / "mail"
    assert settings.session_cookie_secure is False


def test_environment_overrides_with_types(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "TUKIVERKKO_VAR_DIR": str(tmp_path),
            "TUKIVERKKO_ENV": "production",
            "TUKIVERKKO_ACCESS_TOKEN_MINUTES": "5",
            "TUKIVERKKO_LOG_JSON": "false",
            "TUKIVERKKO_DATABASE_URL": "postgresql+psycopg://app@db/tukiverkko",
        }
    )
    assert settings.access_token_minutes == 5
    assert settings.log_json is False
    assert settings.session_cookie_secure is True
    assert settings.database_migration_url == "postgresql+psycopg://app@db/tukiverkko"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [f.name for f in fields(Settings) if f"TUKIVERKKO_{f.name.upper()}" not in text]
    assert not missing, f"document these in docs/operations.md: {missing}"
