"""Account commands: `flask create-user`, `flask create-token`. Thin wrappers of the service;
registered at the top level through the auth blueprint (cli_group=None)."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from conference.auth import service as auth
from conference.auth.models import Role, User
from conference.congresses.models import Congress
from conference.database import migrate_empty_database
from conference.errors import ConferenceError
from conference.extensions import db

ROLE_CHOICES = ["admin", *[role.value for role in Role]]


def _fail(message: str):
    raise click.ClickException(message)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLE_CHOICES), required=True,
              help="admin (everything), or a role in the congress given by --congress; "
                   "organizer without --congress may create congresses.")
@click.option("--congress", "congress_slug", help="Slug of the congress the role is for.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--name", "display_name", default="", help="Full name.")
def create_user_command(username, role, congress_slug, password_stdin, display_name):
    """Create an account and print its generated password once (unless one is piped)."""
    migrate_empty_database()
    congress = None
    if congress_slug:
        congress = db.session.scalar(select(Congress).where(Congress.slug == congress_slug))
        if congress is None:
            _fail(f"No congress with slug {congress_slug!r}.")
    elif role not in ("admin", Role.ORGANIZER):
        _fail(f"--role {role} needs --congress SLUG.")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else auth.generate_password()
    try:
        user = auth.create_user(None, username, password, display_name=display_name,
                                is_admin=role == "admin",
                                can_create_congresses=role == Role.ORGANIZER and not congress)
        if congress is not None and role != "admin":
            auth.grant_role(None, user, congress, role)
    except ConferenceError as exc:
        _fail(exc.message + "".join(f" {k}: {v}" for k, v in exc.fields.items()))
    click.echo(f"Created {user.username} ({role}{' in ' + congress.slug if congress else ''}).")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="A label to recognise the token by.")
def create_token_command(username, name):
    """Print a new API token for USERNAME, once."""
    migrate_empty_database()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        _fail(f"No user {username!r}.")
    _token, plain = auth.create_api_token(None, user, name)
    click.echo(plain)


COMMANDS = (create_user_command, create_token_command)
