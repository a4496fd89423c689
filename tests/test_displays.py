"""Screens: kiosk tokens, scenes, the state every kiosk draws, the /screens protocol, the API."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from conference import images, tokens
from conference.attendance.service import attendance_state
from conference.auth.service import Actor
from conference.badges.identity import badge_token
from conference.checkin.service import perform_checkin
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.displays import service
from conference.displays.models import Screen
from conference.extensions import db
from conference.streams.models import Stream

SCENES = {
    "announcement": {"type": "announcement", "title": "Chào mừng", "body": "Đại hội"},
    "current_item": {"type": "current_item"},
    "agenda": {"type": "agenda", "heading": "Chương trình"},
    "attendance": {"type": "attendance"},
    "qr": {"type": "qr", "caption": "Quét mã"},
    "figures": {"type": "figures", "title": "Kết quả nhiệm kỳ",
                "figures": [{"value": "125.000", "label": "đoàn viên"}]},
    "clock": {"type": "clock", "label": "Khai mạc sau", "countdown_to": "2023-09-28T08:00"},
    "awards": {"type": "awards", "title": "Khen thưởng",
               "entries": [{"name": "Nguyễn Văn A", "citation": "Xuất sắc"},
                           {"name": "Trần Thị B"}]},
}


def png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def boss(agenda, create_user):
    congress = agenda[0]
    return Actor(create_user(role="operator", congress=congress))


@pytest.fixture
def screen(agenda, boss):
    return service.create_screen(boss, agenda[0], {"name": "Màn hình LED", "width": 3840,
                                                   "height": 1080, "group_name": "outside"})


@pytest.fixture
def stream(agenda):
    stream = Stream(congress_id=agenda[0].id, platform="youtube", title="Trực tiếp",
                    url="https://youtu.be/dQw4w9WgXcQ", position=1)
    db.session.add(stream)
    db.session.commit()
    return stream


def kiosk(socket_client, app, screen, token=None):
    return socket_client("/screens", auth={"token": token or service.kiosk_token(screen)},
                         flask_client=app.test_client())


def states(sock) -> list[dict]:
    return [event["args"][0] for event in sock.get_received("/screens")
            if event["name"] == "screen_state"]


# --- tokens ----------------------------------------------------------------------------------


def test_kiosk_token_is_long_url_safe_and_only_its_hash_is_stored(screen):
    token = service.kiosk_token(screen)
    assert len(token) == 22 and tokens.looks_like_token(token)  # 132 bits
    assert screen.token_hash == tokens.token_hash(token)
    assert token not in str(screen.id) and service.find_screen_by_token(token) == screen
    assert service.find_screen_by_token("x" * 22) is None
    assert service.find_screen_by_token(None) is None


def test_a_new_kiosk_url_replaces_the_old(screen, boss):
    old = service.kiosk_token(screen)
    service.regenerate_kiosk_url(boss, screen)
    assert service.find_screen_by_token(old) is None
    assert service.find_screen_by_token(service.kiosk_token(screen)) == screen


def test_kiosk_tokens_differ_from_badge_tokens(app):
    assert tokens.derive_token("n", 1) != tokens.derive_token("n", 1, "kiosk")


# --- scenes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SCENES))
def test_every_scene_type_is_taken_and_drawn(agenda, boss, screen, kind):
    version = service.take_scene(boss, agenda[0], [screen], {"scene": SCENES[kind]})
    state = service.screen_state(screen)
    assert state["version"] == version == 2 and state["mode"] == "scene"
    assert state["scene"]["type"] == kind


def test_resolved_scenes_carry_what_the_renderer_needs(app, agenda, boss, screen, stream):
    congress, _sessions, items = agenda
    congress.current_item_id = items[2].id
    db.session.commit()
    congress_id = congress.id

    def take(scene):
        service.take_scene(boss, congress, [screen], {"scene": scene})
        return service.screen_state(screen)["scene"]

    assert take(SCENES["current_item"])["item"]["title"] == "Báo cáo chính trị"
    shown = take(SCENES["agenda"])
    assert shown["current_item_id"] == items[2].id
    assert [s["title"] for s in shown["sessions"]] == ["Phiên trù bị", "Phiên chính thức"]
    assert take(SCENES["attendance"])["quorum"]["expected"] == 0
    shown = take({"type": "stream", "stream_id": stream.id})
    assert shown["stream"]["display"] == "scheduled"
    assert shown["qr"].startswith("data:image/png;base64,")
    app.config["CONFERENCE"]["PUBLIC_URL"] = "https://daihoi.example.vn"
    shown = take(SCENES["qr"])
    assert shown["target"] == f"https://daihoi.example.vn/c/{congress.slug}"
    assert take({"type": "qr", "url": "https://laodong.vn/x"})["target"] == "https://laodong.vn/x"
    assert take(SCENES["clock"])["countdown_to"] == "2023-09-28T01:00:00Z"
    assert congress.id == congress_id


@pytest.mark.parametrize(("scene", "field"), [
    ({"type": "slideshow"}, "scene.type"),
    ({"title": "x"}, "scene.type"),
    ({"type": "announcement"}, "scene.title"),
    ({"type": "announcement", "title": ""}, "scene.title"),
    ({"type": "stream"}, "scene.stream_id"),
    ({"type": "stream", "stream_id": 999}, "scene.stream_id"),
    ({"type": "qr", "url": "javascript:alert(1)"}, "scene.url"),
    ({"type": "image", "image": "../etc/passwd"}, "scene.image"),
    ({"type": "image", "image": "1-0123456789abcdef.jpg"}, "scene.image"),
    ({"type": "figures", "title": "x", "figures": []}, "scene.figures"),
    ({"type": "figures", "title": "x", "figures": [{"value": "1"}]}, "scene.figures.0.label"),
    ({"type": "awards", "title": "x"}, "scene.entries"),
    ({"type": "attendance", "session_id": 99999}, "scene.session_id"),
    ({"type": "announcement", "title": "x", "colour": "red"}, "scene.colour"),
])
def test_bad_scenes_are_refused_with_field_messages(client, agenda, boss, screen, api, scene,
                                                    field):
    response = api(boss.user).post(f"/api/v1/screens/{screen.id}/take", json={"scene": scene})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"], response.json


def test_html_in_an_announcement_stays_text(agenda, boss, screen):
    body = '<script>alert("x")</script><b>Chào</b>'
    service.take_scene(boss, agenda[0], [screen], {"scene": {
        "type": "announcement", "title": "<img src=x onerror=alert(1)>", "body": body}})
    scene = service.screen_state(screen)["scene"]
    assert scene["body"] == body  # stored as typed; scenes.js sets it as textContent


def test_images_are_checked_stored_and_served(app, client, agenda, boss, screen, api,
                                              monkeypatch):
    caller = api(boss.user)
    url = f"/api/v1/congresses/{agenda[0].id}/screen-images"
    response = caller.post(url, data={"file": (io.BytesIO(png()), "a.png")})
    assert response.status_code == 201, response.json
    name = response.json["image"]
    served = client.get(f"/screen-images/{name}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    response = caller.post(f"/api/v1/screens/{screen.id}/take",
                           json={"scene": {"type": "image", "image": name, "caption": "Ảnh"}})
    assert response.status_code == 200
    db.session.refresh(screen)
    assert service.screen_state(screen)["scene"]["image_url"] == f"/screen-images/{name}"
    not_image = caller.post(url, data={"file": (io.BytesIO(b"%PDF-1.4 x"), "a.png")})
    assert not_image.status_code == 415 and "file" in not_image.json["error"]["fields"]
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 100)
    huge = caller.post(url, data={"file": (io.BytesIO(png()), "a.png")})
    assert huge.status_code == 413
    assert caller.post(url, data={}).status_code == 422
    assert client.get("/screen-images/..%2Fconference.db").status_code == 404


# --- driving ---------------------------------------------------------------------------------


def playlist(boss, congress):
    first = service.create_scene(boss, congress, {"name": "A", "scene": SCENES["announcement"]})
    second = service.create_scene(boss, congress, {"name": "B", "scene": SCENES["clock"]})
    return service.create_playlist(boss, congress, {"name": "Vòng lặp", "entries": [
        {"scene_id": first.id, "duration": 10}, {"scene_id": second.id, "duration": 20}]})


def test_playlist_resume_step_and_position(agenda, boss, screen):
    congress = agenda[0]
    loop = playlist(boss, congress)
    service.resume_playlist(boss, congress, [screen], loop.id)
    state = service.screen_state(screen)
    assert state["mode"] == "playlist" and [e["duration"] for e in state["playlist"]["entries"]
                                            ] == [10, 20]
    assert state["playlist"]["entries"][1]["scene"]["type"] == "clock"
    assert service.playlist_position([10, 20], 0, 5) == 0
    assert service.playlist_position([10, 20], 0, 15) == 1
    assert service.playlist_position([10, 20], 0, 31) == 0
    assert service.playlist_position([10, 20], 1, 21) == 0
    service.step_screen(boss, screen, 1)
    assert screen.playlist_index == 1
    service.step_screen(boss, screen, 1)
    assert screen.playlist_index == 0
    service.take_scene(boss, congress, [screen], {"scene": SCENES["announcement"]})
    service.resume_playlist(boss, congress, [screen])  # back to its last playlist
    assert screen.mode == "playlist" and screen.playlist_id == loop.id


def test_awards_step_and_stop_at_the_ends(agenda, boss, screen, api):
    service.take_scene(boss, agenda[0], [screen], {"scene": SCENES["awards"]})
    caller = api(boss.user)
    assert caller.post(f"/api/v1/screens/{screen.id}/previous").status_code == 409
    assert caller.post(f"/api/v1/screens/{screen.id}/next").status_code == 200
    db.session.refresh(screen)
    assert service.screen_state(screen)["step"] == 1
    response = caller.post(f"/api/v1/screens/{screen.id}/next")
    assert response.status_code == 409 and response.json["error"]["code"] == "awards_end"


def test_nothing_to_step_and_no_playlist(agenda, boss, screen, api):
    caller = api(boss.user)
    assert caller.post(f"/api/v1/screens/{screen.id}/next").json["error"]["code"] == (
        "nothing_to_step")
    response = caller.post(f"/api/v1/screens/{screen.id}/playlist")
    assert response.status_code == 409 and response.json["error"]["code"] == "no_playlist"


def test_flash_expires(agenda, boss, screen):
    from datetime import timedelta

    service.flash(boss, agenda[0], [screen], {"text": "Mời đại biểu vào hội trường",
                                              "seconds": 60})
    state = service.screen_state(screen)
    assert state["flash"]["text"] == "Mời đại biểu vào hội trường"
    later = screen.flash_expires_at + timedelta(seconds=1)
    assert service.screen_state(screen, now=later)["flash"] is None


def test_versions_grow_and_are_audited(agenda, boss, screen):
    from conference.audit.models import AuditEntry

    congress = agenda[0]
    versions = [service.take_scene(boss, congress, [screen], {"scene": SCENES["clock"]}),
                service.blackout(boss, congress, [screen]),
                service.flash(boss, congress, [screen], {"text": "x", "seconds": 5})]
    assert versions == [2, 3, 4]
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert {"screen.create", "screen.take", "screen.blackout", "screen.flash"} <= set(actions)


# --- the live protocol -------------------------------------------------------------------------


def test_connect_is_refused_without_a_valid_token(app, socket_client, screen, boss):
    for auth in (None, {}, {"token": "nope"}, {"token": "A" * 22}, {"token": 5}):
        sock = socket_client("/screens", auth=auth, flask_client=app.test_client())
        assert not sock.is_connected("/screens")
    old = service.kiosk_token(screen)
    service.regenerate_kiosk_url(boss, screen)
    assert not kiosk(socket_client, app, screen, old).is_connected("/screens")
    assert kiosk(socket_client, app, screen).is_connected("/screens")


def test_full_state_on_connect_and_after_each_change(app, agenda, boss, screen, socket_client):
    sock = kiosk(socket_client, app, screen)
    first = states(sock)
    assert len(first) == 1 and first[0]["version"] == 1 and first[0]["mode"] == "blackout"
    assert {"server_time", "app_version", "scene", "playlist", "flash"} <= set(first[0])
    service.take_scene(boss, agenda[0], [screen], {"scene": SCENES["announcement"]})
    pushed = states(sock)
    assert [s["version"] for s in pushed] == [2]
    assert pushed[0]["scene"]["title"] == "Chào mừng"


def test_a_reconnect_gets_the_full_new_state(app, agenda, boss, screen, socket_client):
    sock = kiosk(socket_client, app, screen)
    states(sock)
    sock.disconnect("/screens")
    for _ in range(3):
        service.take_scene(boss, agenda[0], [screen], {"scene": SCENES["clock"]})
    again = kiosk(socket_client, app, screen)
    received = states(again)
    assert [s["version"] for s in received] == [4] and received[0]["scene"]["type"] == "clock"


def test_rendered_and_heartbeat_mark_the_screen_online(app, agenda, boss, screen,
                                                       socket_client, api):
    sock = kiosk(socket_client, app, screen)
    service.take_scene(boss, agenda[0], [screen], {"scene": SCENES["clock"]})
    sock.emit("rendered", {"version": 2}, namespace="/screens")
    sock.emit("rendered", {"version": 99}, namespace="/screens")  # ignored: not a version
    sock.emit("heartbeat", namespace="/screens")
    body = api(boss.user).get(f"/api/v1/screens/{screen.id}").json
    assert body["online"] is True and body["rendered_version"] == 2
    assert body["state_version"] == 2 and body["last_seen"]


def test_kiosks_of_one_screen_drawing_a_version_are_stored_once(app, agenda, boss, screen,
                                                                 socket_client, login):
    """Two players of one wall draw each version: the console hears about it once."""
    console_client = app.test_client()
    login(boss.user, the_client=console_client)
    console = socket_client("/screens", auth={"congress_id": agenda[0].id},
                            flask_client=console_client)
    players = [kiosk(socket_client, app, screen) for _ in range(2)]
    console.get_received("/screens")

    def statuses():
        return [e["args"][0] for e in console.get_received("/screens")
                if e["name"] == "screen_status"]

    service.take_scene(boss, agenda[0], [screen], {"scene": SCENES["clock"]})
    statuses()  # the take's own status
    for player in players:
        player.emit("rendered", {"version": 2}, namespace="/screens")
        player.emit("heartbeat", namespace="/screens")
    assert [status["rendered_version"] for status in statuses()] == [2]
    service.take_scene(boss, agenda[0], [screen], {"scene": SCENES["clock"]})
    statuses()
    players[1].emit("rendered", {"version": 3}, namespace="/screens")
    assert [status["rendered_version"] for status in statuses()] == [3]


def test_a_replaced_kiosk_hears_revoked_and_nothing_more(app, agenda, boss, screen,
                                                         socket_client):
    sock = kiosk(socket_client, app, screen)
    states(sock)
    service.regenerate_kiosk_url(boss, screen)
    assert "revoked" in [e["name"] for e in sock.get_received("/screens")]
    service.take_scene(boss, agenda[0], [screen], {"scene": SCENES["clock"]})
    assert states(sock) == []


def test_console_watches_every_screen(app, agenda, boss, screen, socket_client, login,
                                      create_user):
    console_client = app.test_client()
    login(boss.user, the_client=console_client)
    console = socket_client("/screens", auth={"congress_id": agenda[0].id},
                            flask_client=console_client)
    received = console.get_received("/screens")
    assert {e["name"] for e in received} == {"screen_state", "screen_status"}
    kiosk(socket_client, app, screen).emit("rendered", {"version": 1}, namespace="/screens")
    statuses = [e["args"][0] for e in console.get_received("/screens")
                if e["name"] == "screen_status"]
    assert statuses[-1]["online"] and statuses[-1]["rendered_version"] == 1
    outsider_client = app.test_client()
    login(create_user("stranger"), the_client=outsider_client)
    refused = socket_client("/screens", auth={"congress_id": agenda[0].id},
                            flask_client=outsider_client)
    assert not refused.is_connected("/screens")


def test_the_agenda_drives_the_screens(app, agenda, boss, screen, socket_client):
    from conference.agenda.service import set_current_item

    congress, _sessions, items = agenda
    service.take_scene(boss, congress, [screen], {"scene": SCENES["current_item"]})
    sock = kiosk(socket_client, app, screen)
    states(sock)
    set_current_item(boss, congress, items[1].id)
    pushed = states(sock)
    assert pushed[-1]["scene"]["item"]["title"] == "Bầu Đoàn Chủ tịch"
    assert pushed[-1]["version"] == 2  # data refreshes keep the operator's version


def test_check_ins_drive_attendance_screens(app, agenda, boss, screen, socket_client,
                                           create_user):
    congress = agenda[0]
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(full_name="Lê Văn C")))
    db.session.add(delegate)
    db.session.commit()
    service.take_scene(boss, congress, [screen], {"scene": SCENES["attendance"]})
    sock = kiosk(socket_client, app, screen)
    assert states(sock)[-1]["scene"]["quorum"]["present"] == 0
    door = Actor(create_user(role="checkin", congress=congress))
    perform_checkin(door, congress, badge_token(delegate), gate="A")
    assert states(sock)[-1]["scene"]["quorum"]["present"] == 1


def test_a_hall_of_screens_showing_the_quorum_counts_it_once_per_refresh(
        app, agenda, boss, socket_client, create_user, monkeypatch):
    """Twenty screens on the quorum while the doors scan: each refresh counts attendance once
    and every screen gets the same numbers."""
    from conference.displays import scenes

    congress = agenda[0]
    delegate = Delegate(**new_delegate_values(congress, DelegateInput(full_name="Lê Văn C")))
    db.session.add(delegate)
    db.session.commit()
    hall = [service.create_screen(boss, congress, {"name": f"Màn hình {n}", "width": 1920,
                                                   "height": 1080}) for n in range(4)]
    service.take_scene(boss, congress, hall, {"scene": SCENES["attendance"]})
    socks = [kiosk(socket_client, app, screen) for screen in hall]
    for sock in socks:
        states(sock)
    counted = []
    monkeypatch.setattr(scenes, "attendance_state",
                        lambda *args: counted.append(args) or attendance_state(*args))
    perform_checkin(Actor(create_user(role="checkin", congress=congress)), congress,
                    badge_token(delegate), gate="A")
    assert len(counted) == 1
    assert [states(sock)[-1]["scene"]["quorum"]["present"] for sock in socks] == [1] * 4


def test_stream_changes_reach_stream_screens_only(app, agenda, boss, screen, stream,
                                                  socket_client):
    from conference.streams.service import set_stream_status

    congress = agenda[0]
    other = service.create_screen(boss, congress, {"name": "Hội trường", "width": 1920,
                                                   "height": 1080})
    service.take_scene(boss, congress, [screen], {"scene": {"type": "stream",
                                                            "stream_id": stream.id}})
    service.take_scene(boss, congress, [other], {"scene": SCENES["clock"]})
    sock, quiet = kiosk(socket_client, app, screen), kiosk(socket_client, app, other)
    states(sock), states(quiet)
    set_stream_status(boss, stream, "live")
    assert states(sock)[-1]["scene"]["stream"]["display"] == "live"
    assert states(quiet) == []


# --- the API -----------------------------------------------------------------------------------


def test_api_creates_reads_and_drives_a_screen(client, agenda, boss, api):
    caller = api(boss.user)
    congress = agenda[0]
    response = caller.post(f"/api/v1/congresses/{congress.id}/screens",
                           json={"name": "LED", "width": 1536, "height": 512})
    assert response.status_code == 201
    screen_id, kiosk_url = response.json["id"], response.json["kiosk_url"]
    token = kiosk_url.rsplit("/k/", 1)[1]
    assert tokens.looks_like_token(token) and str(screen_id) != token
    body = caller.get(f"/api/v1/screens/{screen_id}").json
    assert body["online"] is False and body["last_seen"] is None
    assert (body["state_version"], body["rendered_version"]) == (1, 0)
    response = caller.post(f"/api/v1/screens/{screen_id}/take", json={"scene": {
        "type": "announcement", "title": "Giải lao", "body": "15 phút"}})
    assert response.status_code == 200 and response.json == {"state_version": 2}
    assert caller.post(f"/api/v1/screens/{screen_id}/blackout").json == {"state_version": 3}
    response = caller.post(f"/api/v1/congresses/{congress.id}/screens/take",
                           json={"scene": SCENES["clock"], "group": "nope"})
    # The congress is there; it has no screen in that group: 409, not "not found".
    assert response.status_code == 409 and response.json["error"]["code"] == "no_screens"
    response = caller.post(f"/api/v1/congresses/{congress.id}/screens/take",
                           json={"scene": SCENES["clock"]})
    assert response.json == {"state_version": 4}
    response = caller.post(f"/api/v1/congresses/{congress.id}/screens/blackout")
    assert response.json == {"state_version": 5}


def test_acting_on_every_screen_of_a_congress_without_screens_is_409(api, create_user,
                                                                    create_congress):
    bare = create_congress()
    caller = api(create_user(role="operator", congress=bare))
    for action in ("blackout", "playlist"):
        response = caller.post(f"/api/v1/congresses/{bare.id}/screens/{action}")
        assert response.status_code == 409 and response.json["error"]["code"] == "no_screens"


def test_group_take_reaches_only_that_group(agenda, boss, screen, api):
    congress = agenda[0]
    inside = service.create_screen(boss, congress, {"name": "Trong", "width": 1920,
                                                    "height": 1080, "group_name": "hall"})
    api(boss.user).post(f"/api/v1/congresses/{congress.id}/screens/take",
                        json={"scene": SCENES["clock"], "group": "hall"})
    db.session.expire_all()
    assert db.session.get(Screen, inside.id).mode == "scene"
    assert db.session.get(Screen, screen.id).mode == "blackout"


def test_a_screen_of_another_congress_is_404(client, create_congress, create_user, screen, api):
    other = create_congress()
    stranger = create_user(role="operator", congress=other)
    caller = api(stranger)
    assert caller.get(f"/api/v1/screens/{screen.id}").status_code == 404
    assert caller.post(f"/api/v1/screens/{screen.id}/take",
                       json={"scene": SCENES["clock"]}).status_code == 404


def test_checkin_staff_may_not_drive_screens(agenda, create_user, screen, api):
    staff = create_user(role="checkin", congress=agenda[0])
    assert api(staff).post(f"/api/v1/screens/{screen.id}/blackout").status_code == 403


def test_bad_screen_fields(agenda, boss, api):
    response = api(boss.user).post(f"/api/v1/congresses/{agenda[0].id}/screens",
                                   json={"name": "", "width": 10, "height": "x"})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"name", "width", "height"}


def test_take_needs_a_scene_or_a_saved_one(agenda, boss, screen, api):
    caller = api(boss.user)
    url = f"/api/v1/screens/{screen.id}/take"
    assert caller.post(url, json={}).status_code == 422
    assert set(caller.post(url, json={"scene_id": 12345}).json["error"]["fields"]) == {
        "scene_id"}
    saved = service.create_scene(boss, agenda[0], {"name": "Đồng hồ", "scene": SCENES["clock"]})
    assert caller.post(url, json={"scene_id": saved.id}).json == {"state_version": 2}
    db.session.refresh(screen)
    assert service.screen_state(screen)["scene"]["type"] == "clock"
    # Editing the saved scene redraws the screens that show it.
    service.update_scene(boss, saved, {"scene": SCENES["announcement"]})
    state = service.screen_state(screen)
    assert state["scene"]["type"] == "announcement" and state["version"] == 3


def test_scene_and_playlist_crud(agenda, boss, api):
    caller = api(boss.user)
    congress_id = agenda[0].id
    response = caller.post(f"/api/v1/congresses/{congress_id}/scenes",
                           json={"name": "Chào", "scene": SCENES["announcement"]})
    assert response.status_code == 201
    scene_id = response.json["id"]
    assert caller.get(f"/api/v1/congresses/{congress_id}/scenes").json["scenes"][0][
        "scene"]["title"] == "Chào mừng"
    response = caller.post(f"/api/v1/congresses/{congress_id}/playlists", json={
        "name": "Vòng", "entries": [{"scene_id": scene_id, "duration": 15}]})
    assert response.status_code == 201
    playlist_id = response.json["id"]
    response = caller.post(f"/api/v1/congresses/{congress_id}/playlists", json={
        "name": "Vòng", "entries": [{"scene_id": 999999, "duration": 1}]})
    assert set(response.json["error"]["fields"]) == {"entries.0.duration"}
    response = caller.patch(f"/api/v1/playlists/{playlist_id}", json={
        "entries": [{"scene_id": 999999, "duration": 10}]})
    assert set(response.json["error"]["fields"]) == {"entries.0.scene_id"}
    assert caller.patch(f"/api/v1/scenes/{scene_id}", json={"name": "Mới"}).json["name"] == "Mới"
    assert caller.delete(f"/api/v1/playlists/{playlist_id}").status_code == 204
    assert caller.delete(f"/api/v1/scenes/{scene_id}").status_code == 204


# --- the kiosk page ------------------------------------------------------------------------------


def test_kiosk_page_carries_the_state_safely(client, agenda, boss, screen):
    service.take_scene(boss, agenda[0], [screen], {"scene": {
        "type": "announcement", "title": "</script><script>alert(1)</script>", "body": "x"}})
    response = client.get(f"/k/{service.kiosk_token(screen)}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    assert "</script><script>alert(1)" not in html
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    assert 'id="kiosk-canvas"' in html and "js/kiosk.js" in html and "js/scenes.js" in html
    assert "http" not in html.split("<body", 1)[1].replace("https://", "").split(
        "kiosk-state")[0]  # nothing from outside


def test_kiosk_page_of_an_unknown_or_replaced_token_is_404(client, boss, screen):
    old = service.kiosk_token(screen)
    service.regenerate_kiosk_url(boss, screen)
    assert client.get(f"/k/{old}").status_code == 404
    assert client.get("/k/nope").status_code == 404
    assert client.get(f"/k/{service.kiosk_token(screen)}").status_code == 200


def test_kiosk_paths_are_masked_in_logs():
    from conference.token_pages import mask_token_paths

    assert mask_token_paths("GET /k/AbCdEfGhIjKlMnOpQrStUv HTTP/1.1") == "GET /k/AbCd… HTTP/1.1"
    assert mask_token_paths("/lang/en?next=%2Fk%2FAbCdEfGhIjKl") == "/lang/en?next=%2Fk%2FAbCd…"


def test_app_version_is_stable(app):
    assert service.app_version() == service.app_version() and len(service.app_version()) == 16


def test_demo_congress_has_a_wall_and_a_hall_screen(app):
    from conference.demo import load_demo
    from conference.displays.scenes import check_scene

    congress, _created = load_demo()
    screens = service.list_screens(congress)
    assert sorted((s.width, s.height) for s in screens) == [(1920, 1080), (3840, 1080)]
    for screen in screens:
        state = service.screen_state(screen)
        assert state["scene"] or state["playlist"]["entries"]
    for scene in service.list_scenes(congress):
        stored = {"type": scene.type} | scene.fields
        assert check_scene(congress, stored) == stored
