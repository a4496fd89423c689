"""The livestreams API: add, list, read, flip the status, change, remove; roles and bad input."""

from __future__ import annotations

import pytest

from conference.auth.models import Role
from conference.extensions import db
from conference.streams import schemas
from conference.streams.models import Stream
from tests.test_streams import BAD_URLS, FACEBOOK, YOUTUBE

pytestmark = pytest.mark.english

MODELS = {"Stream": schemas.Stream, "StreamsState": schemas.StreamsState}


@pytest.fixture
def caller(agenda, create_user, api):
    """An API caller of the agenda congress with the given role."""
    return lambda role: api(create_user(role=role, congress=agenda[0]))


@pytest.fixture
def organizer(caller):
    return caller(Role.ORGANIZER)


@pytest.fixture
def created(agenda, organizer):
    congress, sessions, _items = agenda
    response = organizer.post(f"/api/v1/congresses/{congress.id}/streams", json={
        "platform": "facebook", "url": FACEBOOK, "title": "Phiên khai mạc",
        "session_id": sessions[0].id, "scheduled_start": "2023-09-27T14:00"})
    assert response.status_code == 201, response.json
    MODELS["Stream"].model_validate(response.json)
    return response.json


def test_create_read_list(agenda, organizer, created):
    congress = agenda[0]
    assert created["status"] == "scheduled" and created["display"] == "scheduled"
    assert created["scheduled_start"].startswith("2023-09-27T07:00:00")  # 14:00 in Hà Nội
    assert created["embed_url"].startswith("https://www.facebook.com/plugins/video.php")
    assert organizer.get(f"/api/v1/streams/{created['id']}").json == created
    listed = organizer.get(f"/api/v1/congresses/{congress.id}/streams")
    state = MODELS["StreamsState"].model_validate(listed.json)
    assert [s.id for s in state.streams] == [created["id"]]
    assert listed.headers["Cache-Control"] == "no-store"


def test_operator_flips_status_with_replay_link(caller, created):
    operator = caller(Role.OPERATOR)
    path = f"/api/v1/streams/{created['id']}"
    assert operator.patch(path, json={"status": "live"}).json["display"] == "live"
    ended = operator.patch(path, json={"status": "ended", "replay_url": YOUTUBE})
    assert ended.status_code == 200
    assert ended.json["display"] == "replay" and ended.json["replay_url"] == YOUTUBE
    refused = operator.patch(path, json={"title": "Khác"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert operator.delete(path).status_code == 403


def test_organizer_changes_and_removes(organizer, created):
    path = f"/api/v1/streams/{created['id']}"
    changed = organizer.patch(path, json={"title": "Khai mạc", "url": YOUTUBE,
                                          "platform": "youtube"})
    assert changed.status_code == 200 and changed.json["title"] == "Khai mạc"
    assert changed.json["session_id"] == created["session_id"]  # left as it was
    assert organizer.delete(path).status_code == 204
    assert organizer.get(path).status_code == 404


def test_checkin_staff_may_read_but_not_change(caller, agenda, created):
    staff = caller(Role.CHECKIN)
    assert staff.get(f"/api/v1/streams/{created['id']}").status_code == 200
    assert staff.patch(f"/api/v1/streams/{created['id']}",
                       json={"status": "live"}).status_code == 403
    assert staff.post(f"/api/v1/congresses/{agenda[0].id}/streams",
                      json={"url": YOUTUBE}).status_code == 403


def test_a_stream_of_another_congress_is_not_found(create_congress, create_user, api, created):
    stranger = api(create_user(role=Role.ORGANIZER, congress=create_congress()))
    path = f"/api/v1/streams/{created['id']}"
    for response in (stranger.get(path), stranger.patch(path, json={"status": "live"}),
                     stranger.delete(path)):
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_url_that_is_not_http_is_refused(agenda, organizer, url):
    response = organizer.post(f"/api/v1/congresses/{agenda[0].id}/streams",
                              json={"platform": "other", "url": url, "title": "x"})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["url"] == (
        "Enter a web address starting with http:// or https://.")
    assert db.session.scalar(db.select(db.func.count(Stream.id))) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "paused"}, "status"),
    ({"replay_url": "javascript:alert(1)"}, "replay_url"),
    ({"title": "x" * 201}, "title"),
    ({"platform": "myspace"}, "platform"),
    ({"session_id": "abc"}, "session_id"),
    ({"colour": "red"}, "colour"),
])
def test_bad_changes_are_refused_and_nothing_changes(organizer, created, body, field):
    path = f"/api/v1/streams/{created['id']}"
    response = organizer.patch(path, json=body)
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert organizer.get(path).json == created


def test_a_session_of_another_congress_is_refused(agenda, organizer, create_congress,
                                                  create_session):
    other = create_session(create_congress())
    response = organizer.post(f"/api/v1/congresses/{agenda[0].id}/streams",
                              json={"url": YOUTUBE, "session_id": other.id})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "session_id": "No such session in this congress."}


def test_a_body_that_is_not_json_is_refused(agenda, organizer):
    response = organizer.post(f"/api/v1/congresses/{agenda[0].id}/streams",
                              data="url=https://x.vn")
    assert response.status_code == 415
