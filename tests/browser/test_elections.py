"""Elections in Chromium: a clerk enters a ballot on a phone (the numbers typed, the answer at
once), and the LED wall (3840x1080, a real kiosk page) shows the result only once the head of
the counting committee publishes it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from conference.actors import SYSTEM
from conference.auth.models import Membership, User
from conference.auth.service import Actor, create_api_token
from conference.congresses.models import Congress
from conference.elections import service
from conference.elections.pdf import serial_shown
from conference.extensions import db
from conference.qr import qr_png_bytes
from tests.browser.conftest import CHROMIUM, FRAME, LAUNCH_ARGS, PHONE, screenshot, y4m_clip
from tests.conftest import PASSWORD_HASH

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect
pytestmark = pytest.mark.slow
WALL = {"width": 3840, "height": 1080}
NAMES = ["Nguyễn Thị Thu Hằng", "Trần Văn Dũng", "Lê Quang Huy", "Phạm Thị Ngọc Ánh",
         "Hoàng Minh Tuấn", "Võ Thị Quỳnh", "Đặng Văn Lộc", "Bùi Thị Thanh Hương",
         "Đỗ Mạnh Cường", "Hồ Sỹ Ước", "Ngô Thị Yến", "Dương Đình Khải", "Phan Thị Lệ Thủy",
         "Lý Văn Sơn", "Trịnh Thị Mỹ Duyên"]


def _counting(live_server, congress_id: int) -> dict:
    """An election of 15 for 11 seats, three ballots issued, two counted; a clerk and a head."""
    with live_server.app.app_context():
        congress = db.session.get(Congress, congress_id)
        election = service.create_election(SYSTEM, congress, {
            "title": "Bầu Ban Chấp hành Công đoàn Viên chức tỉnh khóa XV", "seats": 11,
            "candidates": NAMES})
        serials = service.batch_serials(service.issue_ballots(SYSTEM, election, {"count": 3}))
        users = {}
        for name, role in (("thu.ky", "counting"), ("truong.ban", "counting_head")):
            user = User(username=f"{name}.{congress_id}", password_hash=PASSWORD_HASH)
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(user=user, congress_id=congress_id, role=role))
            users[role] = user
        db.session.commit()
        crossed = [candidate.id for candidate in election.candidates[:4]]
        for serial in serials[:2]:
            for user in users.values():
                service.record_entry(Actor(user), election, {"serial": serial,
                                                             "crossed": crossed})
        world = {"id": election.id, "serials": serials, "clerk": users["counting"].username,
                 "head_token": create_api_token(None, users["counting_head"], "wall")[1]}
        db.session.remove()
    return world


def test_a_clerk_enters_on_a_phone_and_the_wall_waits_for_publication(
        live_server, congress, new_page, sign_in, chromium):
    election = _counting(live_server, congress.id)
    phone = new_page(PHONE)
    sign_in(phone, election["clerk"])
    phone.goto(f"/manage/{congress.id}/")
    phone.click(f"a[href='/manage/{congress.id}/elections']")
    phone.click(f"a[href='/manage/elections/{election['id']}/count']")
    # The page's script is what turns Enter into "go to the numbers" (without it Enter sends
    # the form): a busy machine may still be running it when the page first shows.
    phone.wait_for_load_state("load")
    phone.fill("#f-serial", election["serials"][2].lower())
    phone.press("#f-serial", "Enter")
    expect(phone.locator("#f-numbers")).to_be_focused()
    phone.keyboard.type("1 2 3")
    expect(phone.locator(".crossed-name.is-crossed")).to_have_count(3)
    assert "12" in phone.inner_text("#kept-note")  # 12 of 11 kept: too many
    phone.press("#f-numbers", "Enter")
    phone.wait_for_selector("#entry-result.flash-error")
    assert serial_shown(election["serials"][2]) in phone.inner_text("#entry-result")
    assert phone.input_value("#f-serial") == ""
    screenshot(phone, "elections-count-phone")
    assert not phone.console_errors, phone.console_errors

    status, screen = live_server.api("POST", f"/api/v1/congresses/{congress.id}/screens",
                                     {"name": "Màn hình LED", "width": 3840, "height": 1080})
    assert status == 201, screen
    status, body = live_server.api("POST", f"/api/v1/screens/{screen['id']}/take",
                                   {"scene": {"type": "election"}})
    assert status == 200, body
    context = chromium.new_context(viewport=WALL, locale="vi-VN")
    context.set_default_timeout(10_000)
    wall = context.new_page()
    errors = []
    wall.on("pageerror", lambda error: errors.append(str(error)))
    wall.goto(screen["kiosk_url"])
    wall.wait_for_selector(".scene-body.election")
    assert wall.locator(".election-list").count() == 0  # nothing published: nothing shown
    # Published only once the third ballot is entered twice, by the head this time.
    live_server.tokens["head"] = election["head_token"]
    status, body = live_server.api("POST", f"/api/v1/elections/{election['id']}/publish",
                                   role="head")
    assert status == 409 and body["error"]["code"] == "entries_pending"
    assert wall.locator(".election-list").count() == 0
    ids = [candidate["id"] for candidate in body_candidates(live_server, election)]
    status, body = live_server.api("POST", f"/api/v1/elections/{election['id']}/entries",
                                   {"serial": election["serials"][2], "crossed": ids[:3]},
                                   role="head")
    assert status == 201 and body["state"] == "counted", body
    status, body = live_server.api("POST", f"/api/v1/elections/{election['id']}/publish",
                                   role="head")
    assert status == 200, body
    wall.wait_for_selector(".election-list li.elected")
    assert wall.locator(".election-list li").count() == 15
    assert "Bầu Ban Chấp hành" in wall.inner_text(".election-title")
    # Every name is inside the wall: nothing cut off at the right or the bottom.
    outside = wall.evaluate("""() => [...document.querySelectorAll('.election-list li')]
        .filter(li => { const r = li.getBoundingClientRect();
                        return r.right > innerWidth + 1 || r.bottom > innerHeight + 1; })
        .map(li => li.textContent)""")
    assert not outside, outside
    screenshot(wall, "elections-wall-3840x1080")
    assert not errors, errors
    context.close()


def body_candidates(live_server, election) -> list[dict]:
    status, body = live_server.api("GET", f"/api/v1/elections/{election['id']}", role="head")
    assert status == 200, body
    return body["candidates"]


def ballot_png(serial: str) -> bytes:
    """The corner of a printed ballot: its serial's QR code as the ballot PDF draws it."""
    card = Image.new("RGB", FRAME, "white")
    code = Image.open(io.BytesIO(qr_png_bytes(serial))).convert("RGB")
    code = code.resize((code.width * 3, code.height * 3), Image.NEAREST)
    card.paste(code, ((FRAME[0] - code.width) // 2, (FRAME[1] - code.height) // 2))
    out = io.BytesIO()
    card.save(out, "PNG")
    return out.getvalue()


def test_a_clerk_films_the_ballots_code_and_the_serial_is_filled(
        live_server, congress, chromium, sign_in, tmp_path):
    """The counting page's camera (qr-camera.js, shared with the gates' scanner) reads the
    serial off a held ballot, once, and hands over to the names."""
    election = _counting(live_server, congress.id)
    serial = election["serials"][2]
    clip = y4m_clip(ballot_png(serial), tmp_path / "ballot.y4m")
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*LAUNCH_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}"])
    try:
        phone = browser.new_context(viewport=PHONE, base_url=live_server.url,
                                    locale="vi-VN").new_page()
        phone.set_default_timeout(15_000)
        sign_in(phone, election["clerk"])
        phone.goto(f"/manage/elections/{election['id']}/count")
        phone.click("#camera-toggle")
        # The film shows the code from its first frame: the video may be shown and hidden
        # again between two looks, so the test reads what stays.
        expect(phone.locator("#f-serial")).to_have_value(serial, timeout=15_000)
        expect(phone.locator("#camera-video")).to_be_hidden()  # read: it stops
        expect(phone.locator("#f-numbers")).to_be_focused()
    finally:
        browser.close()
