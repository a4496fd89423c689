"""The screens console: pages and plain form posts that work without JavaScript."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from conference.audit.models import AuditEntry
from conference.auth.service import Actor
from conference.dates import utcnow
from conference.displays import service
from conference.displays.models import Playlist, Scene, Screen
from conference.extensions import db
from tests.test_displays import png

pytestmark = pytest.mark.english


@pytest.fixture
def operator(agenda, create_user, login):
    user = create_user(role="operator", congress=agenda[0])
    login(user)
    return Actor(user)


@pytest.fixture
def screen(agenda, operator):
    return service.create_screen(operator, agenda[0], {"name": "LED wall", "width": 3840,
                                                       "height": 1080, "group_name": "outside"})


def test_console_lists_screens_with_status_preview_and_kiosk_url(client, agenda, screen):
    page = client.get(f"/manage/{agenda[0].id}/screens")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "LED wall" in html and "3840×1080" in html
    assert ">Never connected<" in html and "since –" not in html
    assert f"/k/{service.kiosk_token(screen)}" in html
    assert 'class="screen-state"' in html and "js/screens-console.js" in html
    assert "Keys: → or PageDown next" in html


def test_each_screen_says_plainly_whether_it_is_connected(client, agenda, screen):
    service.screen_seen(screen)
    assert ">Connected since" in client.get(f"/manage/{agenda[0].id}/screens").get_data(
        as_text=True)
    screen.last_seen = screen.online_since = utcnow() - timedelta(minutes=5)
    db.session.commit()
    html = client.get(f"/manage/{agenda[0].id}/screens").get_data(as_text=True)
    assert ">Not connected, last seen" in html and ">Connected since" not in html


def tile(html: str, screen) -> str:
    """The program tile of one screen on the console page."""
    start = html.index(f'id="screen-{screen.id}"')
    return html[start:html.index("</label>", start)]


def test_each_screen_names_what_it_shows(client, agenda, operator, screen):
    congress = agenda[0]
    hall = service.create_screen(operator, congress, {"name": "Hall", "width": 1920,
                                                      "height": 1080})
    side = service.create_screen(operator, congress, {"name": "Side", "width": 1920,
                                                      "height": 1080})
    clock = service.create_scene(operator, congress, {"name": "Đồng hồ",
                                                      "scene": {"type": "clock"}})
    loop = service.create_playlist(operator, congress, {
        "name": "Vòng chiếu", "entries": [{"scene_id": clock.id, "duration": 60}]})
    service.take_scene(operator, congress, [screen], {"scene_id": clock.id})
    service.resume_playlist(operator, congress, [hall], loop.id)
    service.take_scene(operator, congress, [side], {"scene": {"type": "announcement",
                                                              "title": "Giải lao"}})
    html = client.get(f"/manage/{congress.id}/screens").get_data(as_text=True)
    assert 'data-field="program">Đồng hồ<' in tile(html, screen)
    assert 'data-field="program">Vòng chiếu · Đồng hồ<' in tile(html, hall)
    assert 'data-field="program">Announcement<' in tile(html, side)
    service.blackout(operator, congress, [screen])
    html = client.get(f"/manage/{congress.id}/screens").get_data(as_text=True)
    assert 'data-field="program">Blackout<' in tile(html, screen)


def checked(html: str, value: str) -> bool:
    """Whether the console's checkbox or radio button with this value is ticked."""
    tag_start = html.rindex("<input", 0, html.index(f'value="{value}"'))
    return " checked" in html[tag_start:html.index(">", tag_start)]


@pytest.fixture
def two_screens(agenda, operator, screen):
    hall = service.create_screen(operator, agenda[0], {"name": "Hall", "width": 1920,
                                                       "height": 1080})
    return screen, hall


