"""Settings: defaults, environment, test mapping; the secret key; SQLite pragmas; cookies."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from conference import create_app
from conference.config import PROJECT_ROOT, SETTINGS, load_settings
from conference.extensions import db

README = PROJECT_ROOT / "README.md"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Run each test without the CONFERENCE_* settings of the shell that started pytest."""
    for name in SETTINGS:
        monkeypatch.delenv(f"CONFERENCE_{name}", raising=False)


def _app(instance: Path, **overrides):
    return create_app({"INSTANCE_PATH": str(instance), **overrides})


# --- where each value comes from -------------------------------------------------------------


def test_defaults_apply_without_environment_or_mapping():
    settings = load_settings()
    for name, (default, _kind, _doc) in SETTINGS.items():
        if name == "INSTANCE_PATH":
            assert settings[name] == str((PROJECT_ROOT / "instance").resolve())
        else:
            assert settings[name] == default, name


def test_every_setting_has_a_description_and_a_default_of_its_type():
    for name, (default, kind, description) in SETTINGS.items():
        assert description.strip(), name
        assert default is None or isinstance(default, kind), name


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("CONFERENCE_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("CONFERENCE_PROXY_FIX", "yes")
    monkeypatch.setenv("CONFERENCE_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("CONFERENCE_SESSION_COOKIE_SECURE", "off")
    monkeypatch.setenv("CONFERENCE_LOGIN_RATE_LIMIT", "")  # empty means: keep the default
    settings = load_settings()
    assert settings["MAX_UPLOAD_MB"] == 7
    assert settings["PROXY_FIX"] is True
    assert settings["DEFAULT_LOCALE"] == "en"
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["LOGIN_RATE_LIMIT"] == SETTINGS["LOGIN_RATE_LIMIT"][0]

    app = _app(tmp_path)
    assert app.config["MAX_CONTENT_LENGTH"] == 7 * 1024 * 1024
    assert app.config["BABEL_DEFAULT_LOCALE"] == "en"


def test_mapping_overrides_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONFERENCE_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("CONFERENCE_DATABASE_URL", "sqlite:///from-environment.db")
    app = _app(tmp_path, MAX_UPLOAD_MB=3, DATABASE_URL=f"sqlite:///{tmp_path / 'mapped.db'}",
               TESTING=True)
    assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'mapped.db'}"
    assert app.config["TESTING"] is True  # an extra Flask key passes straight through


def test_redis_url_is_the_default_of_the_message_queue_and_the_rate_limits(monkeypatch):
    """One Redis for jobs, live updates and sign-in counts, unless each is given its own."""
    monkeypatch.setenv("CONFERENCE_REDIS_URL", "redis://127.0.0.1:6379/5")
    settings = load_settings()
    assert settings["MESSAGE_QUEUE"] == settings["RATELIMIT_STORAGE_URL"] == (
        "redis://127.0.0.1:6379/5")
    monkeypatch.setenv("CONFERENCE_RATELIMIT_STORAGE_URL", "memory://")
    given = load_settings({"MESSAGE_QUEUE": None})  # each given its own: kept
    assert (given["MESSAGE_QUEUE"], given["RATELIMIT_STORAGE_URL"]) == (None, "memory://")
    monkeypatch.delenv("CONFERENCE_REDIS_URL")
    monkeypatch.delenv("CONFERENCE_RATELIMIT_STORAGE_URL")
    assert (load_settings()["MESSAGE_QUEUE"], load_settings()["RATELIMIT_STORAGE_URL"]) == (
        None, "memory://")


def test_instances_sharing_one_redis_keep_to_their_own_names(tmp_path):
    """A grassroots union's instance beside the federation's on one Redis: its jobs, live
    updates and rate-limit counts do not mix with the other's."""
    from conference.extensions import socketio
    from conference.tasks import queue

    app = _app(tmp_path, REDIS_URL="redis://127.0.0.1:6379/5", RATELIMIT_STORAGE_URL="memory://",
               REDIS_PREFIX="kyanh")
    assert queue.storage.name == "kyanh"
    assert socketio.server.manager.channel == "kyanh-live"
    assert app.config["RATELIMIT_KEY_PREFIX"] == "kyanh"
    assert load_settings()["REDIS_PREFIX"] == "conference"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = _app(tmp_path)
    secret = tmp_path / "secret_key"
    assert secret.exists()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    second = _app(tmp_path)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert _app(tmp_path / "other").config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_configured_secret_key_writes_no_file(tmp_path):
    app = _app(tmp_path, SECRET_KEY="given")
    assert app.config["SECRET_KEY"] == "given"
    assert not (tmp_path / "secret_key").exists()


def test_instance_path_from_environment_holds_database_and_secret(monkeypatch, tmp_path):
    instance = tmp_path / "elsewhere"
    monkeypatch.setenv("CONFERENCE_INSTANCE_PATH", str(instance))
    app = create_app()
    assert app.instance_path == str(instance.resolve())
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance.resolve()}/conference.db"
    assert (instance / "secret_key").read_text().strip() == app.config["SECRET_KEY"]


# --- SQLite and cookies ----------------------------------------------------------------------


def test_sqlite_uses_wal_and_enforces_foreign_keys(tmp_path):
    app = _app(tmp_path, SECRET_KEY="x", DATABASE_URL=f"sqlite:///{tmp_path / 'pragmas.db'}")
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        finally:
            db.engine.dispose()


def _session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie")
               if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]


def test_session_cookie_is_httponly_and_lax(client, create_user):
    user = create_user()
    response = client.post("/login", data={"username": user.username,
                                           "password": "correct horse battery"})
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=Lax", cookie, re.IGNORECASE)
    assert "Secure" not in cookie  # plain HTTP (a laptop on the venue network) still works


def test_session_cookie_is_secure_over_https(client, create_user):
    user = create_user()
    response = client.post("/login", base_url="https://localhost",
                           data={"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


# --- the README stays in step ----------------------------------------------------------------


def _readme_settings_rows() -> dict[str, str]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`CONFERENCE_([A-Z_]+)`\s*\|", line)
        if match:
            rows[match.group(1)] = line
    return rows


def test_readme_settings_table_lists_every_setting():
    rows = _readme_settings_rows()
    assert set(rows) == set(SETTINGS), (
        "README.md's settings table and conference/config.py SETTINGS differ: "
        f"missing {sorted(set(SETTINGS) - set(rows))}, unknown {sorted(set(rows) - set(SETTINGS))}")
    for name, (default, _kind, _doc) in SETTINGS.items():
        if default is not None and name != "INSTANCE_PATH":
            shown = str(default).lower() if isinstance(default, bool) else str(default)
            assert f"`{shown}`" in rows[name], f"README shows another default for {name}"
