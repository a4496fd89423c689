"""Lists of speakers: the order, calling the next speaker, the timer (frozen clock), closing a
list, a delegate's request from the portal and its withdrawal, the chair's console, the API,
the live pushes, the screens' scene, and who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conference.audit.models import AuditEntry
from conference.auth.service import Actor
from conference.badges.identity import badge_token
from conference.delegates.models import Delegate, DelegateStatus
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.displays import service as displays
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.signals import proceedings_changed
from conference.speakers import service
from conference.speakers.models import Speaker, SpeakerStatus
from conference.speakers.scene import resolve_speakers
from conference.speakers.sockets import NAMESPACE

T0 = datetime(2023, 9, 28, 2, 0, tzinfo=UTC)


class Clock:
    """The service's clock, moved by hand."""

    def __init__(self, monkeypatch):
        self.now = T0
        monkeypatch.setattr(service, "utcnow", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def hall(agenda, create_user, create_congress, create_session, create_item):
    """The agenda's congress with its third item under way, an operator (the chair), two
    delegates with badges, and another congress with an item and a delegate."""
    congress, _sessions, items = agenda
    congress.current_item_id = items[2].id
    delegates = [Delegate(**new_delegate_values(congress, DelegateInput(
        code=f"DB{n:04d}", full_name=name, unit="Công đoàn ngành Giáo dục")))
        for n, name in enumerate(("Trần Thị Mai", "Lê Văn Hùng"), start=1)]
    other = create_congress()
    other_item = create_item(create_session(other))
    stranger = Delegate(**new_delegate_values(other, DelegateInput(
        code="DB0001", full_name="Phạm Văn Nam")))
    db.session.add_all([*delegates, stranger])
    db.session.commit()
    chair = create_user("chu-toa", role="operator", congress=congress)
    return {"congress": congress, "items": items, "item": items[2], "chair": chair,
            "actor": Actor(chair), "delegates": delegates, "other_item": other_item,
            "stranger": stranger}


def add(hall, name="Nguyễn Văn An", item=None, **fields) -> Speaker:
    return service.add_speaker(hall["actor"], item or hall["item"],
                               {"name": name, "unit": "LĐLĐ huyện Kỳ Anh"} | fields)


def names(item) -> list[str]:
    db.session.expire_all()  # the requests changed it in sessions of their own
    return [s["name"] for s in service.list_state(item)["speakers"]]


def by_id(item, speaker_id) -> dict:
    db.session.expire_all()
    return next(s for s in service.list_state(item)["speakers"] if s["id"] == speaker_id)


# --- order, next, timer --------------------------------------------------------------------


def test_a_list_keeps_the_chairs_order_and_calls_the_first_waiting(hall):
    first, second, third = (add(hall, name) for name in ("An", "Bình", "Chi"))
    service.move_speaker(hall["actor"], third, -1)
    service.move_speaker(hall["actor"], third, -1)
    service.move_speaker(hall["actor"], third, -1)  # already first: nothing moves
    assert names(hall["item"]) == ["Chi", "An", "Bình"]
    assert [by_id(hall["item"], s.id)["place"] for s in (third, first, second)] == [1, 2, 3]

    called = service.call_next(hall["actor"], hall["item"])
    assert called.id == third.id
    state = by_id(hall["item"], third.id)
    assert (state["status"], state["running"], state["place"]) == ("speaking", False, None)
    assert service.call_next(hall["actor"], hall["item"]).id == first.id
    assert by_id(hall["item"], third.id)["status"] == "done"
    service.call_next(hall["actor"], hall["item"])
    with pytest.raises(Conflict) as refused:
        service.call_next(hall["actor"], hall["item"])
    assert refused.value.code == "list_empty"


def test_the_timer_adds_up_the_time_spoken_across_pauses(hall, clock):
    speaker = add(hall, duration=300)
    service.start_speaker(hall["actor"], speaker)
    clock.advance(40)
    assert by_id(hall["item"], speaker.id)["elapsed"] == 40
    service.pause_speaker(hall["actor"], speaker)
    clock.advance(100)  # paused: the time does not run
    state = by_id(hall["item"], speaker.id)
    assert (state["running"], state["elapsed"], state["started_at"]) == (False, 40, None)
    service.start_speaker(hall["actor"], speaker)
    clock.advance(30)
    state = service.list_state(hall["item"], clock.now)["speakers"][0]
    assert (state["running"], state["elapsed_before"], state["elapsed"]) == (True, 40, 70)
    assert state["started_at"] == (T0 + timedelta(seconds=140)).isoformat()
    clock.advance(290)  # past the 300 s: over time, still counted
    service.stop_speaker(hall["actor"], speaker)
    clock.advance(60)
    state = by_id(hall["item"], speaker.id)
    assert (state["status"], state["running"], state["elapsed"]) == ("done", False, 360)


def test_the_timer_survives_a_new_session_of_the_database(hall, clock):
    """Nothing of the timer lives in a process: a fresh read computes the same time."""
    speaker = add(hall)
    service.start_speaker(hall["actor"], speaker)
    db.session.expunge_all()
    clock.advance(12.5)
    again = db.session.get(Speaker, speaker.id)
    assert again.running and again.elapsed(clock.now) == 12.5


def test_one_speaker_speaks_per_congress(hall, clock):
    here = add(hall, "An")
    there = add(hall, "Bình", item=hall["items"][3])
    service.start_speaker(hall["actor"], here)
    clock.advance(20)
    service.start_speaker(hall["actor"], there)
    assert service.speaking_now(hall["congress"]).id == there.id
    db.session.refresh(here)
    assert here.status == SpeakerStatus.DONE and here.elapsed_before == 20
    assert here.started_at is None


def test_a_withdrawn_speaker_cannot_be_started_or_stopped(hall):
    delegate = hall["delegates"][0]
    speaker = service.request_to_speak(delegate, hall["item"].id)
    service.withdraw_request(delegate, speaker.id)
    for act in (service.start_speaker, service.stop_speaker):
        with pytest.raises(Conflict) as refused:
            act(hall["actor"], speaker)
        assert refused.value.code == "speaker_withdrawn"
    with pytest.raises(Conflict):
        service.pause_speaker(hall["actor"], speaker)


def test_links_to_delegates_and_documents_stay_in_the_congress(hall):
    with pytest.raises(ValidationFailed) as refused:
        add(hall, delegate_id=hall["stranger"].id)
    assert "delegate_id" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        add(hall, document_id=12345)
    assert "document_id" in refused.value.fields
    mine = add(hall, delegate_id=hall["delegates"][0].id)
    assert mine.delegate_id == hall["delegates"][0].id


def test_changes_are_audited_and_announced_after_the_commit(hall, app):
    heard = []

    def listen(congress, kind="", item_id=None, **_extra):
        with app.app_context():  # read from another session: the change must be committed
            fresh = db.session.scalar(select(Speaker).where(Speaker.list_id.is_not(None)))
            heard.append((kind, item_id, fresh is not None))

    proceedings_changed.connect(listen)
    try:
        speaker = add(hall)
        service.start_speaker(hall["actor"], speaker)
    finally:
        proceedings_changed.disconnect(listen)
    assert heard == [("speakers", hall["item"].id, True)] * 2
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target == f"speaker:{speaker.id}").order_by(AuditEntry.id)).all()
    assert actions == ["speaker.add", "speaker.start"]


