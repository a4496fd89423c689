"""The JSON API: congresses, sessions, items and the current item; bad input and errors."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import event, insert, update

from conference.agenda.models import AgendaItem, CongressSession
from conference.auth import recent
from conference.auth.models import ApiToken, Membership
from conference.auth.service import (
    Actor,
    create_api_token,
    grant_role,
    revoke_api_token,
    revoke_role,
    update_user,
)
from conference.congresses.models import Congress
from conference.dates import utcnow
from conference.extensions import db

V1 = "/api/v1"
CONGRESS = {"name": "Đại hội Công đoàn Giáo dục tỉnh lần thứ XV", "starts_on": "2028-03-01",
            "ends_on": "2028-03-02", "organizing_union": "Công đoàn Giáo dục tỉnh"}


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(model.id)))


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    return response.json["error"]


@pytest.fixture
def organizer(agenda, create_user, api):
    return api(create_user(role="organizer", congress=agenda[0]))


@pytest.fixture
def creator(create_user, api):
    user = create_user("creator", can_create=True)
    return user, api(user)


# --- congresses ------------------------------------------------------------------------------


def test_a_creator_makes_a_congress_and_becomes_its_organizer(creator, create_user, api):
    user, caller = creator
    response = caller.post(f"{V1}/congresses", json=CONGRESS)
    assert response.status_code == 201
    made = response.json
    assert made["slug"] == "dai-hoi-cong-doan-giao-duc-tinh-lan-thu-xv"
    assert made["published"] is False and made["current_item_id"] is None
    assert made["starts_on"] == "2028-03-01" and made["timezone"] == "Asia/Ho_Chi_Minh"
    db.session.expire_all()
    assert user.role_in(made["id"]) == "organizer"

    listed = caller.get(f"{V1}/congresses").json["congresses"]
    assert [c["id"] for c in listed] == [made["id"]]
    assert caller.get(f"{V1}/congresses/{made['id']}").json == made

    response = caller.patch(f"{V1}/congresses/{made['id']}",
                            json={"published": True, "venue": "Hội trường tỉnh"})
    assert response.status_code == 200
    assert response.json["published"] is True and response.json["venue"] == "Hội trường tỉnh"
    assert response.json["name"] == CONGRESS["name"]  # untouched fields keep their value

    stranger = api(create_user())
    assert stranger.get(f"{V1}/congresses").json == {"congresses": []}
    error(stranger.get(f"{V1}/congresses/{made['id']}"), 404, "not_found")


def test_a_user_without_the_right_cannot_create_a_congress(create_user, api):
    error(api(create_user()).post(f"{V1}/congresses", json=CONGRESS), 403, "forbidden")
    assert count(Congress) == 0


def test_duplicate_slug_is_a_conflict(creator, create_congress):
    _user, caller = creator
    create_congress(slug="dai-hoi-xv")
    err = error(caller.post(f"{V1}/congresses", json=CONGRESS | {"slug": "dai-hoi-xv"}),
                409, "slug_taken")
    assert "slug" in err["fields"]
    mine = caller.post(f"{V1}/congresses", json=CONGRESS).json
    error(caller.patch(f"{V1}/congresses/{mine['id']}", json={"slug": "dai-hoi-xv"}),
          409, "slug_taken")
    assert count(Congress) == 2
    db.session.expire_all()
    assert db.session.get(Congress, mine["id"]).slug == mine["slug"]


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"name", "starts_on", "ends_on"}),
    ({"name": "x" * 301}, {"name"}),
    ({"name": "   "}, {"name"}),
    ({"ends_on": "2028-02-28"}, {"ends_on"}),
    ({"starts_on": "01/03/2028"}, {"starts_on"}),
    ({"slug": "Có Dấu"}, {"slug"}),
    ({"timezone": "Mars/Olympus"}, {"timezone"}),
    ({"quorum_numerator": 3}, {"quorum_numerator"}),
    ({"colour": "red"}, {"colour"}),
    ({"name": "Bell\x07"}, {"name"}),
])
def test_invalid_congress_fields_are_named(creator, body, fields):
    _user, caller = creator
    payload = body if body == {} else CONGRESS | body
    err = error(caller.post(f"{V1}/congresses", json=payload), 422, "validation_failed")
    assert set(err["fields"]) == fields
    assert count(Congress) == 0


# --- sessions and items ----------------------------------------------------------------------


def test_sessions_and_items_crud(organizer, agenda):
    congress = agenda[0]
    response = organizer.post(f"{V1}/congresses/{congress.id}/sessions", json={
        "title": "Lễ khen thưởng", "kind": "ceremony",
        "starts_at": "2023-09-28T16:00:00+07:00", "ends_at": "2023-09-28T17:00"})
    assert response.status_code == 201
    session = response.json
    assert session["starts_at"] == "2023-09-28T09:00:00+00:00"
    assert session["ends_at"] == "2023-09-28T10:00:00+00:00"  # no offset: the congress's time
    assert session["kind"] == "ceremony" and session["items"] == []

    response = organizer.post(f"{V1}/sessions/{session['id']}/items", json={
        "title": "Trao Bằng khen", "presenter": "Ban Thường vụ", "duration_minutes": 30,
        "planned_start": "2023-09-28T16:00"})
    assert response.status_code == 201
    item = response.json
    assert item["session_id"] == session["id"] and item["position"] == 1
    assert item["planned_start"] == "2023-09-28T09:00:00+00:00"
    second = organizer.post(f"{V1}/sessions/{session['id']}/items",
                            json={"title": "Bế mạc"}).json
    assert second["position"] == 2 and second["planned_start"] is None

    response = organizer.patch(f"{V1}/sessions/{session['id']}", json={"room": "Hội trường A"})
    assert response.json["room"] == "Hội trường A" and response.json["title"] == "Lễ khen thưởng"
    assert [i["id"] for i in response.json["items"]] == [item["id"], second["id"]]
    response = organizer.patch(f"{V1}/items/{item['id']}",
                               json={"duration_minutes": None, "notes": "Mời lên sân khấu"})
    assert response.json["duration_minutes"] is None
    assert response.json["notes"] == "Mời lên sân khấu"

    assert organizer.delete(f"{V1}/items/{second['id']}").status_code == 204
    assert count(AgendaItem) == 6
    response = organizer.delete(f"{V1}/sessions/{session['id']}")
    assert response.status_code == 204 and response.data == b""
    assert count(CongressSession) == 2 and count(AgendaItem) == 5


def test_agenda_lists_sessions_by_time_and_items_in_order(organizer, agenda):
    congress, sessions, items = agenda
    early = organizer.post(f"{V1}/congresses/{congress.id}/sessions", json={
        "title": "Đón đại biểu", "kind": "other", "starts_at": "2023-09-28T06:00",
        "ends_at": "2023-09-28T07:00"}).json
    state = organizer.get(f"{V1}/congresses/{congress.id}/agenda").json
    assert [s["id"] for s in state["sessions"]] == [early["id"], sessions[0].id, sessions[1].id]

    layout = {"sessions": {str(sessions[0].id): [items[1].id],
                           str(sessions[1].id): [items[4].id, items[0].id, items[2].id,
                                                 items[3].id]}}
    state = organizer.post(f"{V1}/congresses/{congress.id}/agenda/arrange", json=layout).json
    order = [[i["id"] for i in s["items"]] for s in state["sessions"]]
    assert order == [[], [items[1].id], [items[4].id, items[0].id, items[2].id, items[3].id]]
    assert [i["position"] for i in state["sessions"][2]["items"]] == [1, 2, 3, 4]

    moved = organizer.patch(f"{V1}/items/{items[1].id}", json={"session_id": early["id"]}).json
    assert moved["session_id"] == early["id"] and moved["position"] == 1
    assert state["revision"] < organizer.get(f"{V1}/congresses/{congress.id}/agenda"
                                             ).json["revision"]


def test_arrange_refuses_items_of_another_congress_and_partial_orders(
        organizer, agenda, create_congress, create_session, create_item):
    congress, sessions, items = agenda
    foreign = create_item(create_session(create_congress()))
    url = f"{V1}/congresses/{congress.id}/agenda/arrange"
    first = str(sessions[0].id)
    for layout in ({"sessions": {first: [items[0].id, items[1].id, foreign.id]}},
                   {"sessions": {first: [items[0].id]}},
                   {"sessions": {first: [items[0].id, items[0].id, items[1].id]}},
                   {"sessions": {"abc": []}}, {"sessions": []}, {}):
        error(organizer.post(url, json=layout), 422, "validation_failed")
    db.session.expire_all()
    assert [i.id for i in sessions[0].items] == [items[0].id, items[1].id]


def test_an_item_cannot_move_into_another_congress(organizer, agenda, create_congress,
                                                   create_session):
    items = agenda[2]
    foreign = create_session(create_congress())
    err = error(organizer.patch(f"{V1}/items/{items[0].id}", json={"session_id": foreign.id}),
                422, "validation_failed")
    assert set(err["fields"]) == {"session_id"}
    err = error(organizer.post(f"{V1}/sessions/{agenda[1][0].id}/items",
                               json={"title": "Lạc", "session_id": foreign.id}),
                422, "validation_failed")
    db.session.expire_all()
    assert db.session.get(AgendaItem, items[0].id).session_id == agenda[1][0].id
    assert foreign.items == [] and count(AgendaItem) == 5


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"title", "starts_at", "ends_at"}),
    ({"title": "x" * 301}, {"title"}),
    ({"ends_at": "2023-09-28T07:00"}, {"ends_at"}),
    ({"ends_at": "2023-09-28T08:00"}, {"ends_at"}),  # ending when it starts
    ({"kind": "party"}, {"kind"}),
    ({"starts_at": "tomorrow"}, {"starts_at"}),
    ({"starts_at": 0}, {"starts_at"}),  # not 1970: JSON writes a time as text
    # A mistyped year: 0001 was before the first instant once shifted to UTC, 9999 past the last.
    ({"starts_at": "0001-01-01T00:00"}, {"starts_at"}),
    ({"ends_at": "9999-12-31T23:00"}, {"ends_at"}),
])
def test_invalid_session_fields_are_named(organizer, agenda, body, fields):
    valid = {"title": "Phiên chiều", "starts_at": "2023-09-28T08:00",
             "ends_at": "2023-09-28T11:00"}
    payload = body if body == {} else valid | body
    err = error(organizer.post(f"{V1}/congresses/{agenda[0].id}/sessions", json=payload),
                422, "validation_failed")
    assert set(err["fields"]) == fields
    assert count(CongressSession) == 2


def test_a_session_cannot_be_edited_to_end_before_it_starts(organizer, agenda):
    session = agenda[1][0]
    before = session.ends_at
    err = error(organizer.patch(f"{V1}/sessions/{session.id}",
                                json={"ends_at": "2023-09-27T08:00"}), 422, "validation_failed")
    assert set(err["fields"]) == {"ends_at"}
    db.session.expire_all()
    assert db.session.get(CongressSession, session.id).ends_at == before


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"title"}),
    ({"title": "x" * 501}, {"title"}),
    ({"title": "Ok", "notes": "n" * 5001}, {"notes"}),
    ({"title": "Ok", "duration_minutes": 0}, {"duration_minutes"}),
    ({"title": "Ok", "duration_minutes": "soon"}, {"duration_minutes"}),
    ({"title": "Ok", "planned_start": "noon"}, {"planned_start"}),
    ({"title": "Ok", "planned_start": "0023-09-28T08:00"}, {"planned_start"}),
])
def test_invalid_item_fields_are_named(organizer, agenda, body, fields):
    err = error(organizer.post(f"{V1}/sessions/{agenda[1][0].id}/items", json=body),
                422, "validation_failed")
    assert set(err["fields"]) == fields
    assert count(AgendaItem) == 5


def test_html_in_titles_is_kept_verbatim_and_escaped_on_the_public_page(organizer, agenda,
                                                                        client):
    congress, sessions, _items = agenda
    title = '<script>alert("x")</script> Bầu <b>Ban Chấp hành</b> & Kiểm tra'
    item = organizer.post(f"{V1}/sessions/{sessions[0].id}/items", json={"title": title}).json
    assert item["title"] == title
    assert organizer.get(f"{V1}/congresses/{congress.id}/agenda"
                         ).json["sessions"][0]["items"][-1]["title"] == title
    db.session.expire_all()
    assert db.session.get(AgendaItem, item["id"]).title == title
    html = client.get(f"/c/{congress.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html and "&lt;b&gt;Ban Chấp hành&lt;/b&gt; &amp;" in html
    assert '<script>alert("x")' not in html


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/congresses/999999"),
    ("PATCH", "/congresses/999999"),
    ("GET", "/congresses/999999/agenda"),
    ("POST", "/congresses/999999/sessions"),
    ("POST", "/congresses/999999/agenda/next"),
    ("PATCH", "/sessions/999999"),
    ("DELETE", "/sessions/999999"),
    ("POST", "/sessions/999999/items"),
    ("PATCH", "/items/999999"),
    ("DELETE", "/items/999999"),
])
def test_unknown_ids_are_not_found(organizer, method, path):
    """With a body the route accepts: a body its document forbids is refused first (422)."""
    body = {"title": "x"}
    if path.endswith("/sessions"):
        body |= {"starts_at": "2023-09-28T08:00", "ends_at": "2023-09-28T09:00"}
    elif method == "PATCH" and path.startswith("/congresses"):
        body = {"name": "x"}
    error(organizer._call(method, V1 + path, json=body), 404, "not_found")


# --- the current item ------------------------------------------------------------------------


def test_next_previous_and_the_ends_of_the_agenda(organizer, agenda):
    congress, _sessions, items = agenda
    base = f"{V1}/congresses/{congress.id}/agenda"
    error(organizer.post(f"{base}/previous"), 409, "no_current_item")
    assert organizer.post(f"{base}/next").json["current_item_id"] == items[0].id
    error(organizer.post(f"{base}/previous"), 409, "agenda_start")
    for item in items[1:]:
        state = organizer.post(f"{base}/next").json
        assert state["current_item_id"] == item.id
        assert state["current_session_id"] == item.session_id
        assert state["current_item"]["title"] == item.title
    error(organizer.post(f"{base}/next"), 409, "agenda_end")
    assert organizer.post(f"{base}/previous").json["current_item_id"] == items[3].id
    db.session.expire_all()
    assert db.session.get(Congress, congress.id).current_item_id == items[3].id


def test_an_empty_agenda_has_no_next_item(creator):
    _user, caller = creator
    congress = caller.post(f"{V1}/congresses", json=CONGRESS).json
    for step in ("next", "previous"):
        error(caller.post(f"{V1}/congresses/{congress['id']}/agenda/{step}"), 409,
              "agenda_empty")


def test_set_and_clear_the_current_item(organizer, agenda):
    congress, _sessions, items = agenda
    url = f"{V1}/congresses/{congress.id}/agenda/current"
    assert organizer.post(url, json={"item_id": items[2].id}).json["current_item_id"] == items[2].id
    state = organizer.post(url, json={"item_id": None}).json
    assert state["current_item_id"] is None and state["current_item"] is None
    organizer.post(url, json={"item_id": items[2].id})
    response = organizer.post(url, data="null", content_type="application/json")
    assert response.status_code == 200 and response.json["current_item_id"] is None
    organizer.post(url, json={"item_id": items[2].id})
    assert organizer.post(url, json={}).json["current_item_id"] is None


@pytest.mark.parametrize("item_id", ["3", True, 1.5, [1], 999999])
def test_a_bad_current_item_is_refused(organizer, agenda, item_id):
    congress = agenda[0]
    err = error(organizer.post(f"{V1}/congresses/{congress.id}/agenda/current",
                               json={"item_id": item_id}), 422, "validation_failed")
    assert set(err["fields"]) == {"item_id"}
    db.session.expire_all()
    assert db.session.get(Congress, congress.id).current_item_id is None


def test_the_current_item_must_belong_to_the_congress(organizer, agenda, create_congress,
                                                      create_session, create_item):
    foreign = create_item(create_session(create_congress()))
    error(organizer.post(f"{V1}/congresses/{agenda[0].id}/agenda/current",
                         json={"item_id": foreign.id}), 422, "validation_failed")


# --- the request itself ----------------------------------------------------------------------


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"', "", "null"])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(creator, data):
    _user, caller = creator
    error(caller.post(f"{V1}/congresses", data=data, content_type="application/json"),
          400, "invalid_json")
    assert count(Congress) == 0


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain",
                                          None])
def test_other_content_types_are_refused(creator, content_type):
    _user, caller = creator
    kwargs = {"content_type": content_type} if content_type else {}
    response = caller.post(f"{V1}/congresses", data="name=x", **kwargs)
    error(response, 415, "unsupported_media_type")
    assert count(Congress) == 0


def test_an_oversized_body_is_refused(make_app, create_user):
    small = make_app(MAX_UPLOAD_MB=1)
    with small.app_context():
        token = create_api_token(None, create_user("big", can_create=True))[1]
        response = small.test_client().post(
            f"{V1}/congresses", headers={"Authorization": f"Bearer {token}"},
            json=CONGRESS | {"venue": "x" * (1024 * 1024 + 1)})
        error(response, 413, "too_large")
        assert count(Congress) == 0


def test_unknown_paths_and_methods_answer_in_json(organizer, client):
    error(organizer.get(f"{V1}/nope"), 404, "not_found")
    error(client.get(f"{V1}/nope"), 404, "not_found")
    response = organizer.delete(f"{V1}/congresses")
    error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_an_unexpected_error_is_a_json_500_without_details(make_app, create_user, create_congress,
                                                          monkeypatch, caplog):
    """A crash after a partial write: the answer says nothing inside, and nothing is saved."""
    from conference.agenda import service

    def broken_audit(*_args, **_kwargs):
        raise RuntimeError("database password is hunter2")

    real = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    with real.app_context():
        congress = create_congress()
        token = create_api_token(None, create_user(role="organizer", congress=congress))[1]
        monkeypatch.setattr(service, "record", broken_audit)
        response = real.test_client().post(
            f"{V1}/congresses/{congress.id}/sessions",
            headers={"Authorization": f"Bearer {token}"},
            json={"title": "Phiên chiều", "starts_at": "2023-09-28T13:00",
                  "ends_at": "2023-09-28T17:00"})
        err = error(response, 500, "internal_error")
        body = response.get_data(as_text=True)
        assert "hunter2" not in body and "Traceback" not in body and "fields" not in err
        assert count(CongressSession) == 0
        db.session.expire_all()
        assert db.session.get(Congress, congress.id).agenda_revision == 1
    assert "hunter2" in caplog.text  # but it is logged for the administrator


# --- tokens ----------------------------------------------------------------------------------


def test_missing_wrong_and_revoked_tokens_are_unauthorized(client, create_user):
    user = create_user()
    token, plain = create_api_token(None, user, "script")
    auth = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"{V1}/congresses", headers=auth).status_code == 200
    for headers in ({}, {"Authorization": plain}, {"Authorization": f"Basic {plain}"},
                    {"Authorization": "Bearer cft_guessed"}):
        response = client.get(f"{V1}/congresses", headers=headers)
        error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    revoke_api_token(Actor(user), token)
    error(client.get(f"{V1}/congresses", headers=auth), 401, "unauthorized")


def test_a_deactivated_account_cannot_use_its_token(client, create_user):
    user = create_user()
    plain = create_api_token(None, user)[1]
    user.active = False
    db.session.commit()
    error(client.get(f"{V1}/congresses", headers={"Authorization": f"Bearer {plain}"}),
          401, "unauthorized")


def test_a_repeat_call_finds_its_account_without_a_query(client, create_user, create_congress):
    congress = create_congress()
    plain = create_api_token(None, create_user(role="checkin", congress=congress))[1]
    auth = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"{V1}/congresses/{congress.id}", headers=auth).status_code == 200
    statements = []
    listen = ("before_cursor_execute",
              lambda _c, _cur, statement, *_a: statements.append(statement))
    event.listen(db.engine, *listen)
    try:
        assert client.get(f"{V1}/congresses/{congress.id}", headers=auth).status_code == 200
        assert statements  # the congress was read
        assert not [s for s in statements if re.search(r"\b(api_tokens|users|memberships)\b", s)]
        # A refusal reads the account again first; check-in staff still may not edit.
        error(client.patch(f"{V1}/congresses/{congress.id}", headers=auth,
                           json={"name": "Đại hội khác"}), 403, "forbidden")
        assert [s for s in statements if re.search(r"\bFROM users\b", s)]
    finally:
        event.remove(db.engine, *listen)


def test_changes_to_an_account_made_here_count_at_once(client, create_user, create_congress):
    congress = create_congress()
    user = create_user()
    plain = create_api_token(None, user)[1]
    auth = {"Authorization": f"Bearer {plain}"}
    admin = Actor(create_user(admin=True))
    error(client.get(f"{V1}/congresses/{congress.id}", headers=auth), 404, "not_found")
    grant_role(admin, user, congress, "checkin")
    assert client.get(f"{V1}/congresses/{congress.id}", headers=auth).status_code == 200
    revoke_role(admin, user, congress)
    error(client.get(f"{V1}/congresses/{congress.id}", headers=auth), 404, "not_found")
    update_user(admin, user, active=False)
    error(client.get(f"{V1}/congresses", headers=auth), 401, "unauthorized")


def test_another_process_revoking_a_token_counts_within_the_remembered_seconds(
        client, create_user, monkeypatch):
    monkeypatch.setattr(recent, "REMEMBER_SECONDS", 0.3)
    token, plain = create_api_token(None, create_user())
    auth = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"{V1}/congresses", headers=auth).status_code == 200
    # As another process would: a plain UPDATE, which this process does not see being made.
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id)
                       .values(revoked_at=utcnow()))
    db.session.commit()
    assert client.get(f"{V1}/congresses", headers=auth).status_code == 200  # remembered
    time.sleep(0.35)
    error(client.get(f"{V1}/congresses", headers=auth), 401, "unauthorized")


def test_a_role_granted_by_another_process_counts_at_once(client, create_user, create_congress):
    congress = create_congress()
    user = create_user()
    auth = {"Authorization": f"Bearer {create_api_token(None, user)[1]}"}
    error(client.get(f"{V1}/congresses/{congress.id}", headers=auth), 404, "not_found")
    # As another process would: a plain INSERT, which this process does not see being made.
    db.session.execute(insert(Membership).values(user_id=user.id, congress_id=congress.id,
                                                 role="checkin"))
    db.session.commit()
    assert client.get(f"{V1}/congresses/{congress.id}", headers=auth).status_code == 200


def test_token_use_is_recorded_and_only_a_hash_is_stored(client, create_user):
    token, plain = create_api_token(None, create_user())
    client.get(f"{V1}/congresses", headers={"Authorization": f"Bearer {plain}"})
    db.session.expire_all()
    stored = db.session.get(ApiToken, token.id)
    assert stored.last_used_at is not None
    assert plain not in (stored.token_hash, stored.prefix) and plain.startswith(stored.prefix)


def test_guessing_tokens_is_rate_limited_per_prefix_and_address(client, create_user):
    plain = create_api_token(None, create_user())[1]
    good = {"Authorization": f"Bearer {plain}"}
    for _ in range(30):  # requests with a valid token do not count
        assert client.get(f"{V1}/congresses", headers=good).status_code == 200
    for n in range(20):
        headers = {"Authorization": f"Bearer cft_guess{n}"} if n % 2 else {}
        error(client.get(f"{V1}/congresses", headers=headers), 401, "unauthorized")
    for _ in range(20):  # one prefix guessed over and over
        error(client.get(f"{V1}/congresses", headers={"Authorization": "Bearer cft_againXXXX"}),
              401, "unauthorized")
    limited = client.get(f"{V1}/congresses", headers={"Authorization": "Bearer cft_againXXXX1"})
    error(limited, 429, "rate_limited")
    assert limited.headers["Retry-After"].isdigit()
    # Others' failures never refuse a valid token.
    assert client.get(f"{V1}/congresses", headers=good).status_code == 200
    assert client.post(f"{V1}/congresses", headers=good, json=CONGRESS).status_code == 403
    assert client.get(f"{V1}/openapi.json").status_code == 200
    assert client.get("/").status_code == 200  # the pages are not affected
