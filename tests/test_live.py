"""The live agenda over Socket.IO (namespace /live): who may listen, and what they hear."""

import json

import pytest

from conference.auth.models import Role
from conference.extensions import db

NAMESPACE = "/live"


def states(sock) -> list[tuple[str, dict]]:
    """The agenda events (`agenda_current`, `agenda_changed`) the client received since the
    last call, with their payloads."""
    return [(message["name"], message["args"][0]) for message in sock.get_received(NAMESPACE)
            if message["name"].startswith("agenda_")]


def only_state(sock, event: str = "agenda_current") -> dict:
    received = states(sock)
    assert [name for name, _payload in received] == [event], received
    return received[0][1]


@pytest.fixture
def public_clients(app, agenda, socket_client):
    """Two anonymous browsers watching the agenda congress, their connect greeting read."""
    congress = agenda[0]
    socks = [socket_client(auth={"congress": congress.slug}, flask_client=app.test_client())
             for _ in range(2)]
    for sock in socks:
        assert sock.is_connected(NAMESPACE)
        only_state(sock)
    return socks


@pytest.fixture
def operator(agenda, create_user):
    return create_user(role=Role.OPERATOR, congress=agenda[0])


# --- who may connect ---------------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, {}, {"congress": 42}, "congress-1", {"slug": "x"}])
def test_connect_without_a_congress_is_refused(agenda, socket_client, auth):
    assert not socket_client(auth=auth).is_connected(NAMESPACE)


def test_connect_to_an_unknown_congress_is_refused(agenda, socket_client):
    assert not socket_client(auth={"congress": "no-such-congress"}).is_connected(NAMESPACE)


def test_unpublished_congress_is_refused_to_the_public(create_congress, socket_client):
    hidden = create_congress(published=False)
    assert not socket_client(auth={"congress": hidden.slug}).is_connected(NAMESPACE)


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.OPERATOR, Role.CHECKIN])
def test_staff_of_an_unpublished_congress_may_listen(create_congress, create_user, login,
                                                     socket_client, role):
    hidden = create_congress(published=False)
    login(create_user(role=role, congress=hidden))
    sock = socket_client(auth={"congress": hidden.slug})
    assert sock.is_connected(NAMESPACE)
    state = only_state(sock)
    assert state["published"] is False
    assert state["congress_id"] == hidden.id


def test_staff_of_another_congress_is_refused_an_unpublished_one(create_congress, create_user,
                                                                 login, socket_client):
    hidden, other = create_congress(published=False), create_congress()
    login(create_user(role=Role.ORGANIZER, congress=other))
    assert not socket_client(auth={"congress": hidden.slug}).is_connected(NAMESPACE)


def test_admin_may_listen_to_any_unpublished_congress(create_congress, create_user, login,
                                                      socket_client):
    hidden = create_congress(published=False)
    login(create_user(admin=True))
    assert socket_client(auth={"congress": hidden.slug}).is_connected(NAMESPACE)


# --- what they hear ------------------------------------------------------------------------


def test_connect_greets_with_the_revision_and_nothing_under_way(agenda, socket_client):
    congress = agenda[0]
    state = only_state(socket_client(auth={"congress": congress.slug}))
    assert state == {"congress_id": congress.id, "revision": congress.agenda_revision,
                     "current_item_id": None, "current_session_id": None, "title": None,
                     "published": True}


def test_connect_shows_the_item_under_way(agenda, socket_client):
    congress, _sessions, items = agenda
    congress.current_item_id = items[2].id
    db.session.commit()
    state = only_state(socket_client(auth={"congress": congress.slug}))
    assert state["current_item_id"] == items[2].id
    assert state["title"] == "Báo cáo chính trị"
    assert state["current_session_id"] == items[2].session_id


def test_next_on_the_control_page_reaches_every_public_client(app, agenda, operator, login,
                                                              public_clients):
    congress, _sessions, items = agenda
    before = congress.agenda_revision
    operator_browser = app.test_client()
    login(operator, the_client=operator_browser)

    response = operator_browser.post(f"/manage/{congress.id}/control/next")
    assert response.status_code == 302
    first = [only_state(sock) for sock in public_clients]
    for state in first:
        assert state["current_item_id"] == items[0].id
        assert state["title"] == "Khai mạc"
        assert state["published"] is True
        assert state["revision"] > before

    operator_browser.post(f"/manage/{congress.id}/control/next")
    for sock, previous in zip(public_clients, first, strict=True):
        state = only_state(sock)
        assert state["current_item_id"] == items[1].id
        assert state["revision"] > previous["revision"]


