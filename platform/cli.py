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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tukiverkko")
