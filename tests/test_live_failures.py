"""Live pushes after a commit: a failing push (Redis down, a receiver that raises) is logged and
counted, the committed change answers as usual, and the other receivers still run."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from conference import live
from conference.auth.models import Role
from conference.badges.identity import badge_token
from conference.checkin.models import CheckIn
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.extensions import db, socketio
from conference.signals import agenda_changed, delegate_checked_in

pytestmark = pytest.mark.english

NAMESPACE = "/live"


@pytest.fixture
def operator_browser(app, agenda, create_user, login):
    browser = app.test_client()
    login(create_user(role=Role.OPERATOR, congress=agenda[0]), the_client=browser)
    return browser


@pytest.fixture
def new_failures():
    """The failures counted from now on, as a function to call at the end."""
    before = live.failures.copy()
    return lambda: live.failures - before


def redis_down(*_args, **_kwargs):
    raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_receiver_that_raises_fails_neither_the_change_nor_the_others(
        agenda, operator_browser, socket_client, new_failures, caplog):
    congress, _sessions, items = agenda
    watcher = socket_client(auth={"congress": congress.slug})
    watcher.get_received(NAMESPACE)
    heard = []

    def broken(_sender, **_extra):
        raise RuntimeError("a receiver with a bug")

    def later(sender, **extra):
        heard.append((sender.id, extra["kind"]))

    with agenda_changed.connected_to(broken), agenda_changed.connected_to(later):
        response = operator_browser.post(f"/manage/{congress.id}/control/next")

    assert response.status_code == 302
    assert heard == [(congress.id, "current")]
    pushed = [m["args"][0] for m in watcher.get_received(NAMESPACE)
              if m["name"] == "agenda_current"]
    assert [state["current_item_id"] for state in pushed] == [items[0].id]
    db.session.expire_all()
    assert congress.current_item_id == items[0].id
    assert [(name.rsplit(".", 1)[-1], count) for name, count in new_failures().items()] == [
        ("broken", 1)]
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert any("a receiver with a bug" in str(r.exc_info[1]) for r in logged)


def test_with_redis_down_a_committed_change_answers_and_every_receiver_runs(
        agenda, operator_browser, monkeypatch, new_failures, caplog):
    congress, _sessions, items = agenda
    monkeypatch.setattr(socketio, "emit", redis_down)
    heard = []

    def later(sender, **_extra):
        heard.append(sender.id)

    with agenda_changed.connected_to(later):
        response = operator_browser.post(f"/manage/{congress.id}/control/next")

    assert response.status_code == 302
    assert heard == [congress.id]
    db.session.expire_all()
    assert congress.current_item_id == items[0].id
    assert new_failures() == {"emit:/live:agenda_current": 1}
    assert any("Connection refused" in str(r.exc_info[1]) for r in caplog.records
               if r.exc_info)


def test_a_push_that_failed_reaches_the_room_when_redis_is_back(
        agenda, operator_browser, socket_client, monkeypatch, new_failures):
    """Pages that missed a move while Redis was down hear it within about a second of its
    return, without waiting for the next change."""
    congress, _sessions, items = agenda
    watcher = socket_client(auth={"congress": congress.slug})
    watcher.get_received(NAMESPACE)
    working = socketio.emit
    monkeypatch.setattr(socketio, "emit", redis_down)
    monkeypatch.setattr(live, "RESEND_INTERVAL", 0.05)
    operator_browser.post(f"/manage/{congress.id}/control/next")
    operator_browser.post(f"/manage/{congress.id}/control/next")  # two moves while it is down
    assert watcher.get_received(NAMESPACE) == []
    monkeypatch.setattr(socketio, "emit", working)  # Redis is back
    deadline = time.monotonic() + 5
    while not (heard := [m["args"][0] for m in watcher.get_received(NAMESPACE)]):
        assert time.monotonic() < deadline, "the failed push was never sent again"
        time.sleep(0.05)
    assert [change["current_item_id"] for change in heard] == [items[1].id]  # the latest only
    assert new_failures() == {"emit:/live:agenda_current": 2}


def test_with_redis_down_a_check_in_at_the_door_is_recorded_and_answered(
        congress, create_user, login, client, monkeypatch, new_failures):
    login(create_user(role=Role.CHECKIN, congress=congress))
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(full_name="Lê Văn Hùng")))
    db.session.add(delegate)
    db.session.commit()
    token = badge_token(delegate)
    monkeypatch.setattr(socketio, "emit", redis_down)
    heard = []

    def later(_sender, **extra):
        heard.append(extra["delegate"].id)

    with delegate_checked_in.connected_to(later):
        response = client.post(f"/manage/{congress.id}/checkin/scan", json={"scan": token})

    assert response.status_code == 201 and response.json["result"] == "checked_in"
    assert heard == [delegate.id]
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 1
    assert new_failures() == {"emit:/attendance:attendance_state": 1,
                              "emit:/live:presence_changed": 1}


def test_a_flush_that_raises_is_counted_not_raised(app, new_failures):
    def broken(_key, _values):
        raise RuntimeError("no state to build")

    live.Coalescer("broken", "BROKEN_PUSH_INTERVAL", broken).add(1, "x")
    assert new_failures() == {"coalesced:broken": 1}


def test_changes_within_the_interval_are_flushed_once_together(make_app):
    app = make_app(TEST_PUSH_INTERVAL=0.05)
    flushed: list[tuple[int, set]] = []
    done = threading.Event()

    def flush(key, values):
        flushed.append((key, values))
        done.set()

    pushes = live.Coalescer("test", "TEST_PUSH_INTERVAL", flush)
    with app.app_context():
        for value in ("a", "b", "a"):
            pushes.add(7, value)
        assert done.wait(5)
    assert flushed == [(7, {"a", "b"})]


def test_a_publish_redis_refuses_is_an_error_we_see():
    """python-socketio would log "giving up" and drop the push; ours raises, so it is counted
    and sent again."""
    from bench.serving import free_port

    queue = live.client_manager(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    assert isinstance(queue, live.RedisQueue)
    with pytest.raises(Exception, match=r"(?i)connect"):
        queue._publish({"method": "emit", "event": "agenda_current"})
    assert live.client_manager(None) is None
