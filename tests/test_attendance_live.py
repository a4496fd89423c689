"""Live attendance over Socket.IO (namespace /attendance): staff only, a push after every
check-in and undo, and coalesced pushes when the doors are busy."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from conference.attendance.sockets import NAMESPACE, attendance_room
from conference.auth.models import Role, User
from conference.auth.service import Actor
from conference.badges.identity import badge_token
from conference.checkin.service import check_in_delegate, perform_checkin, undo_checkin
from conference.congresses.models import Congress
from conference.delegates.importing import (
    confirm_import,
    import_delegates,
    read_table,
    stage_import,
)
from conference.delegates.models import Delegate
from conference.delegates.service import (
    DelegateInput,
    create_delegate,
    delete_delegate,
    new_delegate_values,
    update_delegate,
    withdraw_delegate,
)
from conference.extensions import db, socketio
from tests import test_attendance as shared
from tests.conftest import IsolatedSocketClient, wait_for_announcement, wait_for_job

# The attendance fixtures of tests/test_attendance.py, used here too.
add_delegate, admin_actor, arrive, hall = (shared.add_delegate, shared.admin_actor, shared.arrive,
                                          shared.hall)


def states(sock) -> list[dict]:
    """The `attendance_state` payloads the client received since the last call."""
    return [message["args"][0] for message in sock.get_received(NAMESPACE)
            if message["name"] == "attendance_state"]


def only_state(sock) -> dict:
    received = states(sock)
    assert len(received) == 1, received
    return received[0]


@pytest.fixture
def watch(app, hall, create_user, login, socket_client):
    """A signed-in staff member's dashboard socket: watch(session=None, role=...)."""

    def connect(session=None, role=Role.CHECKIN):
        browser = app.test_client()
        login(create_user(role=role, congress=hall[0]), the_client=browser)
        sock = socket_client(NAMESPACE, auth={"congress_id": hall[0].id,
                                              "session_id": session.id if session else None},
                             flask_client=browser)
        assert sock.is_connected(NAMESPACE)
        return sock

    return connect


# --- who may listen ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.OPERATOR, Role.CHECKIN])
def test_staff_receive_the_state_on_connect(hall, watch, role):
    congress = hall[0]
    state = only_state(watch(role=role))
    assert state["congress_id"] == congress.id
    assert state["session_id"] is None
    assert state["official"] == {"expected": 4, "present": 0}
    assert state["quorum"]["required"] == 3 and state["quorum"]["met"] is False


def test_admin_may_listen(hall, create_user, login, socket_client):
    login(create_user(admin=True))
    sock = socket_client(NAMESPACE, auth={"congress_id": hall[0].id})
    assert sock.is_connected(NAMESPACE)
    assert only_state(sock)["congress_id"] == hall[0].id


def test_anonymous_is_refused(hall, socket_client):
    assert not socket_client(NAMESPACE, auth={"congress_id": hall[0].id}).is_connected(NAMESPACE)


def test_staff_of_another_congress_are_refused(hall, create_congress, create_user, login,
                                               socket_client):
    login(create_user(role=Role.ORGANIZER, congress=create_congress()))
    assert not socket_client(NAMESPACE, auth={"congress_id": hall[0].id}).is_connected(NAMESPACE)


@pytest.mark.parametrize("auth", [None, {}, "1", {"congress_id": "1"}, {"congress_id": True},
                                  {"congress_id": 999_999}, {"slug": "congress-1"}])
def test_connect_without_a_congress_is_refused(hall, create_user, login, socket_client, auth):
    login(create_user(admin=True))
    assert not socket_client(NAMESPACE, auth=auth).is_connected(NAMESPACE)


def test_a_session_of_another_congress_is_refused(hall, create_congress, create_session,
                                                  create_user, login, socket_client):
    login(create_user(role=Role.ORGANIZER, congress=hall[0]))
    elsewhere = create_session(create_congress())
    for session_id in (elsewhere.id, 999_999, "x"):
        sock = socket_client(NAMESPACE, auth={"congress_id": hall[0].id,
                                              "session_id": session_id})
        assert not sock.is_connected(NAMESPACE)


