"""Fixtures: a fresh app and database per test, factories, sign-in and API helpers.

The database is SQLite (a copy of one migrated template per test) unless
CONFERENCE_TEST_DATABASE_URL names a PostgreSQL database: then the schema is migrated there once
and every table is emptied after each test.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from conference import create_app
from conference.agenda.models import AgendaItem, CongressSession
from conference.auth.models import Membership, User
from conference.auth.service import create_api_token
from conference.config import PROJECT_ROOT
from conference.congresses.models import Congress
from conference.database import upgrade_database
from conference.extensions import db, socketio
from conference.jobs.models import Job, JobStatus
from conference.signals import job_finished

PASSWORD = "correct horse battery"
# scrypt is slow on purpose; hash the shared test password once.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
TEST_DATABASE_URL = os.environ.get("CONFERENCE_TEST_DATABASE_URL", "")
# A Redis database the job tests may empty of the job queue's keys, e.g. redis://127.0.0.1:6379/5.
TEST_REDIS_URL = os.environ.get("CONFERENCE_TEST_REDIS_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def base_config(instance: Path, **overrides) -> dict:
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URL": "memory://",
        "MESSAGE_QUEUE": None,
        "JOBS_IMMEDIATE": True,
    }
    if ON_POSTGRES:
        config["DATABASE_URL"] = TEST_DATABASE_URL
    config.update(overrides)
    return config


class IsolatedClient(FlaskClient):
    """A test client whose requests run as on a real server: in their own app context.

    Flask reuses an app context that is already pushed (our fixtures push one for the test),
    which would share `g` (the signed-in user) and the database session between requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path | None:
    """Migrate once: a template SQLite file to copy, or the PostgreSQL test database itself."""
    instance = tmp_path_factory.mktemp("template")
    if ON_POSTGRES:
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(base_config(instance))
    upgrade_database(app)
    with app.app_context():
        db.engine.dispose()
    return None if ON_POSTGRES else instance / "conference.db"


def _empty_postgres_tables(app) -> None:
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def make_app(tmp_path, migrated_template):
    """Build an app on a fresh database; extra settings as keyword arguments."""
    built = []

    def make(**overrides):
        instance = tmp_path / f"instance{len(built)}"
        instance.mkdir()
        if (migrated_template is not None and not built) or migrated_template is not None:
            shutil.copy(migrated_template, instance / "conference.db")
        app = create_app(base_config(instance, **overrides))
        app.test_client_class = IsolatedClient
        built.append(app)
        return app

    yield make
    for app in built:
        with app.app_context():
            db.session.remove()
        if ON_POSTGRES:
            _empty_postgres_tables(app)
        else:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def app(make_app, request):
    """The app under test; a module marked `english` gets English pages instead of Vietnamese,
    so its assertions on visible text hold whatever the translations say."""
    english = request.node.get_closest_marker("english") is not None
    app = make_app(**({"DEFAULT_LOCALE": "en"} if english else {}))
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories -----------------------------------------------------------------------------


@pytest.fixture
def create_user(app):
    counter = iter(range(1, 10_000))

    def make(username=None, *, role=None, congress=None, admin=False, can_create=False):
        user = User(username=username or f"user{next(counter)}", password_hash=PASSWORD_HASH,
                    is_admin=admin, can_create_congresses=can_create or admin)
        db.session.add(user)
        if role is not None:
            db.session.add(Membership(user=user, congress_id=congress.id, role=role))
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_congress(app):
    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        values = {"slug": f"congress-{n}", "name": f"Đại hội Công đoàn số {n}",
                  "starts_on": date(2023, 9, 27), "ends_on": date(2023, 9, 28),
                  "timezone": "Asia/Ho_Chi_Minh", "published": True} | fields
        congress = Congress(**values)
        db.session.add(congress)
        db.session.commit()
        return congress

    return make


@pytest.fixture
def congress(create_congress):
    """A published congress with nothing in it."""
    return create_congress()


@pytest.fixture
def organizer(congress, create_user, login):
    """An organizer of `congress`, signed in on the client."""
    user = create_user(role="organizer", congress=congress)
    login(user)
    return user


@pytest.fixture
def create_session(app):
    def make(congress, *, title="Phiên chính thức", kind="official", starts_at=None, hours=3):
        starts_at = starts_at or datetime(2023, 9, 28, 0, 30, tzinfo=UTC) + timedelta(
            hours=len(db.session.scalars(db.select(CongressSession).where(
                CongressSession.congress_id == congress.id)).all()) * 4)
        session = CongressSession(congress_id=congress.id, title=title, kind=kind,
                                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))
        db.session.add(session)
        congress.agenda_revision += 1  # as the agenda service does on every change
        db.session.commit()
        return session

    return make


@pytest.fixture
def create_item(app):
    def make(session, *, title=None, presenter=""):
        position = len(session.items) + 1
        item = AgendaItem(session_id=session.id, title=title or f"Mục {position}",
                          presenter=presenter, position=position)
        db.session.add(item)
        db.session.commit()
        db.session.refresh(session)
        return item

    return make