def test_an_action_keeps_the_screens_and_the_scene_chosen(client, agenda, operator,
                                                          two_screens):
    congress = agenda[0]
    wall, hall = two_screens
    first = service.create_scene(operator, congress, {"name": "A", "scene": {"type": "clock"}})
    second = service.create_scene(operator, congress, {"name": "B", "scene": {"type": "clock"}})
    url = f"/manage/{congress.id}/screens/control"
    response = client.post(url, data={"target": f"screen:{hall.id}", "action": "take",
                                      "scene_id": second.id})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert f"target=screen:{hall.id}" in location and f"scene={second.id}" in location
    db.session.expire_all()
    assert (hall.mode, hall.scene_id, wall.mode) == ("scene", second.id, "blackout")
    page = client.get(location).get_data(as_text=True)
    assert "Scene shown on Hall." in page
    assert checked(page, f"screen:{hall.id}") and not checked(page, f"screen:{wall.id}")
    assert checked(page, str(second.id)) and not checked(page, str(first.id))
    # A stray blackout right after hits the hall only, and the selection stays again.
    response = client.post(url, data={"target": f"screen:{hall.id}", "action": "blackout",
                                      "scene_id": second.id})
    db.session.expire_all()
    assert (hall.mode, wall.mode) == ("blackout", "blackout")
    assert f"target=screen:{hall.id}" in response.headers["Location"]
    # Refused actions keep it too.
    response = client.post(url, data={"target": f"screen:{hall.id}", "action": "next",
                                      "scene_id": first.id})
    assert f"scene={first.id}" in response.headers["Location"]
    assert "Nothing to step through" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_with_several_screens_none_is_ticked_until_the_operator_chooses(client, agenda,
                                                                        operator, two_screens):
    congress = agenda[0]
    wall, hall = two_screens
    page = client.get(f"/manage/{congress.id}/screens").get_data(as_text=True)
    assert not checked(page, f"screen:{wall.id}") and not checked(page, f"screen:{hall.id}")
    response = client.post(f"/manage/{congress.id}/screens/control",
                           data={"action": "blackout"}, follow_redirects=True)
    assert "Choose the screens first." in response.get_data(as_text=True)
    page = client.get(f"/manage/{congress.id}/screens?target=group:outside").get_data(
        as_text=True)
    assert checked(page, f"screen:{wall.id}") and not checked(page, f"screen:{hall.id}")
    for junk in ("screen:999999", "screen:x", "group:", "nope", "screen:" + "9" * 30):
        page = client.get(f"/manage/{congress.id}/screens", query_string={"target": junk})
        assert page.status_code == 200 and not checked(page.get_data(as_text=True),
                                                       f"screen:{wall.id}")


def test_the_only_screen_is_ticked_by_default(client, agenda, screen):
    page = client.get(f"/manage/{agenda[0].id}/screens").get_data(as_text=True)
    assert checked(page, f"screen:{screen.id}")


def test_an_action_on_every_screen_runs_only_once_confirmed(client, agenda, operator,
                                                            two_screens):
    congress = agenda[0]
    wall, hall = two_screens
    url = f"/manage/{congress.id}/screens/control"
    versions = (wall.state_version, hall.state_version)
    for targets in (["all"], [f"screen:{wall.id}", f"screen:{hall.id}"]):
        page = client.post(url, data={"target": targets, "action": "flash", "text": "Xin mời",
                                      "seconds": "20"})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Flash on all 2 screens?" in html and "Yes, on all screens" in html
        assert 'name="text" value="Xin mời"' in html and 'name="confirm" value="all"' in html
        db.session.expire_all()
        assert (wall.state_version, hall.state_version) == versions
        assert wall.flash_text == hall.flash_text == ""
    response = client.post(url, data={"target": "all", "action": "flash", "text": "Xin mời",
                                      "seconds": "20", "confirm": "all"})
    assert response.status_code == 302
    db.session.expire_all()
    assert wall.flash_text == hall.flash_text == "Xin mời"
    location = response.headers["Location"]
    assert f"target=screen:{wall.id}" in location and f"target=screen:{hall.id}" in location
    # A group that is not every screen needs no confirmation.
    assert client.post(url, data={"target": "group:outside", "action": "blackout"}
                       ).status_code == 302
    # An unknown action is refused before anything is asked.
    response = client.post(url, data={"target": "all", "action": "nope"})
    assert response.status_code == 302


def test_the_api_still_drives_every_screen_at_once(client, agenda, operator, two_screens, api):
    congress = agenda[0]
    response = api(operator.user).post(f"/api/v1/congresses/{congress.id}/screens/take",
                                       json={"scene": {"type": "clock"}})
    assert response.status_code == 200
    db.session.expire_all()
    assert [screen.mode for screen in two_screens] == ["scene", "scene"]


def test_control_buttons_drive_the_screens(client, agenda, operator, screen):
    congress = agenda[0]
    saved = service.create_scene(operator, congress, {"name": "Clock",
                                                      "scene": {"type": "clock"}})
    url = f"/manage/{congress.id}/screens/control"
    response = client.post(url, data={"target": f"screen:{screen.id}", "action": "take",
                                      "scene_id": saved.id})
    assert response.status_code == 302
    db.session.refresh(screen)
    assert screen.mode == "scene" and screen.scene_id == saved.id
    client.post(url, data={"target": "group:outside", "action": "flash", "text": "Xin mời",
                           "seconds": "20"})
    # The only screen is every screen: nothing to confirm.
    client.post(url, data={"target": "all", "action": "blackout"})
    db.session.refresh(screen)
    assert screen.mode == "blackout" and screen.flash_text == "Xin mời"
    assert screen.state_version == 4
    page = client.post(url, data={"target": "all", "action": "next"}, follow_redirects=True)
    assert "Nothing to step through" in page.get_data(as_text=True)
    page = client.post(url, data={"target": "all", "action": "playlist"}, follow_redirects=True)
    assert "has no playlist to play" in page.get_data(as_text=True)


