"""Votes (biểu quyết): the rules, the console, the API, casting on the portal with the badge's
PIN and the phone's cookie, secrecy, the majority maths, and the live progress."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, inspect, select

from conference.auth.service import Actor
from conference.badges.identity import badge_token, reissue_badge
from conference.checkin.models import CheckIn
from conference.checkin.service import check_in_delegate
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db, limiter
from conference.votes import service
from conference.votes.models import Vote, VoteBallot, VoteCount, VoteDevice, VoteRoll
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
    congress, _sessions, items = agenda
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


def test_a_vote_with_nobody_checked_in_for_its_session_does_not_open(app, hall):
    """A vote nobody may cast (the check-ins forgotten, or made for another session) is refused
    with the reason, and stays ready to open once the delegates are checked in."""
    vote = _vote(hall)
    db.session.execute(delete(CheckIn).where(CheckIn.congress_id == hall.congress.id))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        service.open_vote(hall.actor, vote)
    assert refused.value.code == "nobody_present"
    assert db.session.get(Vote, vote.id).status == "draft"
    check_in_delegate(hall.admin, hall.officials[0], session_id=hall.item.session_id)
    assert service.open_vote(hall.actor, vote).present == 1


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


# --- casting on the portal ---------------------------------------------------------------------


def test_a_new_phone_needs_the_pin_then_its_cookie_is_enough(app, hall):
    vote = _opened(hall)
    delegate = hall.officials[0]
    phone = app.test_client()
    missing = _cast(phone, delegate, vote, "for")
    assert missing.status_code == 403 and missing.json["error"]["code"] == "pin_required"
    assert "PIN" in missing.json["error"]["message"]
    first = _cast(phone, delegate, vote, "for", service.badge_pin(delegate))
    assert first.status_code == 200 and first.json["choice"] == "for"
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", first.json["receipt"])
    set_cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and f"Path=/b/{badge_token(delegate)}" in set_cookie
    # The cookie holds a random key; only its hash is stored, and the PIN nowhere.
    key = phone.get_cookie(DEVICE_COOKIE, path=f"/b/{badge_token(delegate)}").value
    assert len(key) >= 40 and service.badge_pin(delegate) not in key
    changed = _cast(phone, delegate, vote, "against")  # no PIN: this phone is known
    assert changed.status_code == 200 and changed.json["changed"] is True
    assert changed.json["receipt"] == first.json["receipt"]
    assert service.voted_count(vote) == 1  # twice cast, counted once
    assert db.session.scalars(select(VoteBallot.choice).where(
        VoteBallot.vote_id == vote.id)).all() == ["against"]
    # A photographed QR on another phone cannot vote without the PIN.
    thief = _cast(app.test_client(), delegate, vote, "abstain")
    assert thief.status_code == 403 and thief.json["error"]["code"] == "pin_required"


def test_the_pin_is_six_digits_and_changes_when_the_badge_is_reissued(app, hall):
    delegate = hall.officials[0]
    old_pin = service.badge_pin(delegate)
    assert re.fullmatch(r"\d{6}", old_pin)
    assert service.badge_pin(hall.officials[1]) != old_pin
    vote = _opened(hall)
    phone = _phone(app, delegate, vote)
    reissue_badge(hall.admin, delegate)
    assert service.badge_pin(delegate) != old_pin
    # The new badge's address, with the phone's old cookie (bound to the old badge): PIN again.
    response = _cast(phone, delegate, vote, "against", old_pin)
    assert response.status_code == 403 and response.json["error"]["code"] == "pin_wrong"


def test_wrong_pins_are_rate_limited_per_badge_without_locking_out_others(app, hall):
    limiter.reset()
    vote = _opened(hall)
    delegate, neighbour = hall.officials[0], hall.officials[1]
    phone = app.test_client()
    wrong = "000000" if service.badge_pin(delegate) != "000000" else "111111"
    for _attempt in range(5):
        response = _cast(phone, delegate, vote, "for", wrong)
        assert response.status_code == 403 and response.json["error"]["code"] == "pin_wrong"
    refused = _cast(phone, delegate, vote, "for", service.badge_pin(delegate))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "PIN" in refused.json["error"]["message"]
    # Another delegate behind the same address (the venue's NAT) still votes.
    assert _cast(app.test_client(), neighbour, vote, "for",
                 service.badge_pin(neighbour)).status_code == 200
    limiter.reset()


@pytest.mark.parametrize("who", ["guest", "absent"])
def test_guests_and_absent_delegates_cannot_vote(app, hall, who):
    vote = _opened(hall)
    delegate = hall.guest if who == "guest" else hall.absent
    response = _cast(app.test_client(), delegate, vote, "for", service.badge_pin(delegate))
    assert response.status_code == 403
    assert response.json["error"]["code"] == {"guest": "not_eligible", "absent": "not_present"}[who]
    assert service.voted_count(vote) == 0
    assert db.session.scalars(select(VoteBallot)).all() == []


@pytest.mark.english  # reads the messages' English words
def test_a_vote_cast_after_close_is_refused(app, hall):
    vote = _opened(hall)
    phone = _phone(app, hall.officials[0], vote)
    service.close_vote(hall.actor, vote)
    late = _cast(phone, hall.officials[0], vote, "against")
    assert late.status_code == 409 and late.json["error"]["code"] == "vote_closed"
    assert "closed" in late.json["error"]["message"]
    closed = db.session.get(Vote, vote.id)
    assert (closed.votes_for, closed.votes_against, closed.votes_abstain) == (1, 0, 0)


def test_bad_choices_and_cards_votes_are_refused_on_the_phone(app, hall):
    vote = _opened(hall)
    delegate = hall.officials[0]
    bad = _cast(app.test_client(), delegate, vote, "maybe", service.badge_pin(delegate))
    assert bad.status_code == 422 and "choice" in bad.json["error"]["fields"]
    service.close_vote(hall.actor, vote)
    cards = _opened(hall, method="cards", question="Giơ thẻ")
    response = _cast(app.test_client(), delegate, cards, "for", service.badge_pin(delegate))
    assert response.status_code == 409 and response.json["error"]["code"] == "vote_not_phone"
    missing = app.test_client().post(f"/b/{badge_token(delegate)}/votes/999999",
                                     json={"choice": "for"})
    assert missing.status_code == 404


def test_the_portal_prints_no_token_while_there_is_no_vote(app, hall):
    token = badge_token(hall.officials[0])
    html = app.test_client().get(f"/b/{token}").get_data(as_text=True)
    assert 'id="votes"' in html and "votes-portal.js" in html  # ready for a vote to open
    # The panel's script finds its address from the page's; the panel prints nothing of it.
    panel = html[html.index('id="votes"'):]
    assert token not in panel[:panel.index("</section>")]


def test_the_form_without_javascript_votes_and_comes_back_to_the_portal(app, hall):
    vote = _opened(hall)
    delegate = hall.officials[0]
    phone = app.test_client()
    token = badge_token(delegate)
    page = phone.get(f"/b/{token}")
    assert "Thông qua chương trình Đại hội" in page.get_data(as_text=True)
    assert 'name="pin"' in page.get_data(as_text=True)
    wrong = _cast(phone, delegate, vote, "for", "12", as_json=False)
    assert wrong.status_code == 302 and wrong.headers["Location"].endswith(f"/b/{token}#votes")
    done = _cast(phone, delegate, vote, "abstain", service.badge_pin(delegate), as_json=False)
    assert done.status_code == 302
    shown = phone.get(f"/b/{token}").get_data(as_text=True)
    code = db.session.scalar(select(VoteBallot.choice))
    assert code == "abstain"
    assert 'name="pin"' not in shown  # asked once on this phone
    assert re.search(r"[A-Z2-7]{4}-[A-Z2-7]{4}", shown)  # the receipt


def test_a_secret_vote_links_no_delegate_to_a_choice(app, hall):
    vote = _opened(hall, secret=True)
    phones = {}
    for delegate, choice in zip(hall.officials[:3], ["for", "against", "for"], strict=True):
        phone = app.test_client()
        response = _cast(phone, delegate, vote, choice, service.badge_pin(delegate))
        assert response.status_code == 200
        assert response.json["choice"] is None  # the phone is told only that it was recorded
        phones[delegate.id] = phone
    # Changed on the same phone: still three ballots, one changed.
    assert _cast(phones[hall.officials[1].id], hall.officials[1], vote,
                 "abstain").json["changed"] is True
    # Another phone of a delegate who voted cannot add a second ballot.
    other = _cast(app.test_client(), hall.officials[0], vote, "against",
                  service.badge_pin(hall.officials[0]))
    assert other.status_code == 409 and other.json["error"]["code"] == "voted_elsewhere"
    ballots = db.session.scalars(select(VoteBallot).where(VoteBallot.vote_id == vote.id)).all()
    assert sorted(b.choice for b in ballots) == ["abstain", "for", "for"]
    # No column of a ballot names a delegate, a time or an order; the roll says only who voted.
    assert all(b.delegate_id is None for b in ballots)
    assert {c["name"] for c in inspect(db.engine).get_columns("vote_ballots")} == {
        "vote_id", "receipt_hash", "choice", "delegate_id"}
    # A ballot's key is no stored device key either: the database cannot tie them together.
    stored_keys = set(db.session.scalars(select(VoteDevice.key_hash)))
    assert len(stored_keys) == 3 and not {b.receipt_hash for b in ballots} & stored_keys
    closed = service.close_vote(hall.actor, vote)
    assert (closed.votes_for, closed.votes_against, closed.votes_abstain) == (2, 0, 1)
    assert closed.passed is False  # 2 of the 4 present is not more than half


# --- the API -----------------------------------------------------------------------------------


def test_the_api_runs_a_show_of_cards(api, hall):
    caller = api(hall.operator)
    created = caller.post(f"/api/v1/items/{hall.item.id}/votes", json={
        "question": "Thông qua Nghị quyết", "method": "cards", "majority": "two_thirds",
        "base": "present", "secret": False})
    assert created.status_code == 201
    vote_id = created.json["id"]
    assert caller.get(f"/api/v1/votes/{vote_id}").json["status"] == "draft"
    opened = caller.post(f"/api/v1/votes/{vote_id}/open")
    assert opened.status_code == 200 and opened.json["eligible"] == 4
    too_many = caller.post(f"/api/v1/votes/{vote_id}/counts",
                           json={"for": 4, "against": 1, "abstain": 0})
    assert too_many.status_code == 422
    assert too_many.json["error"]["code"] == "counts_above_present"
    counted = caller.post(f"/api/v1/votes/{vote_id}/counts",
                          json={"for": 3, "against": 1, "abstain": 0})
    assert counted.status_code == 200 and counted.json["voted"] == 4
    assert counted.json["for"] is None  # the result only once closed
    closed = caller.post(f"/api/v1/votes/{vote_id}/close")
    assert closed.status_code == 200
    state = caller.get(f"/api/v1/votes/{vote_id}").json
    assert {key: state[key] for key in ("status", "eligible", "voted", "for", "against",
                                        "abstain", "passed")} == {
        "status": "closed", "eligible": 4, "voted": 4, "for": 3, "against": 1, "abstain": 0,
        "passed": True}  # 3 of 4 is at least two thirds
    assert state["percent_for"] == 75.0
    again = caller.post(f"/api/v1/votes/{vote_id}/close")
    assert again.status_code == 409 and again.json["error"]["code"] == "vote_not_open"


def test_the_api_refuses_a_second_open_vote_and_bad_input(api, hall):
    caller = api(hall.operator)
    first = caller.post(f"/api/v1/items/{hall.item.id}/votes",
                        json={"question": "Một", "method": "phone"}).json
    second = caller.post(f"/api/v1/items/{hall.item.id}/votes", json={"question": "Hai"}).json
    assert caller.post(f"/api/v1/votes/{first['id']}/open").status_code == 200
    refused = caller.post(f"/api/v1/votes/{second['id']}/open")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "vote_already_open"
    bad = caller.post(f"/api/v1/items/{hall.item.id}/votes",
                      json={"question": "Ba", "method": "email"})
    assert bad.status_code == 422 and "method" in bad.json["error"]["fields"]
    secret_cards = caller.post(f"/api/v1/items/{hall.item.id}/votes",
                               json={"question": "Ba", "method": "cards", "secret": True})
    assert secret_cards.status_code == 422 and "secret" in secret_cards.json["error"]["fields"]
    negative = caller.post(f"/api/v1/votes/{first['id']}/counts",
                           json={"for": -1, "against": 0, "abstain": 0})
    assert negative.status_code == 422
    phone_counts = caller.post(f"/api/v1/votes/{first['id']}/counts",
                               json={"for": 1, "against": 0, "abstain": 0})
    assert phone_counts.status_code == 409  # a phone vote has no counts to enter
    assert caller.get("/api/v1/votes/2147483648").status_code == 404


@pytest.mark.parametrize("role", ["checkin", "counting", "counting_head"])
def test_other_roles_cannot_run_votes(api, hall, create_user, role):
    vote = _vote(hall)
    caller = api(create_user(role=role, congress=hall.congress))
    assert caller.post(f"/api/v1/items/{hall.item.id}/votes",
                       json={"question": "X"}).status_code == 403
    assert caller.post(f"/api/v1/votes/{vote.id}/open").status_code == 403
    assert caller.get(f"/api/v1/votes/{vote.id}").status_code == 403
    assert db.session.get(Vote, vote.id).status == "draft"


# --- the console -------------------------------------------------------------------------------


@pytest.mark.english  # reads the messages' English words
def test_the_console_sets_up_counts_closes_and_exports(client, login, hall):
    login(hall.operator)
    page = client.get(f"/manage/{hall.congress.id}/votes")
    assert page.status_code == 200
    created = client.post(f"/manage/{hall.congress.id}/votes", data={
        "item_id": hall.item.id, "question": "Thông qua quy chế bầu cử", "method": "cards",
        "majority": "half", "base": "summoned"})
    assert created.status_code == 302
    vote = db.session.scalar(select(Vote))
    assert client.post(f"/manage/votes/{vote.id}/open").status_code == 302
    too_many = client.post(f"/manage/votes/{vote.id}/counts",
                           data={"for": "5", "against": "0", "abstain": "0"})
    assert too_many.status_code == 422
    text = too_many.get_data(as_text=True)
    assert "more than the 4 official delegates present" in text
    assert client.post(f"/manage/votes/{vote.id}/counts",
                       data={"for": "3", "against": "1", "abstain": "0"}).status_code == 302
    assert client.post(f"/manage/votes/{vote.id}/close").status_code == 302
    shown = client.get(f"/manage/{hall.congress.id}/votes").get_data(as_text=True)
    assert "Passed" in shown  # 3 of the 5 summoned is more than half
    results = client.get(f"/manage/{hall.congress.id}/votes/results.csv")
    assert results.status_code == 200
    assert "Thông qua quy chế bầu cử" in results.get_data(as_text=True)
    assert results.get_data(as_text=True).count(hall.operator.username) == 2  # opened, closed
    record = client.get(f"/manage/{hall.congress.id}/votes/record.csv").get_data(as_text=True)
    assert hall.operator.username in record and ",3,1,0," in record
    workbook = client.get(f"/manage/{hall.congress.id}/votes/record.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"


@pytest.mark.english
def test_a_vote_scene_names_a_vote_picked_in_the_editor(client, login, hall):
    """The editor lists the votes, newest first (the latest by default): the one picked stays
    on the scene when a later vote opens."""
    from conference.displays.models import Scene
    from conference.displays.scenes import resolve_scene

    first = _opened(hall, question="Thông qua chương trình Đại hội")
    service.close_vote(hall.actor, first)
    later = _vote(hall, question="Thông qua quy chế làm việc")
    login(hall.operator)
    url = f"/manage/{hall.congress.id}/scenes/new/vote"
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', client.get(url).text)
    assert options == [("", "The latest vote"),
                       (str(later.id), "Thông qua quy chế làm việc (not opened yet)"),
                       (str(first.id), "Thông qua chương trình Đại hội")]
    assert client.post(url, data={"name": "Biểu quyết chương trình", "vote_id": str(first.id),
                                  "action": "save"}).status_code == 302
    scene = db.session.scalar(select(Scene))
    service.open_vote(hall.actor, later)
    shown = resolve_scene(hall.congress, {"type": "vote"} | scene.fields, None)["vote"]
    assert shown["question"] == "Thông qua chương trình Đại hội"


def test_the_console_refuses_a_bad_form_with_messages(client, login, hall):
    login(hall.operator)
    response = client.post(f"/manage/{hall.congress.id}/votes", data={
        "item_id": hall.item.id, "question": "", "method": "cards", "majority": "half",
        "base": "present"})
    assert response.status_code == 422
    assert db.session.scalar(select(Vote)) is None


def test_check_in_staff_cannot_open_the_console(client, login, hall, create_user):
    login(create_user(role="checkin", congress=hall.congress))
    assert client.get(f"/manage/{hall.congress.id}/votes").status_code == 403


# --- live: the console, the portals, the screens --------------------------------------------


def _events(sock, name: str) -> list[dict]:
    return [event["args"][0] for event in sock.get_received("/live") if event["name"] == name]


def test_progress_reaches_the_console_and_the_opening_the_portals(app, hall, login,
                                                                  socket_client):
    vote = _vote(hall)
    desk = app.test_client()
    login(hall.operator, the_client=desk)
    console = socket_client("/live", auth={"congress": hall.congress.slug, "votes": True},
                            flask_client=desk)
    portal = socket_client("/live", auth={"congress": hall.congress.slug,
                                          "badge": badge_token(hall.officials[0])},
                           flask_client=app.test_client())
    # Anybody may follow the public room; only the secretariat hears the progress.
    stranger = socket_client("/live", auth={"congress": hall.congress.slug, "votes": True},
                             flask_client=app.test_client())
    for sock in (console, portal, stranger):
        sock.get_received("/live")
    service.open_vote(hall.actor, vote)
    assert _events(portal, "vote_changed") == [{"id": vote.id, "status": "open"}]
    assert _events(console, "vote_progress")[-1]["voted"] == 0
    _phone(app, hall.officials[0], vote)
    progress = _events(console, "vote_progress")
    assert progress[-1]["voted"] == 1 and progress[-1]["eligible"] == 4
    assert _events(portal, "vote_progress") == [] and _events(stranger, "vote_progress") == []
    assert _events(portal, "vote_changed") == []  # a ballot is no news for the other phones


def test_the_vote_scene_follows_the_latest_vote_on_the_screens(app, hall, socket_client):
    from conference.displays import service as displays

    screen = displays.create_screen(hall.actor, hall.congress, {
        "name": "Màn hình LED", "width": 3840, "height": 1080, "group_name": ""})
    displays.take_scene(hall.actor, hall.congress, [screen], {"scene": {"type": "vote"}})
    kiosk = socket_client("/screens", auth={"token": displays.kiosk_token(screen)},
                          flask_client=app.test_client())

    def scene() -> dict:
        states = [event["args"][0] for event in kiosk.get_received("/screens")
                  if event["name"] == "screen_state"]
        return states[-1]["scene"]

    assert scene()["vote"] is None
    vote = _opened(hall)
    assert scene()["vote"]["status"] == "open"
    _phone(app, hall.officials[0], vote)
    shown = scene()["vote"]
    assert (shown["voted"], shown["eligible"]) == (1, 4)
    service.close_vote(hall.actor, vote)
    shown = scene()["vote"]
    assert (shown["status"], shown["for"], shown["passed"]) == ("closed", 1, False)
    assert shown["percent_for"] == 25.0
    assert (shown["majority"], shown["base"]) == ("half", "present")  # in words on each screen


# --- where an organizer finds the PIN ------------------------------------------------------


def test_organizers_see_the_pin_and_official_badges_print_it_on_the_back(client, login, hall,
                                                                         create_user):
    from tests.test_badges import page_texts

    delegate = hall.officials[0]
    pin = service.badge_pin(delegate)
    login(create_user(role="organizer", congress=hall.congress))
    page = client.get(f"/manage/delegates/{delegate.id}").get_data(as_text=True)
    assert pin in page
    # The front, worn on a lanyard, shows no PIN; the back, the second page, does.
    front, back = page_texts(client.get(f"/manage/delegates/{delegate.id}/badge.pdf").data)
    assert pin not in front.replace(" ", "") and f"{pin[:3]} {pin[3:]}" in back
    guest_pages = page_texts(client.get(f"/manage/delegates/{hall.guest.id}/badge.pdf").data)
    assert len(guest_pages) == 2 and "PIN" not in " ".join(guest_pages)  # guests vote not
    staff = client.application.test_client()
    login(create_user(role="checkin", congress=hall.congress), the_client=staff)
    assert service.badge_pin(delegate) not in staff.get(
        f"/manage/delegates/{delegate.id}").get_data(as_text=True)


def test_the_screens_console_makes_a_vote_scene_with_its_heading(client, login, hall):
    from conference.displays.models import Scene

    login(hall.operator)
    form = client.get(f"/manage/{hall.congress.id}/scenes/new/vote")
    assert form.status_code == 200 and 'name="heading"' in form.get_data(as_text=True)
    saved = client.post(f"/manage/{hall.congress.id}/scenes/new/vote",
                        data={"name": "Biểu quyết", "heading": "Biểu quyết", "action": "save"})
    assert saved.status_code == 302
    scene = db.session.scalar(select(Scene))
    assert scene.type == "vote" and scene.fields["heading"] == "Biểu quyết"