def test_next_through_the_api_reaches_every_public_client(agenda, operator, api,
                                                          public_clients):
    congress, _sessions, items = agenda
    congress.current_item_id = items[1].id
    db.session.commit()
    before = congress.agenda_revision

    response = api(operator).post(f"/api/v1/congresses/{congress.id}/agenda/next")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["current_item_id"] == items[2].id
    for sock in public_clients:
        state = only_state(sock)
        assert state["current_item_id"] == items[2].id  # across the session boundary
        assert state["current_session_id"] == items[2].session_id
        assert state["revision"] > before


def test_start_previous_and_clear_are_pushed(app, agenda, operator, login, public_clients):
    congress, _sessions, items = agenda
    browser = app.test_client()
    login(operator, the_client=browser)
    base = f"/manage/{congress.id}/control"
    sock = public_clients[0]

    browser.post(f"{base}/start", data={"item_id": items[3].id})
    assert only_state(sock)["current_item_id"] == items[3].id
    browser.post(f"{base}/previous")
    assert only_state(sock)["current_item_id"] == items[2].id
    browser.post(f"{base}/clear")
    cleared = only_state(sock)
    assert cleared["current_item_id"] is None and cleared["title"] is None


def test_a_refused_move_pushes_nothing(app, agenda, operator, login, public_clients):
    congress = agenda[0]
    browser = app.test_client()
    login(operator, the_client=browser)
    browser.post(f"/manage/{congress.id}/control/previous")  # nothing under way: refused
    assert states(public_clients[0]) == []


def test_a_client_of_another_congress_hears_nothing(agenda, operator, api, create_congress,
                                                    socket_client, public_clients):
    congress = agenda[0]
    other = create_congress()
    bystander = socket_client(auth={"congress": other.slug})
    only_state(bystander)

    api(operator).post(f"/api/v1/congresses/{congress.id}/agenda/next")
    assert only_state(public_clients[0])["congress_id"] == congress.id
    assert bystander.get_received(NAMESPACE) == []


def test_a_move_is_a_small_push(agenda, operator, api, public_clients):
    """What a phone on the hall's Wi-Fi receives when the operator moves on: the item and the
    revision, not the agenda."""
    congress = agenda[0]
    api(operator).post(f"/api/v1/congresses/{congress.id}/agenda/next")
    state = only_state(public_clients[0])
    assert set(state) == {"congress_id", "revision", "current_item_id", "current_session_id",
                          "title", "published"}
    assert len(json.dumps(state, ensure_ascii=False).encode()) < 200


def test_an_edited_agenda_pushes_only_its_new_revision(app, agenda, create_user, api,
                                                       public_clients):
    congress, sessions, _items = agenda
    organizer = create_user(role=Role.ORGANIZER, congress=congress)
    before = congress.agenda_revision
    response = api(organizer).post(f"/api/v1/sessions/{sessions[0].id}/items",
                                   json={"title": "Thông qua Quy chế"})
    assert response.status_code == 201, response.get_json()
    state = only_state(public_clients[0], "agenda_changed")
    assert state == {"congress_id": congress.id, "revision": before + 1, "published": True}
    # What the page then fetches holds the new item.
    fragment = app.test_client().get(f"/c/{congress.slug}/agenda-fragment")
    assert "Thông qua Quy chế" in fragment.get_data(as_text=True)


def test_the_agenda_fetched_again_unchanged_costs_a_304(app, agenda, operator, api):
    congress = agenda[0]
    phone = app.test_client()
    first = phone.get(f"/c/{congress.slug}/agenda-fragment")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    tag = first.headers["ETag"]
    again = phone.get(f"/c/{congress.slug}/agenda-fragment", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    # In the other language, or after a move, the page gets the agenda again.
    phone.get("/lang/en")
    english = phone.get(f"/c/{congress.slug}/agenda-fragment", headers={"If-None-Match": tag})
    assert english.status_code == 200 and english.headers["ETag"] != tag
    api(operator).post(f"/api/v1/congresses/{congress.id}/agenda/next")
    moved = phone.get(f"/c/{congress.slug}/agenda-fragment", headers={"If-None-Match": tag})
    assert moved.status_code == 200 and 'class="current"' in moved.get_data(as_text=True)


def test_unpublishing_tells_the_room_and_nothing_more(app, agenda, create_user, login,
                                                      public_clients):
    congress = agenda[0]
    organizer_browser = app.test_client()
    login(create_user(role=Role.ORGANIZER, congress=congress), the_client=organizer_browser)
    before = congress.agenda_revision

    response = organizer_browser.post(f"/manage/{congress.id}/publish", data={"published": "0"})
    assert response.status_code == 302
    for sock in public_clients:
        state = only_state(sock, "agenda_changed")
        assert state["published"] is False
        assert state["congress_id"] == congress.id
        assert state["revision"] > before
        assert set(state) == {"congress_id", "revision", "published"}
