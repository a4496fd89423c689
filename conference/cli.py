"""Flask commands of the app as a whole: the demo congress. Features add their own through
their blueprints (accounts: conference/auth/cli.py)."""

from __future__ import annotations

import click
from flask import Flask

from conference.database import migrate_empty_database


@click.command("demo")
def demo_command():
    """Load the demo congress; running it again changes nothing."""
    from conference.demo import load_demo

    migrate_empty_database()
    congress, created = load_demo()
    status = "Loaded" if created else "Already there:"
    click.echo(f"{status} {congress.name} (/c/{congress.slug})")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
