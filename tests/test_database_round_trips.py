"""Round trips to a server database: a rested connection is checked before use, one in steady
use is not; a scan at the doors reads and writes without a transaction around it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text

from conference import database
from conference.extensions import db
from tests.conftest import ON_POSTGRES
from tests.test_checkin import add_delegate, badge_url

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not ON_POSTGRES, reason="round trips of a database server")]


@pytest.fixture
def cut_the_apps_connections(app):
    """As a server restart or a firewall would: end the connections of the app's pool (those
    opened from the test's start; other apps of the test run keep theirs)."""
    db.session.remove()
    db.engine.dispose()
    opened = []

    def note(dbapi_connection, _record) -> None:
        opened.append(dbapi_connection.info.backend_pid)

    def cut() -> int:
        db.session.remove()  # the test's own goes back to the pool, to be cut with the others
        admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                return len(connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid = ANY(:opened)"), {"opened": opened}).all())
        finally:
            admin.dispose()

    event.listen(db.engine, "connect", note)
    yield cut
    event.remove(db.engine, "connect", note)
    db.session.remove()
    db.engine.dispose()  # no later test meets a cut connection


@pytest.fixture
def staff(api, agenda, create_user):
    return api(create_user("cong.chinh", role="checkin", congress=agenda[0]))


def test_a_connection_cut_while_it_rested_is_replaced_before_use(cut_the_apps_connections,
                                                                 staff, agenda, monkeypatch):
    congress = agenda[0]
    assert staff.get(f"/api/v1/congresses/{congress.id}").status_code == 200
    assert cut_the_apps_connections() >= 1
    monkeypatch.setattr(database, "RESTED_SECONDS", 0.0)  # every pooled one has rested
    answer = staff.get(f"/api/v1/congresses/{congress.id}")
    assert answer.status_code == 200, answer.get_data(as_text=True)


def test_a_connection_cut_in_steady_use_fails_one_request_cleanly(cut_the_apps_connections,
                                                                  staff, agenda, monkeypatch):
    congress = agenda[0]
    assert staff.get(f"/api/v1/congresses/{congress.id}").status_code == 200
    pings = []
    ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    monkeypatch.setattr(database, "RESTED_SECONDS", 3600.0)  # none has rested
    assert staff.get(f"/api/v1/congresses/{congress.id}").status_code == 200
    assert pings == []  # a connection in steady use costs no ping
    cut_the_apps_connections()
    lost = staff.get(f"/api/v1/congresses/{congress.id}")
    assert lost.status_code == 503
    assert lost.json["error"]["code"] == "database_unavailable"
    assert lost.headers["Retry-After"] == "5"
    assert staff.get(f"/api/v1/congresses/{congress.id}").status_code == 200  # a new pool


def test_a_scan_runs_without_a_transaction_and_keeps_its_check_in(staff, agenda):
    congress = agenda[0]
    delegate, token = add_delegate(congress, full_name="Lê Văn Thành")
    in_transaction = []

    def note(connection, _cursor, statement, *_args):
        # The scan's own statements (the pushes that follow a check-in read in their own time).
        if "badge_token_hash =" in statement or statement.startswith("INSERT INTO checkins"):
            in_transaction.append(not connection.connection.dbapi_connection.autocommit)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        first = staff.post(f"/api/v1/congresses/{congress.id}/checkins",
                           json={"scan": badge_url(token), "gate": "Cổng 1"})
        again = staff.post(f"/api/v1/congresses/{congress.id}/checkins",
                           json={"scan": badge_url(token), "gate": "Cổng 2"})
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert (first.status_code, again.status_code) == (201, 200)
    assert in_transaction == [False, False, False]  # read, insert; read again
    db.session.remove()
    stored = db.session.execute(text("SELECT gate FROM checkins WHERE delegate_id = :id"),
                                {"id": delegate.id}).scalars().all()
    assert stored == ["Cổng 1"]