@pytest.fixture
def agenda(create_congress, create_session, create_item):
    """A published congress with two sessions of two and three items."""
    congress = create_congress()
    first = create_session(congress, title="Phiên trù bị", kind="preparatory")
    second = create_session(congress, title="Phiên chính thức")
    items = [create_item(first, title="Khai mạc"), create_item(first, title="Bầu Đoàn Chủ tịch"),
             create_item(second, title="Báo cáo chính trị"),
             create_item(second, title="Thảo luận"), create_item(second, title="Bế mạc")]
    return congress, [first, second], items


# --- acting as someone -----------------------------------------------------------------------


@pytest.fixture
def login(client):
    def sign_in(user, password=PASSWORD, the_client=None):
        response = (client if the_client is None else the_client).post(
            "/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return sign_in


@pytest.fixture
def api(client):
    """Call the JSON API as a user: api(user).post("/api/v1/...", json=...)."""

    class Caller:
        def __init__(self, user):
            _token, self.token = create_api_token(None, user, "test")

        def _call(self, method, path, **kwargs):
            headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
            return client.open(path, method=method, headers=headers, **kwargs)

        def get(self, path, **kw):
            return self._call("GET", path, **kw)

        def post(self, path, **kw):
            return self._call("POST", path, **kw)

        def patch(self, path, **kw):
            return self._call("PATCH", path, **kw)

        def delete(self, path, **kw):
            return self._call("DELETE", path, **kw)

    return Caller


class IsolatedSocketClient:
    """A Socket.IO test client whose events, like IsolatedClient's requests, run in their own
    app context, so each sees its own signed-in user."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute
        return lambda *args, **kwargs: contextvars.Context().run(attribute, *args, **kwargs)


@pytest.fixture
def socket_client(app, client):
    """A Socket.IO test client that shares the HTTP client's sign-in."""
    made = []

    def connect(namespace="/live", auth=None, flask_client=None):
        sock = IsolatedSocketClient(contextvars.Context().run(
            socketio.test_client, app, namespace=namespace, auth=auth,
            flask_test_client=flask_client or client))
        made.append((sock, namespace))
        return sock

    yield connect
    for sock, namespace in made:
        if sock.is_connected(namespace):
            sock.disconnect(namespace)


# --- jobs run by a real consumer process -----------------------------------------------------
# Tests run jobs at once in their own process (JOBS_IMMEDIATE); these helpers are for the few
# that start `python -m conference.jobs.consumer` on an app made with JOBS_IMMEDIATE=False.


class Consumer:
    """A consumer process on a test app's database and SQLite job queue."""

    def __init__(self, app):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("CONFERENCE_")}
        env |= {"CONFERENCE_INSTANCE_PATH": app.instance_path,
                "CONFERENCE_SECRET_KEY": app.config["SECRET_KEY"],
                "CONFERENCE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "CONFERENCE_REDIS_URL": app.config["CONFERENCE"]["REDIS_URL"] or "",
                "CONFERENCE_MAX_JOBS": "1"}
        self.log = Path(app.instance_path) / "consumer.log"  # read it when a job fails
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "conference.jobs.consumer"], env=env, cwd=PROJECT_ROOT,
                start_new_session=True, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """Kill it and its workers at once, as a power cut or the OOM killer would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Stop it as `python app.py` does on its way out."""
        from conference.jobs.consumer import stop

        stop(self.process)


@pytest.fixture
def consumer():
    """Start a consumer for an app: consumer(app); every one is stopped after the test."""
    started: list[Consumer] = []

    def start(app) -> Consumer:
        started.append(Consumer(app))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def wait_for_status(job_id: int, statuses, timeout: float = 120) -> Job:
    """Poll a job run in another process until it reaches one of `statuses`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a new transaction: SQLite shows one its first snapshot
        job = db.session.get(Job, job_id)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} stayed {job.status}")


def wait_for_job(job_id: int, timeout: float = 120) -> Job:
    """Poll a job run in another process until it is done; fail if it failed."""
    job = wait_for_status(job_id, (JobStatus.DONE, JobStatus.FAILED), timeout)
    assert job.status == JobStatus.DONE, job.error
    return job


@pytest.fixture
def job_announcements():
    """The ids of the jobs whose end this process announced (`job_finished`), as they come.

    On leaving, wait until each announcing watcher gave its database connection back: a
    watcher still holding one when the test's app is disposed leaks it into the next tests.
    """
    announced: list[int] = []

    def receiver(_congress, job, **_extra):
        announced.append(job.id)

    with job_finished.connected_to(receiver):
        yield announced


def wait_for_announcement(announced: list[int], job_id: int, timeout: float = 10) -> None:
    """Wait until the job's end was announced and its watcher is done with the database."""
    deadline = time.monotonic() + timeout
    while job_id not in announced and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job_id in announced, f"the end of job {job_id} was not announced"
    db.session.remove()
    while db.engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.05)
