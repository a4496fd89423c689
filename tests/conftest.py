"""Fixtures: an app with a fresh database per test, factories, sign-in and API helpers.

The database is SQLite (a copy of one migrated template per test) unless
CONFERENCE_TEST_DATABASE_URL names a PostgreSQL database: then the schema is migrated there once
and every table is emptied after each test. Under pytest-xdist each worker (gw0, gw1, ...) gets
a database of its own, named after that one with the worker's id appended, made and dropped here.

The `app` fixture hands every test the same app per worker and configuration, reset to a fresh
database, an empty instance folder and its first settings; `make_app(**overrides)` builds a new
one each time, for tests that need settings of their own or several apps.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.security import generate_password_hash

from conference import create_app, live
from conference.agenda.models import AgendaItem, CongressSession
from conference.auth.models import Membership, User
from conference.auth.service import create_api_token
from conference.config import PROJECT_ROOT
from conference.congresses.models import Congress
from conference.database import upgrade_database
from conference.extensions import db, limiter, socketio
from conference.i18n import compiled_translations
from conference.jobs.models import Job, JobStatus
from conference.signals import job_finished
from conference.tasks import queue

PASSWORD = "correct horse battery"
# The test users' hash: the app's algorithm (scrypt) at a cost that keeps a sign-in cheap; the
# accounts the app makes itself still get the full cost (tests/test_auth.py).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
TEST_DATABASE_URL = os.environ.get("CONFERENCE_TEST_DATABASE_URL", "")
# A Redis database the job tests may empty of the job queue's keys, e.g. redis://127.0.0.1:6379/5.
TEST_REDIS_URL = os.environ.get("CONFERENCE_TEST_REDIS_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under pytest-xdist
# These start the app on a SQLite file of their own, whatever the test database (the browser
# tests' live server, the first start of `python app.py`, the processes behind nginx): the
# SQLite pass runs them, the PostgreSQL pass would only run them again.
collect_ignore = ["browser", "test_first_start.py", "test_deploy.py"] if ON_POSTGRES else []
SQLITE_FILES = ("conference.db", "conference.db-wal", "conference.db-shm")


def worker_database_url() -> str:
    """This process's PostgreSQL database: the one named, or under xdist `<name>_<worker>`."""
    if not WORKER:
        return TEST_DATABASE_URL
    url = make_url(TEST_DATABASE_URL)
    return url.set(database=f"{url.database}_{WORKER}").render_as_string(hide_password=False)


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
        config["DATABASE_URL"] = worker_database_url()
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
def translations(tmp_path_factory) -> Path:
    """The catalogs compiled once for the whole run (per worker), not once per app."""
    return compiled_translations(tmp_path_factory.mktemp("translations"))


@contextmanager
def postgres_database(url: str) -> Iterator[None]:
    """Create the database of `url` (dropping a stale one left by a killed run), drop it after."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A throwaway database: a commit need not wait for the disk.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        yield
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, translations) -> Iterator[Path | None]:
    """Migrate once: a template SQLite file to copy, or this worker's PostgreSQL database."""
    instance = tmp_path_factory.mktemp("template")
    with contextlib.ExitStack() as stack:
        if ON_POSTGRES and WORKER:
            stack.enter_context(postgres_database(worker_database_url()))
        elif ON_POSTGRES:
            engine = create_engine(TEST_DATABASE_URL)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        app = create_app(base_config(instance, TRANSLATIONS_FOLDER=str(translations)))
        upgrade_database(app)
        with app.app_context():
            db.engine.dispose()
        yield None if ON_POSTGRES else instance / "conference.db"


def _fresh_instance(instance: Path, template: Path | None) -> None:
    """An empty instance folder holding a copy of the migrated SQLite template."""
    shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir(parents=True)
    if template is not None:
        shutil.copy(template, instance / "conference.db")


def _stop_job_watcher(app: Flask) -> None:
    """Let the thread that waits for the test's jobs to end (jobs.service._watch) finish first:
    a connection it held while the pool was disposed went back to the dropped pool and was left
    open to the garbage collector, which warned in whichever test ran then."""
    state = app.extensions.get("job_watch")
    if state is None:
        return
    with state["lock"]:
        state["ids"].clear()
    deadline = time.monotonic() + 5
    while state["running"] and time.monotonic() < deadline:
        time.sleep(0.02)


def _release_database(app: Flask, *, keep_pool: bool = False) -> None:
    """End `app`'s sessions and close its connections, so the next test starts on a fresh
    database; `keep_pool` keeps them open on PostgreSQL, whose database stays the same."""
    _stop_job_watcher(app)
    with app.app_context():
        db.session.remove()
        if not (keep_pool and ON_POSTGRES):
            db.engine.dispose()


