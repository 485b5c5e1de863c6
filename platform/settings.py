"""Settings: every knob is an environment variable with an embedded default.

The defaults run the whole platform on one machine with nothing installed:
a SQLite file, jobs run in-process, files and outgoing emails in local folders.
`docs/operations.md` lists every variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _default_var_dir() -> Path:
    return Path(os.environ.get("TUKIVERKKO_VAR_DIR", Path.cwd() / "var"))


@dataclass(frozen=True)
class Settings:
    """Typed settings. Build with `Settings.from_env()`; tests use `replace()`."""

    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    var_dir: Path = field(default_factory=_default_var_dir)
    # SQLAlchemy URL the application connects with. On PostgreSQL this role
    # must not own the tables, so row-level security applies to it.
    database_url: str = ""
    # URL used for migrations (the table owner). Defaults to database_url.
    database_migration_url: str = ""
    # PostgreSQL role the application connects as; migrations grant it DML.
    database_app_role: str = ""
    redis_url: str = ""
    # "inprocess" runs jobs right after the transaction commits; "rq" queues them.
    job_backend: str = "inprocess"
    storage_dir: Path | None = None
    mail_dir: Path | None = None
    # smtp://host:port; empty writes each email as a .eml file into mail_dir.
    smtp_url: str = ""
    mail_from: str = "Tukiverkko <noreply@tukiverkko.fi>"
    base_url: str = "http://127.0.0.1:5000"
    log_json: bool = True
    log_level: str = "INFO"
    # Web session cookies are Secure except in development and tests (plain HTTP on loopback).
    session_cookie_secure: bool | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 14

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read TUKIVERKKO_* variables, falling back to the embedded defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"TUKIVERKKO_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls(), f.name)
            if isinstance(default, bool) or f.name == "session_cookie_secure":
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif f.name.endswith("_dir"):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        return cls(**values).resolved()

    def resolved(self) -> Settings:
        """Fill in the defaults that derive from other settings."""
        var_dir = Path(self.var_dir)
        database_url = self.database_url or f"sqlite:///{var_dir / 'tukiverkko.sqlite3'}"
        return replace(
            self,
            var_dir=var_dir,
            database_url=database_url,
            database_migration_url=self.database_migration_url or database_url,
            storage_dir=Path(self.storage_dir) if self.storage_dir else var_dir / "files",
            mail_dir=Path(self.mail_dir) if self.mail_dir else var_dir / "mail",
            session_cookie_secure=(
                self.env not in ("development", "test")
                if self.session_cookie_secure is None
                else self.session_cookie_secure
            ),
        )

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")