def test_the_public_agenda_channel_does_not_carry_attendance(agenda, hall, arrive,
                                                             socket_client):
    congress, _sessions, officials, *_rest = hall
    public = socket_client("/live", auth={"congress": congress.slug})
    public.get_received("/live")
    arrive(officials[0])
    assert public.get_received("/live") == []


# --- what they hear ------------------------------------------------------------------------


def test_a_scan_through_the_check_in_service_is_pushed(hall, watch, create_user):
    congress, _sessions, officials, _guests, _withdrawn = hall
    sock = watch()
    only_state(sock)
    gate_keeper = Actor(create_user(role=Role.CHECKIN, congress=congress), source="web")
    result = perform_checkin(gate_keeper, congress, badge_token(officials[0]), gate="Cổng B")
    assert result.created
    state = only_state(sock)
    assert state["official"] == {"expected": 4, "present": 1}
    assert state["quorum"]["present"] == 1
    assert "by_delegation" not in state  # the counts; the page fetches its tables
    # A second scan of the same badge changes nothing and sends nothing.
    assert not perform_checkin(gate_keeper, congress, badge_token(officials[0])).created
    assert states(sock) == []


def test_reaching_the_quorum_and_an_undo_are_pushed(hall, watch, admin_actor):
    officials = hall[2]
    sock = watch(role=Role.OPERATOR)
    only_state(sock)
    checkins = [check_in_delegate(admin_actor, delegate).checkin for delegate in officials[:3]]
    pushed = states(sock)
    assert [state["quorum"]["present"] for state in pushed] == [1, 2, 3]
    assert [state["quorum"]["met"] for state in pushed] == [False, False, True]
    undo_checkin(admin_actor, checkins[0])
    state = only_state(sock)
    assert state["quorum"] == state["quorum"] | {"present": 2, "met": False}


def test_rooms_hear_only_their_session(hall, watch, arrive, admin_actor):
    _congress, (first, second), officials, _guests, _withdrawn = hall
    whole, morning, afternoon = watch(), watch(first), watch(second)
    for sock in (whole, morning, afternoon):
        only_state(sock)
    checkin = arrive(officials[0], session=first)
    assert only_state(whole)["official"]["present"] == 1
    morning_state = only_state(morning)
    assert morning_state["session_id"] == first.id
    assert morning_state["official"]["present"] == 1
    assert states(afternoon) == []
    # An undo does not say which session it was for: every session's room hears it.
    undo_checkin(admin_actor, checkin)
    assert only_state(whole)["official"]["present"] == 0
    assert only_state(morning)["official"]["present"] == 0
    assert only_state(afternoon)["official"]["present"] == 0


def test_who_is_expected_follows_the_delegate_list(hall, watch, admin_actor):
    """Registering, withdrawing, deleting and importing delegates move the expected counts."""
    congress, _sessions, officials, guests, _withdrawn = hall
    sock = watch()
    assert only_state(sock)["official"]["expected"] == 4
    added = create_delegate(admin_actor, congress, {"full_name": "Ngô Văn Mới"})
    assert only_state(sock)["official"]["expected"] == 5
    withdraw_delegate(admin_actor, officials[0])
    assert only_state(sock)["official"]["expected"] == 4
    delete_delegate(admin_actor, added)
    assert only_state(sock)["official"]["expected"] == 3
    sheet = read_table("list.csv", "Họ và tên,Loại đại biểu\nLý Thị Một,Khách mời\n"
                                   "Lý Văn Hai,Khách mời\n".encode())
    import_delegates(admin_actor, congress, sheet, dry_run=True)
    assert states(sock) == []  # a dry run changes nothing
    import_delegates(admin_actor, congress, sheet)
    assert only_state(sock)["guest"]["expected"] == len(guests) + 2
    update_delegate(admin_actor, officials[1], {})
    assert states(sock) == []  # nothing changed, nothing sent