class PostgresEmptier:
    """Empties this worker's PostgreSQL database and restarts its ids, in one round trip.

    DELETE, children first: TRUNCATE makes new files for every table and index, about 0.25 s
    each time here against a few milliseconds for the rows a test leaves.
    """

    def __init__(self, url: str):
        self.engine = create_engine(url)
        with self.engine.connect() as connection:
            sequences = connection.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )).scalars().all()
        self.statement = "; ".join(
            [f"DELETE FROM {table.name}" for table in reversed(db.metadata.sorted_tables)]
            + [f"SELECT setval('{name}', 1, false)" for name in sequences])

    def empty(self) -> None:
        with self.engine.begin() as connection:
            connection.exec_driver_sql(self.statement)


@pytest.fixture(scope="session")
def _postgres(migrated_template) -> Iterator[PostgresEmptier | None]:
    emptier = PostgresEmptier(worker_database_url()) if ON_POSTGRES else None
    yield emptier
    if emptier is not None:
        emptier.engine.dispose()


@pytest.fixture
def empty_database(_postgres) -> Iterator[None]:
    """On PostgreSQL, empty every table after the test (SQLite gets a new file per app)."""
    yield
    if _postgres is not None:
        _postgres.empty()


def _new_app(instance: Path, template: Path | None, translations: Path, **overrides) -> Flask:
    _fresh_instance(instance, template)
    app = create_app(base_config(instance, TRANSLATIONS_FOLDER=str(translations), **overrides))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def make_app(tmp_path, migrated_template, translations, empty_database):
    """Build a new app on a fresh database; extra settings as keyword arguments."""
    built = []

    def make(**overrides):
        app = _new_app(tmp_path / f"instance{len(built)}", migrated_template, translations,
                       **overrides)
        built.append(app)
        return app

    yield make
    for app in built:
        _release_database(app)


class SharedApp:
    """One app kept for a worker's whole run, put back as new before each test that uses it:
    building an app costs more than most tests (compiling ~160 URL rules, the templates)."""

    def __init__(self, app: Flask):
        self.app = app
        self.config = self._copy(app.config)
        self.extensions = set(app.extensions)
        self.socket_server = socketio.server  # the one its own init_app made

    @staticmethod
    def _copy(config) -> dict:
        return {key: dict(value) if isinstance(value, dict) else value
                for key, value in config.items()}

    def reset(self, template: Path | None) -> Flask:
        """A fresh database and instance folder, the first settings, no caches, no limits hit."""
        app = self.app
        _release_database(app, keep_pool=True)
        _fresh_instance(Path(app.instance_path), template)
        app.config.clear()
        app.config.update(self._copy(self.config))
        for key in set(app.extensions) - self.extensions:  # caches features keep per app
            del app.extensions[key]
        socketio.server = self.socket_server  # a make_app() since then bound another one
        queue.bind(app)  # likewise the job queue, and a fresh one
        limiter.reset()
        return app


@pytest.fixture(scope="session")
def shared_apps(tmp_path_factory, migrated_template, translations) -> Iterator[dict]:
    apps: dict[str, SharedApp] = {}
    yield apps
    for shared in apps.values():
        _release_database(shared.app)


@pytest.fixture
def app(request, tmp_path_factory, shared_apps, migrated_template, translations,
        empty_database):
    """The app under test; a module marked `english` gets English pages instead of Vietnamese,
    so its assertions on visible text hold whatever the translations say."""
    english = request.node.get_closest_marker("english") is not None
    overrides = {"DEFAULT_LOCALE": "en"} if english else {}
    key = repr(sorted(overrides.items()))
    if key not in shared_apps:
        instance = tmp_path_factory.mktemp("shared-instance")
        shared_apps[key] = SharedApp(_new_app(instance, None, translations, **overrides))
    app = shared_apps[key].reset(migrated_template)
    with app.app_context():
        yield app
    _release_database(app, keep_pool=True)
    # A push this test failed to send must not reach the next test's rooms (same names).
    with live._unsent_lock:
        live._unsent.clear()


class OneTransaction:
    """Every session of the test, its own and each request's, on one connection inside one
    transaction that is never committed: their commits become savepoints. `connection` reads
    what they wrote; `with one_transaction.undone():` rolls back what its block did."""

    def __init__(self, connection):
        self.connection = connection

    @contextmanager
    def undone(self) -> Iterator[None]:
        known = set(db.session.identity_map.keys())
        point = self.connection.begin_nested()
        try:
            yield
        finally:
            db.session.rollback()  # end the test session's own savepoint first
            point.rollback()
            for key, instance in list(db.session.identity_map.items()):
                if key not in known:  # its row is gone; a new one may get its id
                    db.session.expunge(instance)


@pytest.fixture
def one_transaction(app) -> Iterator[OneTransaction]:
    """Run the test inside one transaction (see OneTransaction), rolled back at its end."""
    connection = db.engine.connect()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # pysqlite opens and ends transactions on its own: let SQLAlchemy's through
        connection.connection.driver_connection.isolation_level = None
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    app_session = db.session
    db.session = scoped_session(sessionmaker(bind=connection,
                                             join_transaction_mode="create_savepoint"),
                                scopefunc=app_session.registry.scopefunc)
    try:
        yield OneTransaction(connection)
    finally:
        db.session.remove()
        db.session = app_session
        outer.rollback()
        if sqlite:
            connection.connection.driver_connection.isolation_level = ""
        connection.close()


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