def test_control_refuses_a_screen_of_another_congress(client, agenda, operator, screen,
                                                      create_congress, create_user):
    other = create_congress()
    outsider = service.create_screen(Actor(create_user(admin=True)), other,
                                     {"name": "X", "width": 100, "height": 100})
    response = client.post(f"/manage/{agenda[0].id}/screens/control",
                           data={"target": f"screen:{outsider.id}", "action": "blackout"})
    assert response.status_code == 404


def test_add_edit_and_replace_the_kiosk_url_of_a_screen(client, agenda, operator):
    congress = agenda[0]
    bad = client.post(f"/manage/{congress.id}/screens/new",
                      data={"name": "", "width": "5", "height": "1080", "group_name": ""})
    assert bad.status_code == 422
    response = client.post(f"/manage/{congress.id}/screens/new",
                           data={"name": "Hall", "width": "1920", "height": "1080",
                                 "group_name": "hall"})
    assert response.status_code == 302
    screen = db.session.scalar(db.select(Screen))
    client.post(f"/manage/screens/{screen.id}/edit",
                data={"name": "Hall left", "width": "1536", "height": "512", "group_name": ""})
    db.session.refresh(screen)
    assert (screen.name, screen.width, screen.height) == ("Hall left", 1536, 512)
    old = service.kiosk_token(screen)
    client.post(f"/manage/screens/{screen.id}/kiosk-url")
    db.session.refresh(screen)
    assert client.get(f"/k/{old}").status_code == 404
    client.post(f"/manage/screens/{screen.id}/delete")
    assert db.session.scalar(db.select(Screen)) is None


def test_scene_editor_previews_without_saving_then_saves(client, agenda, operator):
    congress = agenda[0]
    url = f"/manage/{congress.id}/scenes/new/figures"
    form = {"name": "Results", "title": "Term results", "figures": "125.430 | members\n1.247 |"
            " unions\n"}
    preview = client.post(url, data=form | {"action": "preview"})
    assert preview.status_code == 200 and 'id="preview-scene"' in preview.get_data(as_text=True)
    assert db.session.scalar(db.select(Scene)) is None
    assert client.post(url, data=form | {"action": "save"}).status_code == 302
    scene = db.session.scalar(db.select(Scene))
    assert scene.fields["figures"][1] == {"value": "1.247", "label": "unions"}
    page = client.get(f"/manage/scenes/{scene.id}/edit").get_data(as_text=True)
    assert "125.430 | members" in page and 'id="preview-scene"' in page
    bad = client.post(url, data={"name": "x", "title": "", "figures": "", "action": "save"})
    assert bad.status_code == 422 and "This field is required." in bad.get_data(as_text=True)
    assert client.get(f"/manage/{congress.id}/scenes/new/nope").status_code == 404


