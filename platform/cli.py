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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tukiverkko")