# --- the delegate's portal -----------------------------------------------------------------


def portal(client, delegate, path="", **kw):
    return client.post(f"/b/{badge_token(delegate)}/speakers{path}",
                       headers={"Accept": "application/json"}, **kw)


@pytest.mark.english  # reads the messages' English words
def test_a_delegate_asks_sees_their_place_and_withdraws(hall, client):
    add(hall, "Tham luận đã đăng ký")
    mai = hall["delegates"][0]
    page = client.get(f"/b/{badge_token(mai)}").get_data(as_text=True)
    assert "speakers-ask" in page and "js/speakers-portal.js" in page
    answer = portal(client, mai)
    assert answer.status_code == 201
    assert "number 2 in line" in answer.json["message"]
    panel = client.get(f"/b/{badge_token(mai)}/speakers").get_data(as_text=True)
    assert "You are number 2 in line." in panel and "Withdraw my request" in panel
    mine = service.own_request(mai, hall["item"])
    assert (mine.kind, mine.name, mine.duration) == ("floor", "Trần Thị Mai", 300)

    again = portal(client, mai)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_requested"

    assert portal(client, mai, f"/{mine.id}/withdraw").status_code == 200
    assert by_id(hall["item"], mine.id)["status"] == "withdrawn"
    twice = portal(client, mai, f"/{mine.id}/withdraw")
    assert twice.status_code == 409
    # Someone else's request is not theirs to withdraw.
    hung = hall["delegates"][1]
    theirs = service.request_to_speak(hung, hall["item"].id)
    assert portal(client, mai, f"/{theirs.id}/withdraw").status_code == 404
    assert by_id(hall["item"], theirs.id)["status"] == "waiting"