def test_scene_editor_for_images_awards_and_countdowns(client, agenda, operator):
    congress = agenda[0]
    response = client.post(f"/manage/{congress.id}/scenes/new/image", data={
        "name": "Hall", "caption": "Hội trường", "action": "save",
        "image_upload": (io.BytesIO(png()), "hall.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    response = client.post(f"/manage/{congress.id}/scenes/new/awards", data={
        "name": "Awards", "title": "Khen thưởng", "action": "save",
        "entries": "Nguyễn Văn A | Xuất sắc\nTrần Thị B",
        "photo_upload": [(io.BytesIO(png()), "a.png")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    response = client.post(f"/manage/{congress.id}/scenes/new/clock", data={
        "name": "Countdown", "label": "Khai mạc", "countdown_to": "2023-09-28T08:00",
        "action": "save"})
    assert response.status_code == 302
    scenes = {s.type: s for s in db.session.scalars(db.select(Scene))}
    assert scenes["image"].fields["image"].endswith(".jpg")
    entries = scenes["awards"].fields["entries"]
    assert entries[0]["photo"].endswith(".jpg") and entries[1]["photo"] == ""
    assert scenes["clock"].fields["countdown_to"] == "2023-09-28T01:00:00Z"
    page = client.get(f"/manage/scenes/{scenes['clock'].id}/edit").get_data(as_text=True)
    assert 'value="2023-09-28T08:00"' in page
    bad = client.post(f"/manage/{congress.id}/scenes/new/image", data={
        "name": "Bad", "action": "save", "image_upload": (io.BytesIO(b"not an image"), "x.png")},
        content_type="multipart/form-data")
    assert bad.status_code == 422


def stored_images(app) -> list[str]:
    folder = Path(app.instance_path) / "screen-images"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def scene_preview(response) -> dict:
    page = response.get_data(as_text=True)
    opening = '<script type="application/json" id="preview-scene">'
    start = page.index(opening) + len(opening)
    return json.loads(page[start:page.index("</script>", start)])


def test_an_image_is_stored_only_when_its_scene_is_saved(app, client, agenda, operator):
    congress = agenda[0]
    url = f"/manage/{congress.id}/scenes/new/image"

    def post(action: str, name: str = "Hall"):
        return client.post(url, data={"name": name, "caption": "Hội trường", "action": action,
                                      "image_upload": (io.BytesIO(png()), "hall.png")},
                           content_type="multipart/form-data")

    preview = post("preview")
    assert preview.status_code == 200
    assert scene_preview(preview)["image_url"].startswith("data:image/jpeg;base64,")
    assert "choose the file again" in preview.get_data(as_text=True)
    assert 'name="image" value=""' in preview.get_data(as_text=True)
    refused = post("save", name="")  # the scene's name is missing: nothing is kept
    assert refused.status_code == 422 and "choose the file again" in refused.get_data(as_text=True)
    assert stored_images(app) == [] and db.session.scalar(db.select(Scene)) is None
    uploads = db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "screen.image_upload")
    assert db.session.scalar(uploads) == 0

    assert post("save").status_code == 302
    scene = db.session.scalar(db.select(Scene))
    assert stored_images(app) == [scene.fields["image"]]
    assert db.session.scalar(uploads) == 1


def test_award_photos_are_previewed_inline_and_stored_on_save(app, client, agenda, operator):
    congress = agenda[0]
    url = f"/manage/{congress.id}/scenes/new/awards"
    form = {"name": "Awards", "title": "Khen thưởng", "entries": "Nguyễn Văn A | Xuất sắc\nB"}

    def post(action: str):
        return client.post(url, data=form | {"action": action, "photo_upload": [
            (io.BytesIO(png()), "a.png")]}, content_type="multipart/form-data")

    preview = post("preview")
    entries = scene_preview(preview)["entries"]
    assert entries[0]["photo_url"].startswith("data:image/jpeg;base64,")
    assert entries[1]["photo_url"] == ""
    assert "Nguyễn Văn A | Xuất sắc\n" in preview.get_data(as_text=True)  # no unsaved name
    assert stored_images(app) == []
    assert post("save").status_code == 302
    scene = db.session.scalar(db.select(Scene))
    assert stored_images(app) == [scene.fields["entries"][0]["photo"]]


def test_playlist_form(client, agenda, operator):
    congress = agenda[0]
    first = service.create_scene(operator, congress, {"name": "A", "scene": {"type": "clock"}})
    url = f"/manage/{congress.id}/playlists/new"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"name": "Loop", "scene_id": [str(first.id)],
                                 "duration": ["1"]})
    assert bad.status_code == 422
    response = client.post(url, data={"name": "Loop", "scene_id": [str(first.id), ""],
                                      "duration": ["20", "15"]})
    assert response.status_code == 302
    playlist = db.session.scalar(db.select(Playlist))
    assert [(e.scene_id, e.duration) for e in playlist.entries] == [(first.id, 20)]
    client.post(f"/manage/playlists/{playlist.id}/edit",
                data={"name": "Loop 2", "scene_id": [str(first.id)], "duration": ["30"]})
    db.session.refresh(playlist)
    assert playlist.name == "Loop 2" and playlist.entries[0].duration == 30
    client.post(f"/manage/playlists/{playlist.id}/delete")
    client.post(f"/manage/scenes/{first.id}/delete")
    assert db.session.scalar(db.select(Scene)) is None


def test_playlist_form_marks_the_wrong_row_after_blank_ones(client, agenda, operator):
    congress = agenda[0]
    scene = service.create_scene(operator, congress, {"name": "A", "scene": {"type": "clock"}})
    url = f"/manage/{congress.id}/playlists/new"
    page = client.post(url, data={"name": "Loop",
                                  "scene_id": ["", str(scene.id), "²", str(scene.id)],
                                  "duration": ["15", "20", "15", "2"]})
    assert page.status_code == 422
    rows = page.get_data(as_text=True).split("<tbody>")[1].split("<tr>")[1:]
    # Blank rows dropped: the two kept entries come first, each with what was typed.
    assert 'value="20"' in rows[0] and 'class="error"' not in rows[0]
    assert 'value="2"' in rows[1] and 'class="error"' in rows[1]
    assert db.session.scalar(db.select(Playlist)) is None
