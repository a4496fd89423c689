"""Two gates scanning the same badge at the same moment: the database keeps exactly one check-in.

Runs through the real service against the real database: the SQLite file of the test, or
PostgreSQL when CONFERENCE_TEST_DATABASE_URL names one. Each thread has its own app context,
so its own database session and connection, as two server threads would.
"""

from __future__ import annotations

import threading

import pytest

from conference.auth.models import User
from conference.auth.service import Actor
from conference.checkin import service
from conference.congresses.models import Congress
from conference.extensions import db
from tests.test_checkin import add_delegate, badge_url, count_checkins

ROUNDS = 12


@pytest.fixture
def setting(agenda, create_user):
    congress = agenda[0]
    staff = [create_user(f"gate{n}", role="checkin", congress=congress) for n in (1, 2)]
    tokens = [add_delegate(congress, full_name=f"Đại biểu {n}")[1] for n in range(ROUNDS)]
    return congress.id, [user.id for user in staff], tokens


def run_gates(app, congress_id, user_ids, token, before_scan=None):
    """Scan `token` from two threads released together; returns what each one got back."""
    start = threading.Barrier(len(user_ids), timeout=20)
    answers, errors = [], []

    def gate(user_id, name):
        with app.app_context():
            try:
                congress = db.session.get(Congress, congress_id)
                actor = Actor(db.session.get(User, user_id), source="test")
                start.wait()
                result = service.perform_checkin(actor, congress, badge_url(token), gate=name)
                answers.append((name, result.created, result.checkin.id, result.checkin.gate))
            except Exception as error:  # reported below, with the thread's own traceback
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=gate, args=(user_id, f"Cổng {n}"))
               for n, user_id in enumerate(user_ids, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return answers


def check_one_winner(answers):
    assert len(answers) == 2
    assert sorted(created for _name, created, _id, _gate in answers) == [False, True]
    winner = next(name for name, created, _id, _gate in answers if created)
    assert len({checkin_id for _name, _created, checkin_id, _gate in answers}) == 1
    assert {gate for _name, _created, _id, gate in answers} == {winner}


def test_two_gates_at_once_make_one_checkin(app, setting):
    congress_id, user_ids, tokens = setting
    for token in tokens:
        check_one_winner(run_gates(app, congress_id, user_ids, token))
    db.session.expire_all()
    assert count_checkins() == ROUNDS


def test_both_pass_the_first_look_and_the_database_decides(app, setting, monkeypatch):
    """Force the worst interleaving: both gates see no check-in yet, then both insert."""
    congress_id, user_ids, tokens = setting
    both_looked = threading.Barrier(2, timeout=20)
    original = service.scanned_badge
    looked = threading.local()

    def look_then_wait(scan):
        found = original(scan)
        if not getattr(looked, "done", False):
            looked.done = True
            assert found is not None and not found.checkins  # the badge, no check-in yet
            both_looked.wait()
        return found

    monkeypatch.setattr(service, "scanned_badge", look_then_wait)
    check_one_winner(run_gates(app, congress_id, user_ids, tokens[0]))
    db.session.expire_all()
    assert count_checkins() == 1