@pytest.mark.slow
def test_an_import_by_a_consumer_reaches_the_dashboard(make_app, consumer, job_announcements):
    """Without a message queue the consumer's pushes reach no page; the web process that
    started the job tells its dashboards."""
    app = make_app(JOBS_IMMEDIATE=False)
    with app.app_context():
        consumer(app)
        congress, admin, sock = admin_dashboard(app, "job")
        try:
            assert only_state(sock)["official"]["expected"] == 0
            actor = Actor(admin, source="cli")
            data = "Họ và tên\nLý Thị Một\nLý Văn Hai\n".encode()
            checked = wait_for_job(stage_import(actor, congress, "list.csv", data).id)
            imported = wait_for_job(confirm_import(actor, congress, checked).id)
            for job in (checked, imported):
                # The announcing watcher pushes before it ends (the check changes nothing).
                wait_for_announcement(job_announcements, job.id)
            received = states(sock)
            assert len(received) == 1, received
            assert received[0]["official"]["expected"] == 2
        finally:
            sock.disconnect(NAMESPACE)


def admin_dashboard(app, slug: str):
    """In an app of its own: a congress, an administrator and their connected dashboard socket."""
    congress = Congress(slug=slug, name="Đại hội Công đoàn ngành Giáo dục",
                        starts_on=date(2023, 9, 27), ends_on=date(2023, 9, 28))
    admin = User(username=f"{slug}-admin", password_hash="-", is_admin=True)
    db.session.add_all([congress, admin])
    db.session.commit()
    browser = app.test_client()
    with browser.session_transaction() as cookie:
        cookie["_user_id"] = admin.get_id()
    sock = IsolatedSocketClient(socketio.test_client(
        app, namespace=NAMESPACE, auth={"congress_id": congress.id}, flask_test_client=browser))
    assert sock.is_connected(NAMESPACE)
    return congress, admin, sock


def test_rooms_are_per_congress_and_session():
    assert attendance_room(3) == "attendance:3"
    assert attendance_room(3, 7) == "attendance:3:session:7"


def test_busy_doors_are_pushed_together(make_app, monkeypatch):
    """With an interval, a burst of check-ins becomes one push after it, with all of them."""
    app = make_app(ATTENDANCE_PUSH_INTERVAL=0.2)
    interval_over = threading.Event()
    waited: list[float] = []
    pushers: list[threading.Thread] = []

    def wait_for_the_test(seconds):  # the interval ends when the test says so
        waited.append(seconds)
        assert interval_over.wait(10), "the test never ended the interval"

    def start_pusher(target, *args):
        pushers.append(threading.Thread(target=target, args=args, daemon=True))
        pushers[-1].start()
        return pushers[-1]

    monkeypatch.setattr(socketio, "sleep", wait_for_the_test)
    monkeypatch.setattr(socketio, "start_background_task", start_pusher)
    with app.app_context():
        congress, admin, sock = admin_dashboard(app, "busy")
        delegates = [Delegate(**new_delegate_values(congress, DelegateInput(
            code=f"B{n}", full_name=f"Đại biểu {n}"))) for n in range(6)]
        db.session.add_all(delegates)
        db.session.commit()
        try:
            only_state(sock)
            actor = Actor(admin, source="cli")
            for delegate in delegates[:5]:
                check_in_delegate(actor, delegate)
            assert states(sock) == []  # nothing yet: the push waits for the interval
            assert len(pushers) == 1  # one push is scheduled for the whole burst
            interval_over.set()
            pushers[0].join(10)
            assert waited == [0.2]
            received = states(sock)
            assert len(received) == 1, received
            assert received[0]["official"]["present"] == 5
            assert len(pushers) == 1 and states(sock) == []  # and nothing after it
            check_in_delegate(actor, delegates[5])  # the next check-in waits for a push of its own
            assert len(pushers) == 2
            pushers[1].join(10)
            assert [state["official"]["present"] for state in states(sock)] == [6]
        finally:
            sock.disconnect(NAMESPACE)