@pytest.mark.english  # reads the messages' English words
def test_without_javascript_the_portal_redirects_or_explains(hall, client):
    mai = hall["delegates"][0]
    asked = client.post(f"/b/{badge_token(mai)}/speakers")
    assert asked.status_code == 302 and asked.headers["Location"].endswith("#speakers")
    refused = client.post(f"/b/{badge_token(mai)}/speakers")
    assert refused.status_code == 409
    assert "already asked to speak" in refused.get_data(as_text=True)


@pytest.mark.english  # reads the messages' English words
def test_a_called_delegate_can_no_longer_withdraw(hall, client):
    mai = hall["delegates"][0]
    mine = service.request_to_speak(mai, hall["item"].id)
    service.call_next(hall["actor"], hall["item"])
    refused = portal(client, mai, f"/{mine.id}/withdraw")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "already_called"
    assert "please come to the rostrum" in client.get(
        f"/b/{badge_token(mai)}/speakers").get_data(as_text=True)


@pytest.mark.english  # reads the messages' English words
def test_a_closed_list_refuses_the_floor_but_not_the_secretariat(hall, client, api):
    service.close_list(hall["actor"], hall["item"], True)
    refused = portal(client, hall["delegates"][0])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "list_closed"
    assert "closed" in refused.json["error"]["message"]
    panel = client.get(f"/b/{badge_token(hall['delegates'][0])}/speakers").get_data(as_text=True)
    assert "is closed" in panel and "speakers-ask" not in panel
    added = api(hall["chair"]).post(f"/api/v1/items/{hall['item'].id}/speakers",
                                    json={"name": "Tham luận bổ sung", "unit": "", "title": ""})
    assert added.status_code == 201
    service.close_list(hall["actor"], hall["item"], False)
    assert portal(client, hall["delegates"][0]).status_code == 201


def test_a_withdrawn_delegate_and_an_item_not_under_way_are_refused(hall, client):
    mai, hung = hall["delegates"]
    mai.status = DelegateStatus.WITHDRAWN
    db.session.commit()
    refused = portal(client, mai)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "delegate_withdrawn"
    moved_on = portal(client, hung, data={"item_id": hall["items"][1].id})
    assert moved_on.status_code == 409 and moved_on.json["error"]["code"] == "not_current_item"
    hall["congress"].current_item_id = None
    db.session.commit()
    nothing = portal(client, hung)
    assert nothing.status_code == 409
    assert service.list_state(hall["item"])["speakers"] == []


def test_asking_over_and_over_is_slowed_for_that_badge_only(hall, client):
    mai, hung = hall["delegates"]
    statuses = []
    for _round in range(6):
        mine = portal(client, mai)
        statuses.append(mine.status_code)
        if mine.status_code == 201:
            statuses.append(portal(client, mai, f"/{service.own_request(mai, hall['item']).id}"
                                                "/withdraw").status_code)
    assert statuses[:10] == [201, 200] * 5 and statuses[10] == 429
    assert portal(client, hung).status_code == 201  # the same address, another delegate


