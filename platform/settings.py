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
ENVIRONMENTS = ("development", "test", "production")
# 32 characters of a random token are ~190 bits; shorter keys are guessable offline
# from one signed cookie or access token.
MIN_SECRET_KEY_LENGTH = 32


def _default_var_dir() -> Path:
    return Path(os.environ.get("TUKIVERKKO_VAR_DIR", Path.cwd() / "var"))


@dataclass(frozen=True)
class Settings:
    """Typed settings. Build with `Settings.from_env()`; tests use `replace()`."""

    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    # Fernet keys sealing secrets stored in the database, comma-separated: the
    # first seals, all open. Empty: one key derived from secret_key
    # (platform/encryption.py).
    encryption_keys: str = ""
    var_dir: Path = field(default_factory=_default_var_dir)
    # SQLAlchemy URL the application connects with. On PostgreSQL this role
    # must not own the tables, so row-level security applies to it.
    database_url: str = ""
    # URL used for migrations (the table owner). Defaults to database_url.
    database_migration_url: str = ""
    # PostgreSQL role the application connects as; migrations grant it DML.
    database_app_role: str = ""
    redis_url: str = ""
    # Opted-in API lists are answered from Redis until a write could change
    # them, each kept at most this long; 0 turns it off (platform/read_cache.py).
    read_cache_seconds: int = 60
    # "inprocess" runs jobs right after the transaction commits; "rq" queues them.
    job_backend: str = "inprocess"
    # A job that claimed an outbox message holds it this long; a worker killed
    # mid-job releases it when the lease runs out (must exceed the job timeout).
    outbox_lease_seconds: int = 300
    # A dispatched message not finished by then is handed to RQ again (the job
    # may have been lost with a Redis that kept no data); delivery is idempotent.
    outbox_redispatch_seconds: int = 900
    # A closed organisation's data is kept this long (to take its archive), then deleted.
    tenant_deletion_grace_days: int = 90
    storage_dir: Path | None = None
    # S3-API file store (any S3-compatible service); used instead of storage_dir
    # when s3_bucket is set. Empty endpoint means AWS itself.
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = ""
    mail_dir: Path | None = None
    # smtp://host:port; empty writes each email as a .eml file into mail_dir.
    smtp_url: str = ""
    mail_from: str = "Tukiverkko <noreply@tukiverkko.fi>"
    # "smtp", "ses" (Amazon SES through boto3) or "file"; empty: SMTP when
    # smtp_url is set, otherwise .eml files in mail_dir.
    mail_backend: str = ""
    # Amazon SES: empty endpoint means AWS itself; empty keys use boto3's own
    # credential chain (instance role, environment).
    ses_region: str = ""
    ses_endpoint_url: str = ""
    ses_access_key: str = ""
    ses_secret_key: str = ""
    base_url: str = "http://127.0.0.1:5000"
    log_json: bool = True
    log_level: str = "INFO"
    # Web session cookies are Secure except in development and tests (plain HTTP on loopback).
    session_cookie_secure: bool | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    # Bearer token for GET /metrics. Empty: only loopback, unproxied requests may scrape.
    metrics_token: str = ""
    # Billing (issue 10): "embedded" (off: every organisation free and
    # unlimited) or "stripe" (plans enforced, paid through Stripe).
    billing: str = "embedded"
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    # Stripe price id of each paid plan: "small=price_…,medium=price_…,large=price_…".
    stripe_prices: str = ""
    # Empty means Stripe itself; tests point it at a fake server on loopback.
    stripe_api_base: str = ""
    # Days a past-due organisation keeps writing before it becomes read-only.
    billing_grace_days: int = 14

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


class ConfigurationError(RuntimeError):
    """The settings cannot run this environment; the message says which setting and why."""


def validate_for_production(settings: Settings) -> list[str]:
    """Every reason `settings` must not serve production; empty when it may.

    The embedded defaults (SQLite, in-process jobs, the shared development
    key) are right for one machine and wrong for a federation: each of them
    would lose data or let anyone forge sessions. Each message names the
    variable to set and what to set it to.
    """
    settings = settings.resolved()
    problems: list[str] = []
    if settings.secret_key == DEFAULT_SECRET_KEY:
        problems.append(
            "TUKIVERKKO_SECRET_KEY is the built-in development key: set a random value of at "
            f"least {MIN_SECRET_KEY_LENGTH} characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    elif len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"TUKIVERKKO_SECRET_KEY is {len(settings.secret_key)} characters long: set a random "
            f"value of at least {MIN_SECRET_KEY_LENGTH} characters"
        )
    if not settings.is_postgres:
        problems.append(
            "TUKIVERKKO_DATABASE_URL is not PostgreSQL "
            f"({settings.database_url.split(':', 1)[0]}): set "
            "postgresql+psycopg://<app role>@<host>/<database>"
        )
    if settings.job_backend != "rq":
        problems.append(
            f"TUKIVERKKO_JOB_BACKEND is {settings.job_backend!r}: set it to 'rq' (and "
            "TUKIVERKKO_REDIS_URL), so that background jobs survive a restart and run on workers"
        )
    elif not settings.redis_url:
        problems.append(
            "TUKIVERKKO_REDIS_URL is empty but TUKIVERKKO_JOB_BACKEND is 'rq': set it to "
            "redis://<host>:6379/0"
        )
    if settings.billing == "stripe":
        missing = [
            name
            for name, value in (
                ("TUKIVERKKO_STRIPE_SECRET_KEY", settings.stripe_secret_key),
                ("TUKIVERKKO_STRIPE_WEBHOOK_SECRET", settings.stripe_webhook_secret),
                ("TUKIVERKKO_STRIPE_PRICES", settings.stripe_prices),
            )
            if not value
        ]
        if missing:
            problems.append(
                f"TUKIVERKKO_BILLING is 'stripe' but {', '.join(missing)} is empty: set the keys "
                "and price ids from the Stripe dashboard (or TUKIVERKKO_BILLING=embedded)"
            )
    return problems


def check_settings(settings: Settings) -> None:
    """Raise `ConfigurationError` when the settings cannot run their environment."""
    if settings.env not in ENVIRONMENTS:
        # A typo such as "prod" would otherwise skip the production checks silently.
        raise ConfigurationError(
            f"TUKIVERKKO_ENV is {settings.env!r}: set one of {', '.join(ENVIRONMENTS)}"
        )
    if settings.billing not in ("embedded", "stripe"):
        raise ConfigurationError(
            f"TUKIVERKKO_BILLING is {settings.billing!r}: set 'embedded' or 'stripe'"
        )
    if settings.env == "production":
        problems = validate_for_production(settings)
        if problems:
            raise ConfigurationError(
                "refusing to start in production (TUKIVERKKO_ENV=production):\n- "
                + "\n- ".join(problems)
            )
