"""The `tukiverkko` command: `db upgrade`, `demo load`, `worker`, `run` and Flask's own."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from tukiverkko.platform.app import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def cli() -> None:
    """Tukiverkko: volunteer befriending and peer-support programmes."""


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema."""
    from tukiverkko.platform.migrate import upgrade

    upgrade(current_app.config["TUKIVERKKO_SETTINGS"], revision)
    click.echo("Database is up to date.")


@cli.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@with_appcontext
def demo_load() -> None:
    """Load the demo organisations and people (once; running again changes nothing)."""
    from tukiverkko.platform.demo import load_demo

    created = load_demo()
    click.echo("Demo data loaded." if created else "Demo data was already there.")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for the background jobs (needs TUKIVERKKO_REDIS_URL)."""
    from tukiverkko.workers.worker import run_worker

    run_worker(create_app(), burst=burst)


@cli.group()
def jobs() -> None:
    """Background jobs that failed for good, and retrying them."""


def _uses_rq() -> bool:
    return bool(current_app.config["TUKIVERKKO_SETTINGS"].job_backend == "rq")


@jobs.command("failed")
@with_appcontext
def jobs_failed() -> None:
    """List failed jobs (RQ's failed registry) and outbox messages given up on."""
    from tukiverkko.workers.failed import list_failed

    items = list_failed(with_rq=_uses_rq())
    for item in items:
        at = item.at.isoformat(timespec="seconds") if item.at else "-"
        click.echo(f"{item.id}\t{item.what}\ttenant={item.tenant_id or '-'}\t{at}\t{item.error}")
    click.echo(f"{len(items)} failed.")


@jobs.command("retry")
@click.argument("ids", nargs=-1)
@click.option("--all", "retry_all", is_flag=True, help="Retry every failed job and message.")
@with_appcontext
def jobs_retry(ids: tuple[str, ...], retry_all: bool) -> None:
    """Retry failed jobs by id (as `jobs failed` shows them), or all of them."""
    from tukiverkko.workers.failed import retry

    if not ids and not retry_all:
        raise click.UsageError("give job ids or --all")
    count = retry(None if retry_all else list(ids), with_rq=_uses_rq())
    click.echo(f"{count} queued again.")


@cli.group()
def outbox() -> None:
    """The transactional outbox."""


@outbox.command("dispatch")
@with_appcontext
def outbox_dispatch() -> None:
    """Hand on every due outbox message now (queue on RQ, or run in-process)."""
    from tukiverkko.platform.outbox import dispatch_due

    click.echo(f"{dispatch_due()} dispatched.")


@cli.group()
def encryption() -> None:
    """Secrets sealed in the database (TUKIVERKKO_ENCRYPTION_KEYS)."""


@encryption.command("new-key")
def encryption_new_key() -> None:
    """Print a new random key to put first in TUKIVERKKO_ENCRYPTION_KEYS."""
    from tukiverkko.platform.encryption import new_key

    click.echo(new_key())


@encryption.command("reseal")
@with_appcontext
def encryption_reseal() -> None:
    """Seal every stored secret with the first key (after a rotation, or plain text of old)."""
    from tukiverkko.platform.db import get_database
    from tukiverkko.platform.encryption import current_keyring
    from tukiverkko.platform.identity.sso import reseal_client_secrets

    count = reseal_client_secrets(get_database(), current_keyring())
    click.echo(f"{count} secret(s) sealed with the first key.")


@cli.group()
def privacy() -> None:
    """Data protection: a tenant's archive, its import, retention (platform/privacy)."""


@privacy.command("export-tenant")
@click.argument("slug")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def privacy_export_tenant(slug: str, output: str) -> None:
    """Write the archive of organisation SLUG (all data and files) to OUTPUT (a zip).

    Works for a closed organisation too, during its grace period.
    """
    from pathlib import Path

    from sqlalchemy import select

    from tukiverkko.platform import context
    from tukiverkko.platform.db import get_database
    from tukiverkko.platform.privacy.tenant_export import build_archive
    from tukiverkko.platform.storage import current_storage
    from tukiverkko.tenants.models import Tenant

    with context.cross_tenant("cli: tenant archive"), get_database().unit_of_work() as db:
        tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            raise click.ClickException(f"no organisation {slug!r}")
        data = build_archive(db, current_storage(), tenant_id)
    Path(output).write_bytes(data)
    click.echo(f"{len(data)} bytes written to {output}.")


@privacy.command("import-tenant")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def privacy_import_tenant(archive: str) -> None:
    """Load an organisation's archive into this (empty) instance."""
    from pathlib import Path

    from tukiverkko.platform import context
    from tukiverkko.platform.db import get_database
    from tukiverkko.platform.errors import Problem
    from tukiverkko.platform.privacy.tenant_export import import_archive
    from tukiverkko.platform.storage import current_storage

    try:
        with context.cross_tenant("cli: tenant import"), get_database().unit_of_work() as db:
            counts = import_archive(db, current_storage(), Path(archive).read_bytes())
    except Problem as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from exc
    click.echo(f"{sum(counts.values())} rows imported into {len(counts)} tables.")


@privacy.command("retention")
@with_appcontext
def privacy_retention() -> None:
    """Apply every organisation's retention now (the daily scan does this each night)."""
    from tukiverkko.platform.privacy.retention import run_retention

    click.echo(str(run_retention()))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tukiverkko")
