"""Elections in Chromium: a clerk enters a ballot on a phone (the numbers typed, the answer at
once), and the LED wall (3840x1080, a real kiosk page) shows the result only once the head of
the counting committee publishes it."""

from __future__ import annotations

import pytest

from conference.actors import SYSTEM
from conference.auth.models import Membership, User
from conference.auth.service import Actor, create_api_token
from conference.congresses.models import Congress
from conference.elections import service
from conference.elections.pdf import serial_shown
from conference.extensions import db
from tests.browser.conftest import PHONE, screenshot
from tests.conftest import PASSWORD_HASH

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
    phone.fill("#f-serial", election["serials"][2].lower())
    phone.press("#f-serial", "Enter")
    phone.keyboard.type("1 2 3")
    assert phone.locator(".crossed-name.is-crossed").count() == 3
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