def test_unknown_badges_are_404_and_count_as_misses(hall, client):
    assert client.post("/b/not-a-badge/speakers").status_code == 404
    assert client.get("/b/not-a-badge/speakers").status_code == 404


# --- the chair's console -------------------------------------------------------------------


@pytest.mark.english  # reads the messages' English words
def test_the_console_shows_the_item_under_way_with_its_list(hall, client, login):
    add(hall, "Nguyễn Văn An", title="Phát triển đoàn viên")
    service.request_to_speak(hall["delegates"][0], hall["item"].id)
    login(hall["chair"])
    page = client.get(f"/manage/{hall['congress'].id}/speakers").get_data(as_text=True)
    assert hall["item"].title in page and "Phát triển đoàn viên" in page
    assert "Registered contribution" in page and "From the floor" in page
    assert "Trần Thị Mai" in page
    other = client.get(f"/manage/{hall['congress'].id}/speakers?item={hall['items'][0].id}")
    assert "Nobody is on the list yet" in other.get_data(as_text=True)
    foreign = client.get(f"/manage/{hall['congress'].id}/speakers?item={hall['other_item'].id}")
    assert foreign.status_code == 404
    assert "List of speakers" in client.get(
        f"/manage/{hall['congress'].id}/control").get_data(as_text=True)


