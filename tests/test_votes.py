"""Votes (biểu quyết): the rules, the console, the API, casting on the portal with the badge's
PIN and the phone's cookie, secrecy, the majority maths, and the live progress."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select

from conference.auth.service import Actor
from conference.badges.identity import badge_token, reissue_badge
from conference.checkin.service import check_in_delegate
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db, limiter
from conference.votes import service
from conference.votes.models import Vote, VoteBallot, VoteCount, VoteRoll
from conference.votes.views import DEVICE_COOKIE


def _delegate(congress, code: str, category: str = "official") -> Delegate:
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(
        code=code, full_name=f"Nguyễn Văn {code}", unit="Công đoàn cơ sở", category=category)))
    db.session.add(delegate)
    db.session.commit()
    return delegate


@pytest.fixture
def hall(agenda, create_user):
    """Five official delegates and a guest; four officials and the guest checked in for the
    session of the item voted on; an operator (the secretariat)."""
    congress, sessions, items = agenda
    item = items[2]
    officials = [_delegate(congress, f"DB{n:03d}") for n in range(1, 6)]
    guest = _delegate(congress, "KM001", category="guest")
    admin = Actor(create_user(admin=True))
    for delegate in [*officials[:4], guest]:
        check_in_delegate(admin, delegate, session_id=item.session_id)
    operator = create_user(role="operator", congress=congress)
    return SimpleNamespace(congress=congress, item=item, officials=officials, guest=guest,
                           absent=officials[4], operator=operator, actor=Actor(operator),
                           admin=admin)


def _vote(hall, **fields) -> Vote:
    data = {"question": "Thông qua chương trình Đại hội", "method": "phone"} | fields
    return service.create_vote(hall.actor, hall.item, data)


def _opened(hall, **fields) -> Vote:
    return service.open_vote(hall.actor, _vote(hall, **fields))


def _cast(client, delegate, vote, choice, pin=None, as_json=True):
    body = {"choice": choice} | ({"pin": pin} if pin is not None else {})
    url = f"/b/{badge_token(delegate)}/votes/{vote.id}"
    if as_json:
        return client.post(url, json=body, headers={"Accept": "application/json"})
    return client.post(url, data=body)


def _phone(app, delegate, vote):
    """A phone that proved the delegate's PIN with its first vote (for)."""
    phone = app.test_client()
    response = _cast(phone, delegate, vote, "for", service.badge_pin(delegate))
    assert response.status_code == 200, response.json
    return phone


# --- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("votes_for", "base", "majority", "passed"), [
    (3, 5, "half", True), (2, 4, "half", False),  # a tie is not more than half
    (3, 4, "half", True), (0, 0, "half", False),
    (2, 3, "two_thirds", True), (1, 3, "two_thirds", False),
    (66, 100, "two_thirds", False), (67, 100, "two_thirds", True),
    (200, 300, "two_thirds", True), (199, 300, "two_thirds", False),
])
def test_majority_maths(votes_for, base, majority, passed):
    assert service.passes(votes_for, base, majority) is passed


def test_opening_freezes_the_roll_of_official_delegates_present(app, hall):
    vote = _opened(hall)
    roll = set(db.session.scalars(select(VoteRoll.delegate_id).where(VoteRoll.vote_id == vote.id)))
    assert roll == {d.id for d in hall.officials[:4]}  # not the guest, not the absent one
    assert (vote.present, vote.summoned, vote.status) == (4, 5, "open")
    # A late arrival changes neither the roll nor the base.
    check_in_delegate(hall.admin, hall.absent, session_id=hall.item.session_id)
    assert service.summary(db.session.get(Vote, vote.id))["eligible"] == 4


def test_a_second_vote_cannot_open_while_one_is_open(app, hall):
    _opened(hall)
    second = _vote(hall, question="Thông qua quy chế làm việc")
    with pytest.raises(Conflict) as refused:
        service.open_vote(hall.actor, second)
    assert refused.value.code == "vote_already_open"
    assert db.session.get(Vote, second.id).status == "draft"


def test_cards_counts_above_those_present_are_refused_and_the_result_is_kept(app, hall):
    vote = _opened(hall, method="cards", majority="two_thirds", base="summoned")
    with pytest.raises(ValidationFailed) as refused:
        service.enter_counts(hall.actor, vote, {"for": 3, "against": 1, "abstain": 1})
    assert refused.value.code == "counts_above_present"
    assert "5" in refused.value.message and "4" in refused.value.message
    with pytest.raises(Conflict):  # no counts yet
        service.close_vote(hall.actor, vote)
    service.enter_counts(hall.actor, vote, {"for": 2, "against": 1, "abstain": 0})
    service.enter_counts(hall.actor, vote, {"for": 3, "against": 1, "abstain": 0})  # corrected
    closed = service.close_vote(hall.actor, vote)
    # 3 of the 5 summoned is less than two thirds (3.33): not passed, though 3 of 4 present is.
    assert (closed.votes_for, closed.votes_against, closed.votes_abstain) == (3, 1, 0)
    assert closed.passed is False
    entries = db.session.scalars(select(VoteCount).where(VoteCount.vote_id == vote.id)).all()
    assert [(e.votes_for, e.entered_by_name) for e in entries] == [
        (2, hall.operator.username), (3, hall.operator.username)]


def test_the_server_restarting_loses_nothing(app, hall):
    """The vote's state is in the database, none in the process: with every connection gone
    (a restarted process), the vote is still open with its ballot, and the phone's cookie
    still lets it change its vote."""
    vote = _opened(hall)
    delegate = hall.officials[0]
    phone = _phone(app, delegate, vote)
    db.session.remove()
    db.engine.dispose()
    again = db.session.get(Vote, vote.id)
    assert again.status == "open" and service.voted_count(again) == 1
    response = _cast(phone, delegate, again, "against")  # no PIN: the cookie is enough
    assert response.status_code == 200 and response.json["changed"] is True
    assert db.session.scalar(select(VoteBallot.choice).where(
        VoteBallot.vote_id == vote.id)) == "against"
