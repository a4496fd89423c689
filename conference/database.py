"""Database set-up: SQLite pragmas, migrations on start, and the first administrator."""

from __future__ import annotations

import sqlite3
import time

from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from conference.extensions import db, migrate
from conference.validation import optional_id


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work during a write; SQLite enforces foreign keys only when asked."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# A pooled connection that rested this long is checked with a round trip before use.
RESTED_SECONDS = 1.0


def ping_rested_connections(engine: Engine) -> None:
    """Check a pooled connection before use only when it has rested a while.

    SQLAlchemy's pool_pre_ping checks on every checkout: at the doors that was one round trip
    in six. A connection in steady use is known to be alive; one that rested may have been cut
    (the server restarted, a firewall dropped it) and is replaced before a request sees it. One
    cut while in use fails its request (503, which the gates retry), and SQLAlchemy then
    replaces every connection of the pool. SQLite's file is never cut: nothing to check.
    """
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _rest_begins(_dbapi_connection, record) -> None:
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_rested(dbapi_connection, record, _proxy) -> None:
        rested_since = record.info.get("rested_since")
        if rested_since is None or time.monotonic() - rested_since < RESTED_SECONDS:
            return  # new, or back from a request a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the database did not answer a ping")


def each_statement_commits() -> None:
    """Let the rest of this request's statements commit one by one, with no BEGIN or ROLLBACK
    around them.

    For a request that writes one row at most, such as a scan at the doors: it reads the
    congress and the badge and, the first time, inserts the check-in. On PostgreSQL the
    transaction around them costs two more round trips, half of a repeat scan's. Call it before
    the request writes anything: what it read so far (its account, the congress) ends its
    transaction and stays loaded. SQLite, whose statements cost no round trip, keeps its
    transactions, and so does a session bound to a connection that is in one already (the tests
    of roles).
    """
    orm = db.session()
    bind = orm.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name != "sqlite":
        commit_keeping_loaded()
        orm.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def commit_keeping_loaded() -> None:
    """Commit, leaving what the session holds readable as it was written: an answer built from
    the rows just saved then costs no query to read them back (a check-in at the gates, a
    ballot entry)."""
    orm = db.session()
    orm.expire_on_commit = False
    try:
        orm.commit()
    finally:
        orm.expire_on_commit = True


def get_record(model, key):
    """The record of `model` that an id from outside names, or None: a value that is not a
    record id (text, a bool, a number past the database's keys) names none."""
    key = optional_id(key) if not isinstance(key, str) else None
    return db.session.get(model, key) if key is not None else None


def upgrade_database(app: Flask) -> None:
    """Apply every pending Alembic migration."""
    with app.app_context():
        upgrade(directory=migrate.directory)


def migrate_empty_database() -> None:
    """Create the tables of a fresh database, so commands work before the first start."""
    if not inspect(db.engine).has_table("alembic_version"):
        upgrade_database(current_app)


def prepare_first_start(app: Flask, with_demo: bool = False) -> list[str]:
    """Migrate; on an empty database make an admin and the demo congress. Returns lines to print."""
    from conference.auth.models import User
    from conference.auth.service import create_user, generate_password
    from conference.demo import load_demo

    upgrade_database(app)
    lines: list[str] = []
    with app.app_context():
        first_start = db.session.scalar(select(User.id).limit(1)) is None
        if first_start:
            password = generate_password()
            create_user(None, "admin", password, is_admin=True)
            lines += ["First start: an administrator account was created.",
                      "  username: admin", f"  password: {password}   (shown only this once)"]
        if first_start or with_demo:
            congress, created = load_demo()
            if created:
                lines.append(f"Demo congress loaded: /c/{congress.slug}")
    return lines