def test_the_consoles_buttons_work_without_and_with_javascript(hall, client, login):
    first, second = add(hall, "An"), add(hall, "Bình")
    login(hall["chair"])
    moved = client.post(f"/manage/speakers/{second.id}/up")
    assert moved.status_code == 302 and f"item={hall['item'].id}" in moved.headers["Location"]
    assert names(hall["item"]) == ["Bình", "An"]
    called = client.post(f"/manage/items/{hall['item'].id}/speakers/next",
                         headers={"Accept": "application/json"})
    assert called.status_code == 200
    assert [s["status"] for s in called.json["speakers"]] == ["speaking", "waiting"]
    timed = client.post(f"/manage/speakers/{first.id}/time", data={"minutes": "2,5"},
                        headers={"Accept": "application/json"})
    assert by_id(hall["item"], first.id)["duration"] == 150, timed.json
    bad = client.post(f"/manage/speakers/{first.id}/time", data={"minutes": "năm"},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 422 and "minutes" in bad.json["error"]["fields"]
    assert client.post(f"/manage/speakers/{first.id}/dance").status_code == 404
    added = client.post(f"/manage/items/{hall['item'].id}/speakers",
                        data={"name": "", "unit": "x"}, headers={"Accept": "application/json"})
    assert added.status_code == 422 and "name" in added.json["error"]["fields"]
    fragment = client.get(f"/manage/items/{hall['item'].id}/speakers").get_data(as_text=True)
    assert "speakers-timer" in fragment and "Bình" in fragment


def test_a_delegate_lends_their_name_and_unit_unless_others_are_given(hall):
    mai, hung = hall["delegates"]
    floor = service.add_speaker(hall["actor"], hall["item"],
                                {"delegate_id": mai.id, "kind": "floor"})
    assert (floor.name, floor.unit, floor.delegate_id, floor.kind) == (
        "Trần Thị Mai", "Công đoàn ngành Giáo dục", mai.id, "floor")
    named = service.add_speaker(hall["actor"], hall["item"],
                                {"delegate_id": hung.id, "name": "Lê Văn Hùng (thay mặt đoàn)",
                                 "unit": ""})
    assert (named.name, named.unit) == ("Lê Văn Hùng (thay mặt đoàn)", "")
    with pytest.raises(ValidationFailed) as nameless:
        service.add_speaker(hall["actor"], hall["item"], {"unit": "LĐLĐ huyện Kỳ Anh"})
    assert set(nameless.value.fields) == {"name"}
    hung.status = DelegateStatus.WITHDRAWN
    db.session.commit()
    with pytest.raises(Conflict) as withdrawn:
        service.add_speaker(hall["actor"], hall["item"], {"delegate_id": hung.id})
    assert withdrawn.value.code == "delegate_withdrawn"
    assert names(hall["item"]) == ["Trần Thị Mai", "Lê Văn Hùng (thay mặt đoàn)"]


@pytest.mark.english  # reads the buttons' English words
def test_the_console_finds_a_delegate_without_marks_and_adds_them_in_one_click(
        hall, client, login):
    login(hall["chair"])
    congress_id, item_id = hall["congress"].id, hall["item"].id
    page = client.get(f"/manage/{congress_id}/speakers?item={item_id}&q=tran+mai")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Trần Thị Mai" in html and "From the floor" in html
    assert "Lê Văn Hùng" not in html.split('id="delegates-found"')[1]
    fragment = client.get(f"/manage/items/{item_id}/speakers/delegates?q=DB0001")
    assert "Trần Thị Mai" in fragment.get_data(as_text=True)
    stranger = client.get(f"/manage/items/{item_id}/speakers/delegates?q=Pham")  # other congress
    assert "Phạm Văn Nam" not in stranger.get_data(as_text=True)
    assert "Nobody found" in stranger.get_data(as_text=True)
    added = client.post(f"/manage/items/{item_id}/speakers",
                        data={"delegate_id": hall["delegates"][0].id, "kind": "floor"})
    assert added.status_code == 302 and "Speaker added" in client.get(
        added.headers["Location"]).get_data(as_text=True)
    speaker = service.list_state(hall["item"])["speakers"][0]
    assert (speaker["name"], speaker["kind"], speaker["delegate_id"]) == (
        "Trần Thị Mai", "floor", hall["delegates"][0].id)
    again = client.get(f"/manage/items/{item_id}/speakers/delegates?q=mai").get_data(as_text=True)
    assert "on the list" in again and "From the floor" not in again  # not added twice
    elsewhere = client.get(f"/manage/items/{hall['items'][0].id}/speakers/delegates?q=mai")
    assert "From the floor" in elsewhere.get_data(as_text=True)  # another item's list
    hall["delegates"][1].status = DelegateStatus.WITHDRAWN
    db.session.commit()
    found = client.get(f"/manage/items/{item_id}/speakers/delegates?q=hung")
    assert "withdrawn" in found.get_data(as_text=True)
    assert "From the floor" not in found.get_data(as_text=True)
    refused = client.post(f"/manage/items/{item_id}/speakers",
                          data={"delegate_id": hall["delegates"][1].id, "kind": "floor"},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "delegate_withdrawn"
    for bad in ("abc", "0", "99999999999"):
        answer = client.post(f"/manage/items/{item_id}/speakers",
                             data={"delegate_id": bad}, headers={"Accept": "application/json"})
        assert answer.status_code == 422 and "delegate_id" in answer.json["error"]["fields"], bad
    nul = client.post(f"/manage/items/{item_id}/speakers", data={"delegate_id": "1\x00"},
                      headers={"Accept": "application/json"})
    assert nul.status_code == 400 and "not allowed" in nul.get_data(as_text=True)
    assert names(hall["item"]) == ["Trần Thị Mai"]


@pytest.mark.parametrize("role,status", [("checkin", 403), ("counting", 403), (None, 302)])
def test_others_may_not_run_the_list(hall, client, login, create_user, role, status):
    speaker = add(hall)
    if role:
        login(create_user(role=role, congress=hall["congress"]))
    congress_id = hall["congress"].id
    for method, path in (("GET", f"/manage/{congress_id}/speakers"),
                         ("GET", f"/manage/items/{hall['item'].id}/speakers"),
                         ("GET", f"/manage/items/{hall['item'].id}/speakers/delegates?q=Mai"),
                         ("POST", f"/manage/items/{hall['item'].id}/speakers"),
                         ("POST", f"/manage/items/{hall['item'].id}/speakers/close"),
                         ("POST", f"/manage/speakers/{speaker.id}/start")):
        assert client.open(path, method=method, data={"name": "X"}).status_code == status, path
    assert by_id(hall["item"], speaker.id)["status"] == "waiting"
    assert not service.list_state(hall["item"])["closed"]


# --- the API -------------------------------------------------------------------------------


def test_the_api_adds_lists_starts_and_stops(hall, api, clock):
    chair = api(hall["chair"])
    item_id = hall["item"].id
    made = chair.post(f"/api/v1/items/{item_id}/speakers", json={
        "name": "Nguyễn Văn An", "unit": "LĐLĐ huyện Kỳ Anh", "title": "Phát triển đoàn viên",
        "delegate_id": hall["delegates"][1].id})
    assert made.status_code == 201
    speaker = made.json
    assert speaker | {"id": 0} == {
        "id": 0, "item_id": item_id, "kind": "registered", "name": "Nguyễn Văn An",
        "unit": "LĐLĐ huyện Kỳ Anh", "title": "Phát triển đoàn viên",
        "delegate_id": hall["delegates"][1].id, "document_id": None, "position": 1,
        "status": "waiting", "running": False, "duration": 420, "started_at": None,
        "elapsed_before": 0.0, "elapsed": 0.0, "place": 1}
    started = chair.post(f"/api/v1/speakers/{speaker['id']}/start")
    assert started.status_code == 200 and started.json["running"]
    clock.advance(65)
    listed = chair.get(f"/api/v1/items/{item_id}/speakers").json
    assert listed["speakers"][0]["elapsed"] == 65 and listed["server_time"] == clock.now.isoformat()
    stopped = chair.post(f"/api/v1/speakers/{speaker['id']}/stop")
    assert stopped.json["status"] == "done" and stopped.json["elapsed"] == 65
    moved = chair.post(f"/api/v1/speakers/{speaker['id']}/move", json={"direction": "down"})
    assert moved.status_code == 200
    closed = chair.post(f"/api/v1/items/{item_id}/speakers/close")
    assert closed.json["closed"] is True
    assert chair.post(f"/api/v1/items/{item_id}/speakers/next").status_code == 409
    floor = chair.post(f"/api/v1/items/{item_id}/speakers",
                       json={"delegate_id": hall["delegates"][0].id, "kind": "floor"})
    assert floor.status_code == 201 and floor.json["name"] == "Trần Thị Mai", floor.json
    assert floor.json["unit"] == "Công đoàn ngành Giáo dục"
    assert chair.delete(f"/api/v1/speakers/{floor.json['id']}").status_code == 204
    patched = chair.patch(f"/api/v1/speakers/{speaker['id']}", json={"duration": 600})
    assert patched.json["duration"] == 600
    assert chair.delete(f"/api/v1/speakers/{speaker['id']}").status_code == 204
    assert chair.get(f"/api/v1/items/{item_id}/speakers").json["speakers"] == []


@pytest.mark.parametrize("body,field", [
    ({"name": ""}, "name"),
    ({"name": "A" * 201}, "name"),
    ({"name": "An\u0000"}, None),
    ({"name": "An", "duration": 5}, "duration"),
    ({"name": "An", "kind": "vip"}, "kind"),
    ({"name": "An", "delegate_id": 2**31}, "delegate_id"),
    ({"unit": "x"}, "name"),
])
def test_the_api_refuses_bad_speakers(hall, api, body, field):
    answer = api(hall["chair"]).post(f"/api/v1/items/{hall['item'].id}/speakers", json=body)
    assert answer.status_code in (400, 422), answer.json
    assert set(answer.json) == {"error"}
    if field:
        assert field in answer.json["error"].get("fields", {}), answer.json
    assert service.list_state(hall["item"])["speakers"] == []


def test_the_api_refuses_unknown_foreign_and_withdrawn(hall, api, create_user):
    chair = api(hall["chair"])
    assert chair.get("/api/v1/items/999999/speakers").status_code == 404
    assert chair.post("/api/v1/speakers/999999/start").status_code == 404
    assert chair.get(f"/api/v1/items/{hall['other_item'].id}/speakers").status_code == 404
    foreign = chair.post(f"/api/v1/items/{hall['item'].id}/speakers",
                         json={"name": "An", "delegate_id": hall["stranger"].id})
    assert foreign.status_code == 422 and "delegate_id" in foreign.json["error"]["fields"]
    delegate = hall["delegates"][0]
    withdrawn = service.request_to_speak(delegate, hall["item"].id)
    service.withdraw_request(delegate, withdrawn.id)
    refused = chair.post(f"/api/v1/speakers/{withdrawn.id}/start")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "speaker_withdrawn"
    checkin = api(create_user(role="checkin", congress=hall["congress"]))
    assert checkin.get(f"/api/v1/items/{hall['item'].id}/speakers").status_code == 403
    assert checkin.post(f"/api/v1/items/{hall['item'].id}/speakers",
                        json={"name": "An"}).status_code == 403


# --- live ----------------------------------------------------------------------------------


def pushed(sock, namespace, event) -> list:
    return [m["args"][0] for m in sock.get_received(namespace) if m["name"] == event]


def test_the_console_hears_a_floor_request_at_once(hall, app, login, socket_client, client):
    login(hall["chair"])
    console = socket_client(NAMESPACE, auth={"congress_id": hall["congress"].id,
                                             "item_id": hall["item"].id})
    assert console.is_connected(NAMESPACE)
    assert pushed(console, NAMESPACE, "speakers_state")[0]["speakers"] == []
    public = socket_client("/live", auth={"congress": hall["congress"].slug},
                           flask_client=app.test_client())
    public.get_received("/live")
    assert portal(app.test_client(), hall["delegates"][0]).status_code == 201
    state = pushed(console, NAMESPACE, "speakers_state")[-1]
    assert [(s["name"], s["kind"], s["place"]) for s in state["speakers"]] == [
        ("Trần Thị Mai", "floor", 1)]
    # The public room hears only which list changed, never who asked.
    assert pushed(public, "/live", "speakers_changed") == [{"item_id": hall["item"].id}]


@pytest.mark.parametrize("role", ["checkin", None])
def test_others_cannot_listen_to_the_console(hall, login, socket_client, create_user, role):
    if role:
        login(create_user(role=role, congress=hall["congress"]))
    sock = socket_client(NAMESPACE, auth={"congress_id": hall["congress"].id,
                                          "item_id": hall["item"].id})
    assert not sock.is_connected(NAMESPACE)


def test_the_console_refuses_an_item_of_another_congress(hall, login, socket_client):
    login(hall["chair"])
    for auth in ({"congress_id": hall["congress"].id, "item_id": hall["other_item"].id},
                 {"congress_id": hall["congress"].id, "item_id": "1"}, None):
        assert not socket_client(NAMESPACE, auth=auth).is_connected(NAMESPACE)


# --- the screens ---------------------------------------------------------------------------


def test_the_scene_follows_the_speaker_else_the_item_under_way(hall):
    congress = hall["congress"]
    assert resolve_speakers(congress, {}, T0) == {"item_title": hall["item"].title,
                                                  "speaker": None, "next": []}
    here = [add(hall, name) for name in ("An", "Bình", "Chi", "Dũng", "Hà")]
    elsewhere = add(hall, "Khánh", item=hall["items"][4], title="Tham luận về an toàn lao động")
    scene = resolve_speakers(congress, {}, T0)
    assert scene["speaker"] is None and [n["name"] for n in scene["next"]] == [
        "An", "Bình", "Chi"]
    service.start_speaker(hall["actor"], elsewhere)
    scene = resolve_speakers(congress, {}, T0)
    assert scene["item_title"] == hall["items"][4].title
    assert scene["speaker"]["name"] == "Khánh" and scene["speaker"]["running"]
    assert scene["speaker"]["duration"] == 420 and scene["next"] == []
    service.start_speaker(hall["actor"], here[0])
    scene = resolve_speakers(congress, {}, T0)
    assert scene["speaker"]["name"] == "An"
    assert [n["name"] for n in scene["next"]] == ["Bình", "Chi", "Dũng"]


def test_a_screen_showing_the_scene_is_pushed_when_the_list_changes(hall, app, socket_client):
    congress = hall["congress"]
    screen = displays.create_screen(hall["actor"], congress, {
        "name": "Màn hình hội trường", "width": 1920, "height": 1080, "group_name": ""})
    displays.take_scene(hall["actor"], congress, [screen],
                        {"scene": {"type": "speakers", "heading": ""}})
    kiosk = socket_client("/screens", auth={"token": displays.kiosk_token(screen)},
                          flask_client=app.test_client())
    kiosk.get_received("/screens")
    speaker = add(hall, "Nguyễn Văn An")
    service.start_speaker(hall["actor"], speaker)
    states = pushed(kiosk, "/screens", "screen_state")
    assert states and states[-1]["scene"]["speaker"]["name"] == "Nguyễn Văn An"
    page = app.test_client().get(f"/k/{displays.kiosk_token(screen)}").get_data(as_text=True)
    assert "js/scene-speakers.js" in page and "heading_speakers" in page


def test_the_scene_is_made_in_the_screens_console_with_a_heading(hall, client, login):
    login(hall["chair"])
    path = f"/manage/{hall['congress'].id}/scenes/new/speakers"
    form = client.get(path).get_data(as_text=True)
    assert 'name="heading"' in form
    saved = client.post(path, data={"name": "Phát biểu", "heading": "Thảo luận tại hội trường",
                                    "action": "save"})
    assert saved.status_code == 302
    preview = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "js/scene-speakers.js" in preview


def test_deleting_an_item_deletes_its_list(hall, app):
    from conference.agenda.service import delete_item

    speaker_id = add(hall).id
    service.start_speaker(hall["actor"], db.session.get(Speaker, speaker_id))
    delete_item(Actor(hall["chair"], source="system"), hall["item"])
    db.session.expire_all()
    assert db.session.get(Speaker, speaker_id) is None
    assert service.speaking_now(hall["congress"]) is None
    assert resolve_speakers(hall["congress"], {}, T0)["speaker"] is None


def test_a_start_from_a_stale_view_still_ends_the_other_speaker(hall, api):
    """Two chairs (or two processes): one starts a speaker while the other's session still
    holds the list from before; the second start reads who speaks afresh, under the lock."""
    here, there = add(hall, "An"), add(hall, "Bình", item=hall["items"][3])
    assert there.status == SpeakerStatus.WAITING  # this session's view, about to go stale
    assert api(hall["chair"]).post(f"/api/v1/speakers/{there.id}/start").status_code == 200
    service.start_speaker(hall["actor"], here)
    db.session.expire_all()
    speaking = db.session.scalars(select(Speaker).where(
        Speaker.congress_id == hall["congress"].id,
        Speaker.status == SpeakerStatus.SPEAKING)).all()
    assert [s.id for s in speaking] == [here.id]


def test_the_demo_shows_a_filled_list_on_its_screens(app):
    from conference.demo import load_demo
    from conference.displays.models import Scene

    congress, _created = load_demo()
    item = service.followed_item(congress)  # the debate, where a speaker stands at the rostrum
    state = service.list_state(item)
    assert item.title == "Thảo luận tại hội trường"
    assert [s["kind"] for s in state["speakers"]] == ["registered"] * 4 + ["floor"]
    assert [s["status"] for s in state["speakers"]] == ["done", "speaking", "waiting",
                                                        "waiting", "waiting"]
    assert db.session.scalar(select(Scene).where(Scene.congress_id == congress.id,
                                                 Scene.type == "speakers")) is not None
    assert resolve_speakers(congress, {}, T0)["speaker"]["elapsed_before"] == 125
