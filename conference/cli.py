"""Flask commands of the app as a whole: the demo congress, backup and restore. Features add
their own through their blueprints (accounts: conference/auth/cli.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from conference import backup
from conference.database import migrate_empty_database


@click.command("demo")
def demo_command():
    """Load the demo congress; running it again changes nothing."""
    from conference.demo import load_demo

    migrate_empty_database()
    congress, created = load_demo()
    status = "Loaded" if created else "Already there:"
    click.echo(f"{status} {congress.name} (/c/{congress.slug})")


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path):
    """Write the database, uploaded files and keys to one archive (default:
    instance/backups/backup-DATE-TIME.tar.gz). Safe while the app runs."""
    migrate_empty_database()
    try:
        made = backup.make_backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written: {made.path} ({made.size / 1_048_576:.1f} MB; {made.database} "
               f"database at revision {made.revision}, {made.files} files). Keep it where "
               "only administrators can read it: it holds the keys badges are made with.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
def restore_command(path, yes):
    """Replace the database and uploaded files with a backup's. Stop the app first."""
    if not yes:
        click.confirm("Everything entered since that backup will be lost. Restore it?",
                      abort=True)
    try:
        manifest = backup.restore_backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored the backup of {manifest['created_at']} ({manifest['database']}, "
               f"{manifest['restored_files']} files). Start the app again.")


def init_app(app: Flask) -> None:
    for command in (demo_command, backup_command, restore_command):
        app.cli.add_command(command)
