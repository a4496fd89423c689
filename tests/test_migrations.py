"""Migrations build the models' schema from nothing, match the models, and go down and up again.

Each test runs on an empty SQLite file and on an empty PostgreSQL database; the latter is made
with CREATE DATABASE on the server of CONFERENCE_TEST_DATABASE_URL and dropped afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, MetaData, Table, inspect

from conference import create_app
from conference.badges.identity import badge_token, find_badge
from conference.database import upgrade_database
from conference.delegates.models import Delegate
from conference.extensions import db, migrate
from conference.tokens import token_hash, token_key
from tests.scratch_db import scratch_postgres

TEST_DATABASE_URL = os.environ.get("CONFERENCE_TEST_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path):
    """The URL of a database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not TEST_DATABASE_URL.startswith("postgresql"):
        pytest.skip("set CONFERENCE_TEST_DATABASE_URL to a PostgreSQL URL")
    with scratch_postgres(TEST_DATABASE_URL, "conference_migrations") as url:
        yield url


@pytest.fixture
def migration_app(empty_database_url, tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                      "DATABASE_URL": empty_database_url, "TESTING": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def _differences(app, metadata: MetaData | None = None) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                              "compare_server_default": True})
        return compare_metadata(context, db.metadata if metadata is None else metadata)


def test_empty_database_has_no_tables(migration_app):
    assert _tables(migration_app) == set()


def test_migrations_create_every_model_table(migration_app):
    upgrade_database(migration_app)
    expected = set(db.metadata.tables)
    assert expected, "no models registered"
    assert _tables(migration_app) == expected | {"alembic_version"}


def test_models_and_migrations_agree(migration_app):
    """A model change without a migration shows up here: write one with `flask db migrate`."""
    upgrade_database(migration_app)
    differences = _differences(migration_app)
    assert differences == [], (
        "The models differ from the migrated schema; add a migration "
        f"(flask --app app db migrate -m '...'): {differences}")


def test_comparison_notices_a_model_change_without_migration(migration_app):
    upgrade_database(migration_app)
    changed = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["users"].append_column(Column("shoe_size", Integer, nullable=True))
    differences = _differences(migration_app, changed)
    assert [(d[0], d[3].name) for d in differences] == [("add_column", "shoe_size")]


def test_downgrade_to_base_and_upgrade_again(migration_app):
    upgrade_database(migration_app)
    with migration_app.app_context():
        downgrade(directory=migrate.directory, revision="base")
    assert _tables(migration_app) <= {"alembic_version"}

    upgrade_database(migration_app)
    assert _tables(migration_app) == set(db.metadata.tables) | {"alembic_version"}
    assert _differences(migration_app) == []
    with migration_app.app_context(), db.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    assert len(heads) == 1


# --- data carried over --------------------------------------------------------------------------


def _old_badge_token(secret_key: str, nonce: str) -> str:
    """A badge token as versions before 0006 derived it: from the session key."""
    digest = hmac.new(secret_key.encode(), f"badge:{nonce}:1".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def test_an_upgrade_keeps_the_tokens_of_badges_made_with_the_session_key(migration_app):
    with migration_app.app_context():
        upgrade(directory=migrate.directory, revision="0005_displays")
        # The congress as that revision stored it: the model knows columns added since.
        congresses = Table("congresses", MetaData(), autoload_with=db.session.connection())
        congress_id = db.session.execute(congresses.insert().values(
            slug="dai-hoi", name="Đại hội", organizing_union="", term="", venue="",
            starts_on=date(2023, 9, 27), ends_on=date(2023, 9, 28),
            timezone="Asia/Ho_Chi_Minh", quorum_numerator=1, quorum_denominator=2,
            quorum_strict=True, published=False, agenda_revision=1, streams_revision=1,
            created_at=datetime(2023, 9, 1))).inserted_primary_key[0]
        old_token = _old_badge_token(migration_app.secret_key, "ab" * 16)
        old_delegates = db.table("delegates", *(db.column(name) for name in (
            "congress_id", "code", "full_name", "category", "unit", "position", "delegation",
            "seat", "gender", "phone", "email", "photo", "status", "notes", "badge_nonce",
            "badge_serial", "badge_token_hash", "search_key", "name_key", "created_at",
            "updated_at")))
        db.session.execute(old_delegates.insert().values(
            congress_id=congress_id, code="DB0001", full_name="Lê Văn Hùng", category="official",
            unit="", position="", delegation="", seat="", gender="", phone="", email="",
            photo="", status="registered", notes="", badge_nonce="ab" * 16, badge_serial=1,
            badge_token_hash=token_hash(old_token), search_key="", name_key="",
            created_at=datetime(2023, 9, 1), updated_at=datetime(2023, 9, 1)))
        db.session.commit()
    upgrade_database(migration_app)
    key_file = Path(migration_app.instance_path) / "token_key"
    assert key_file.read_text() == migration_app.secret_key
    with migration_app.app_context():
        delegate = db.session.scalar(db.select(Delegate))
        assert badge_token(delegate) == old_token
        assert find_badge(old_token).id == delegate.id


def test_a_new_install_gets_a_token_key_of_its_own(migration_app):
    upgrade_database(migration_app)
    key_file = Path(migration_app.instance_path) / "token_key"
    assert not key_file.exists()
    with migration_app.app_context():
        key = token_key()
    assert key_file.read_text() == key != migration_app.secret_key
