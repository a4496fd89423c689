"""`flask backup` and `flask restore`: a round trip brings back the data, the uploaded files and
the key printed badges depend on; a wrong archive is refused before anything changes."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from conference import backup
from conference.badges.identity import portal_url
from conference.delegates.models import Delegate
from conference.extensions import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.scratch_db import scratch_postgres
from tests.test_badges import add_congress, add_delegate, jpeg_photo

BASE = "https://daihoi.example.vn"


@pytest.fixture
def database_url():
    """SQLite in the app's instance, or a PostgreSQL database of the test's own: a restore
    drops and makes every table, which the worker's shared database must not see."""
    if not ON_POSTGRES:
        yield None
        return
    with scratch_postgres(TEST_DATABASE_URL, "conference_backup") as url:
        yield url


@pytest.fixture
def site(create_congress, make_app, database_url):
    """A fresh app, in context over the shared one (so `create_congress` writes here)."""
    app = make_app(**({"DATABASE_URL": database_url} if database_url else {}))
    from conference.database import upgrade_database

    upgrade_database(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def registered(create_congress):
    congress = add_congress(create_congress)
    return congress, add_delegate(congress, 1, photo=jpeg_photo())


def count_delegates() -> int:
    db.session.remove()
    return db.session.scalar(db.select(db.func.count(Delegate.id)))


def instance(app) -> Path:
    return Path(app.instance_path)


def test_a_restore_brings_back_the_rows_the_photos_and_the_badge_key(site, tmp_path,
                                                                    create_congress):
    congress, delegate = registered(create_congress)
    congress_id, address = congress.id, portal_url(delegate, BASE)
    photo = instance(site) / "photos" / delegate.photo
    key = (instance(site) / "token_key").read_text()
    made = backup.make_backup(tmp_path / "before.tar.gz")
    assert made.files >= 2 and made.path.stat().st_mode & 0o077 == 0  # owner only: it holds keys
    with tarfile.open(made.path) as archive:
        names = archive.getnames()
    assert "manifest.json" in names and f"files/photos/{delegate.photo}" in names
    assert not any(name.startswith(("files/qr-cache", "files/jobs")) for name in names)

    db.session.delete(db.session.get(Delegate, delegate.id))
    db.session.commit()
    photo.unlink()
    (instance(site) / "token_key").write_text("a key somebody replaced")
    assert count_delegates() == 0

    manifest = backup.restore_backup(made.path)
    assert manifest["database"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert count_delegates() == 1 and photo.is_file()
    assert (instance(site) / "token_key").read_text() == key
    restored = db.session.get(Delegate, delegate.id)
    assert portal_url(restored, BASE) == address  # the printed badge still opens its page
    assert restored.congress_id == congress_id


def archive_with(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def manifest(**fields) -> bytes:
    kind = "postgresql" if ON_POSTGRES else "sqlite"
    return json.dumps({"format": 1, "created_at": "2023-09-27T00:00:00+00:00",
                       "database": kind, "revision": "0011_mailings", "files": 0}
                      | fields).encode()


DATABASE_FILE = "database.dump" if ON_POSTGRES else "database.sqlite3"


@pytest.mark.parametrize(("members", "says"), [
    ({"manifest.json": manifest(), "../../outside": b"x"}, "Unexpected entry"),
    ({"manifest.json": manifest(), "files/../../outside": b"x", DATABASE_FILE: b"x"},
     "Cannot read"),
    ({DATABASE_FILE: b"x"}, "no manifest"),
    ({"manifest.json": manifest(format=99), DATABASE_FILE: b"x"}, "format"),
    ({"manifest.json": manifest(revision="9999_future"), DATABASE_FILE: b"x"},
     "does not know"),
    ({"manifest.json": manifest(database="oracle"), "database.sqlite3": b"x"}, "same kind"),
    ({"manifest.json": manifest()}, "no database"),
])
def test_a_wrong_archive_is_refused_and_nothing_changes(site, tmp_path, members, says,
                                                        create_congress):
    registered(create_congress)
    path = archive_with(tmp_path / "wrong.tar.gz", members)
    with pytest.raises(backup.BackupError, match=says):
        backup.restore_backup(path)
    assert count_delegates() == 1
    assert not (tmp_path.parent / "outside").exists()


def test_a_file_that_is_no_archive_is_refused(site, tmp_path):
    junk = tmp_path / "backup.tar.gz"
    junk.write_bytes(b"PK\x03\x04 not a tar at all")
    with pytest.raises(backup.BackupError, match=r"Cannot read backup\.tar\.gz"):
        backup.restore_backup(junk)
    with pytest.raises(backup.BackupError, match="No such file"):
        backup.restore_backup(tmp_path / "missing.tar.gz")


def test_the_commands_write_and_restore_and_restore_asks_first(site, tmp_path,
                                                               create_congress):
    registered(create_congress)
    runner = site.test_cli_runner()
    target = tmp_path / "nightly.tar.gz"
    written = runner.invoke(args=["backup", str(target)])
    assert written.exit_code == 0 and "Backup written" in written.output and target.is_file()
    asked = runner.invoke(args=["restore", str(target)], input="n\n")
    assert asked.exit_code == 1 and "Aborted" in asked.output
    done = runner.invoke(args=["restore", str(target), "--yes"])
    assert done.exit_code == 0 and "Restored the backup" in done.output, done.output
    refused = runner.invoke(args=["restore", str(tmp_path / "none.tar.gz"), "--yes"])
    assert refused.exit_code == 1 and "No such file" in refused.output
    assert "Traceback" not in refused.output
