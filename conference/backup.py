"""Backups: one archive holding the database and the files kept beside it, and its restore.

`flask backup` writes a .tar.gz readable by its owner only:
- `database.sqlite3`, made with SQLite's online backup API (a consistent copy while the app
  writes), or `database.dump`, made by pg_dump in its custom format;
- `files/<name>`: what features register with `keep()` (uploaded documents, photos, screen
  images) and the instance's keys; without the token key no printed badge would open again;
- `manifest.json`: when, which database, its schema revision, how many files.
Caches (QR codes, badge pages, job results) are left out: they are made again when needed.

`flask restore` puts it all back in place of what is there (the app is stopped meanwhile), then
applies the migrations a backup made by an older version lacks. A backup whose schema is newer
than this code, of the other kind of database, or that is no such archive is refused before
anything is touched.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL

from conference.database import upgrade_database
from conference.dates import utcnow
from conference.extensions import db, migrate

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
FILES = "files"
# Files and folders of the instance every backup carries; features add theirs with keep().
_kept: set[str] = {"token_key", "secret_key"}


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words."""


def keep(name: str) -> None:
    """Carry the instance's file or folder `name` in every backup."""
    _kept.add(name)


@dataclass
class BackupSummary:
    path: Path
    database: str
    revision: str
    files: int
    size: int


def _kind(url: URL) -> str:
    return "postgresql" if url.get_backend_name() == "postgresql" else "sqlite"


def _pg_command(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq address of `url` without its password, which goes in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    address = url.set(drivername="postgresql", password=None)
    return address.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603 (pg_dump or pg_restore; the arguments are ours)
            command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install "
                          "postgresql-client, of the server's version).") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _revision() -> str:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


def _dump_database(url: URL, target: Path) -> None:
    if _kind(url) == "postgresql":
        address, env = _pg_command(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={target}", f"--dbname={address}"], env)
        return
    _sqlite_copy(url.database, target)


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    """Copy a SQLite database through SQLite's backup API: consistent while others write, and
    the target's write-ahead log stays right."""
    original, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        original.backup(copy)
    finally:
        copy.close()
        original.close()


def _file_count(path: Path) -> int:
    return sum(1 for item in path.rglob("*") if item.is_file()) if path.is_dir() else 1


def default_path(instance: Path) -> Path:
    return instance / "backups" / f"backup-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"


def make_backup(path: Path | None = None) -> BackupSummary:
    """Write the archive (see the module's docstring) and say what it holds."""
    instance = Path(current_app.instance_path)
    path = Path(path or default_path(instance))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = db.engine.url
    kind = _kind(url)
    revision = _revision()
    db.session.remove()
    files = 0
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / DATABASE_FILES[kind]
        _dump_database(url, database)
        partial = path.with_name(path.name + ".part")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                       "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(database, DATABASE_FILES[kind])
            for name in sorted(_kept):
                source = instance / name
                if source.exists():
                    archive.add(source, f"{FILES}/{name}")
                    files += _file_count(source)
            manifest = json.dumps({"format": FORMAT, "created_at": utcnow().isoformat(),
                                   "database": kind, "revision": revision,
                                   "files": files}).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(manifest)
            archive.addfile(info, io.BytesIO(manifest))
        partial.replace(path)
    return BackupSummary(path, kind, revision, files, path.stat().st_size)


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError("This is no backup of this app: it holds no manifest.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This backup was written in a format this version cannot read.")
    return manifest


def _unpack(path: Path, folder: Path) -> dict:
    """Unpack the archive into `folder` (nothing outside it: tarfile's "data" filter refuses
    absolute paths, `..`, links out and device files) and return its checked manifest."""
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            for member in archive.getmembers():
                top = member.name.split("/", 1)[0]
                if top not in {MANIFEST, FILES, *DATABASE_FILES.values()}:
                    raise BackupError(f"Unexpected entry in the backup: {member.name[:80]}")
            archive.extractall(folder, filter="data")
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"Cannot read {path.name}: {exc}") from None
    return _read_manifest(folder)


def _check(manifest: dict, folder: Path, kind: str) -> None:
    if manifest.get("database") != kind:
        raise BackupError(f"This backup holds a {manifest.get('database')} database; this app "
                          f"uses {kind}. Restore it into an install of the same kind.")
    if not (folder / DATABASE_FILES[kind]).is_file():
        raise BackupError("The backup holds no database.")
    revision = manifest.get("revision") or ""
    scripts = ScriptDirectory(migrate.directory)
    try:
        known = revision and scripts.get_revision(revision) is not None
    except Exception:  # alembic's lookup errors have no common base worth naming
        known = False
    if not known:
        raise BackupError(f"This backup's database is at schema revision {revision!r}, which "
                          "this version of the app does not know: restore it with the version "
                          "that made it, or a newer one.")


def _restore_database(url: URL, source: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if _kind(url) == "postgresql":
        address, env = _pg_command(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", f"--dbname={address}", str(source)], env)
        return
    _sqlite_copy(source, url.database)


def _restore_files(folder: Path, instance: Path) -> int:
    restored = 0
    for item in sorted((folder / FILES).glob("*")) if (folder / FILES).is_dir() else []:
        if item.name not in _kept:
            continue
        target = instance / item.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(str(item), target)
        restored += _file_count(target)
    return restored


def restore_backup(path: Path) -> dict:
    """Replace the database and the kept files with the archive's; returns its manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such file: {path}")
    url = db.engine.url
    kind = _kind(url)
    instance = Path(current_app.instance_path)
    with tempfile.TemporaryDirectory(dir=instance) as scratch:
        folder = Path(scratch)
        manifest = _unpack(path, folder)
        _check(manifest, folder, kind)
        _restore_database(url, folder / DATABASE_FILES[kind])
        manifest["restored_files"] = _restore_files(folder, instance)
    upgrade_database(current_app)
    return manifest