def make_agenda(create_congress, create_session, create_item):
    """A published congress with two sessions of two and three items."""
    congress = create_congress()
    first = create_session(congress, title="Phiên trù bị", kind="preparatory")
    second = create_session(congress, title="Phiên chính thức")
    items = [create_item(first, title="Khai mạc"), create_item(first, title="Bầu Đoàn Chủ tịch"),
             create_item(second, title="Báo cáo chính trị"),
             create_item(second, title="Thảo luận"), create_item(second, title="Bế mạc")]
    return congress, [first, second], items


@pytest.fixture
def agenda(create_congress, create_session, create_item):
    """A published congress with two sessions of two and three items."""
    return make_agenda(create_congress, create_session, create_item)


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
        """Kill its main process, as the OOM killer would, and wait until its workers, which
        the kernel then kills, are gone too (a worker left behind would go on taking jobs)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # no event tells of another process's end
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        left = subprocess.run(["ps", "-o", "pid,ppid,etime,cmd", "-g", str(self.process.pid)],
                              capture_output=True, text=True).stdout
        os.killpg(self.process.pid, signal.SIGKILL)
        raise AssertionError(f"the consumer's workers outlived it:\n{left}")

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


class Announcements(list):
    """The ids of the jobs whose end this process announced (`job_finished`), as they come,
    and the watcher threads that announced them."""

    def __init__(self):
        super().__init__()
        self.changed = threading.Condition()
        self.watchers: dict[int, threading.Thread] = {}

    def receive(self, _congress, job, **_extra) -> None:
        with self.changed:
            self.append(job.id)
            self.watchers[job.id] = threading.current_thread()
            self.changed.notify_all()


@pytest.fixture
def job_announcements() -> Iterator[Announcements]:
    """The jobs whose end this process announced; wait for one with wait_for_announcement."""
    announced = Announcements()
    with job_finished.connected_to(announced.receive):
        yield announced


def wait_for_announcement(announced: Announcements, job_id: int, timeout: float = 10) -> None:
    """Wait until the job's end was announced and its watcher thread has ended.

    Everything the announcement set off in this process (pushes to live pages) is done then, and
    the watcher has given its database connection back: one still held when the test's app is
    disposed would leak into the next tests.
    """
    with announced.changed:
        assert announced.changed.wait_for(lambda: job_id in announced, timeout), (
            f"the end of job {job_id} was not announced")
    watcher = announced.watchers[job_id]
    watcher.join(timeout)
    assert not watcher.is_alive(), f"the watcher of job {job_id} did not finish"


@pytest.fixture(autouse=True)
def _alone_when_marked(request):
    """A test marked `alone` runs while the other xdist workers wait between their tests: the
    venue tests time seconds across nginx and four processes, and a second worker's browser
    or fuzz test on the same two cores made a phone's handshake hang or a push come late.
    Every other test holds the run's lock shared, which costs nothing while none is alone."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        yield
        return
    alone = request.node.get_closest_marker("alone") is not None
    with open(Path(tempfile.gettempdir()) / f"conference-tests-{run}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that ran a venue (bench/venue.py) reports what its parts were doing then:
    a hang between nginx and the processes cannot be seen any later."""
    report = yield
    venue = getattr(item, "funcargs", {}).get("venue")
    if report.when == "call" and report.failed and hasattr(venue, "describe"):
        report.sections.append(("the venue when the test failed", venue.describe()))
    return report


def pytest_terminal_summary(terminalreporter):
    """Print the figures tests recorded (`record_property("figures", text)`), such as the
    schemathesis run's: they come back from xdist workers with each test's report."""
    figures = [value for report in terminalreporter.stats.get("passed", []) +
               terminalreporter.stats.get("failed", [])
               for name, value in getattr(report, "user_properties", ()) if name == "figures"]
    if figures:
        terminalreporter.section("figures")
        for text in figures:
            terminalreporter.write_line(text)


@pytest.fixture
def one_page_pdfs(monkeypatch):
    """Every PDF rendered in the test is one fixed page, for tests of what routes answer rather
    than of what they print: a batch of 270 ballots costs WeasyPrint 6 s, 1,000 a minute (the
    renders are tested with their features: test_badges, test_elections, ...)."""
    import weasyprint

    page = weasyprint.HTML(string="<p>PDF</p>").write_pdf()
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *args, **kwargs: page)


# For a test's `websockets` client: the app's server sends no close frame back when a client
# closes (the connection just ends), and waiting for one, 10 s by default, only loses time.
CLOSE_TIMEOUT = 1

# The longest tests, which go first: xdist hands tests out in this order, one to each worker in
# turn, so each starts on a long one instead of one finishing alone at the end of the run.
LONGEST_FIRST = ("tests/test_api_fuzz.py", "tests/test_first_start.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order
