"""Issue 11, items 13, 14 and 18 in a browser: on a phone a live stream comes before the agenda
(and first among the streams), a newspaper is named by its address, the portal's check-in line
follows a check-in live, and the dashboard names the check-in rule. Screenshots of the public
page, the portal and the dashboard at 390x844 and 1366x768 in both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conference.agenda.models import CongressSession
from conference.badges.identity import badge_token
from conference.checkin.models import CheckIn
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.extensions import db
from tests.browser.conftest import PHONE, no_horizontal_overflow, screenshot

pytestmark = pytest.mark.slow

DESK = {"width": 1366, "height": 768}


def _top(page, selector: str) -> float:
    return page.locator(selector).bounding_box()["y"]


@pytest.fixture
def hall(live_server, congress):
    """The congress with its first session under way, one delegate checked in for the congress
    the evening before and one not checked in yet; returns their badge tokens."""
    with live_server.app.app_context():
        row = db.session.get(Congress, congress.id)
        first_session_id, _title, first_items = congress.sessions[0]
        row.current_item_id = first_items[0][0]
        tokens = []
        for code, name in (("DB0401", "Nguyễn Thị Lan Hương"), ("DB0402", "Phan Văn Đức")):
            delegate = Delegate(**new_delegate_values(row, DelegateInput(
                code=code, full_name=name, delegation="Đoàn Hương Thủy")))
            db.session.add(delegate)
            db.session.flush()
            tokens.append(badge_token(delegate))
        early = db.session.scalar(db.select(Delegate).where(Delegate.code == "DB0401",
                                                           Delegate.congress_id == row.id))
        starts = db.session.get(CongressSession, first_session_id).starts_at
        db.session.add(CheckIn(congress_id=row.id, delegate_id=early.id, scope="congress",
                               checked_in_at=starts - timedelta(hours=14)))
        db.session.commit()
        db.session.remove()
    return tokens


def _streams(live_server, congress) -> dict:
    made = {}
    for key, body in (("youtube", {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                                   "title": "Kênh YouTube Công đoàn tỉnh"}),
                      ("newspaper", {"url": "https://baohatinh.vn/truyen-hinh/dai-hoi.html"})):
        status, stream = live_server.api("POST", f"/api/v1/congresses/{congress.id}/streams",
                                         body, role="organizer")
        assert status == 201, stream
        made[key] = stream["id"]
    return made


def test_a_live_stream_comes_first_on_a_phone(live_server, congress, hall, new_page):
    streams = _streams(live_server, congress)
    phone = new_page(viewport=PHONE)
    phone.goto(f"/c/{congress.slug}")
    expect(phone.locator("#live-status")).to_be_visible()
    assert _top(phone, "#live-agenda") < _top(phone, "#live-streams")
    newspaper = phone.locator(f'[data-stream-id="{streams["newspaper"]}"]')
    expect(newspaper.locator("h3")).to_have_text("Báo Hà Tĩnh")
    assert "Trang web khác" not in phone.locator("#live-streams").inner_text()

    assert live_server.api("PATCH", f"/api/v1/streams/{streams['newspaper']}",
                           {"status": "live"}, role="operator")[0] == 200
    expect(phone.locator("#live-streams article").first).to_have_attribute(
        "data-stream-id", str(streams["newspaper"]))
    expect(newspaper.locator(".stream-status")).to_have_class("badge stream-status is-live")
    assert _top(phone, "#live-streams") < _top(phone, "#live-agenda")
    assert no_horizontal_overflow(phone) == []

    desk = new_page(viewport=DESK)
    desk.goto(f"/c/{congress.slug}")
    expect(desk.locator("#live-streams article").first).to_have_attribute(
        "data-stream-id", str(streams["newspaper"]))
    assert _top(desk, "#live-agenda") < _top(desk, "#live-streams")  # the desk keeps its order
    for page, size in ((phone, "phone"), (desk, "desk")):
        screenshot(page, f"public-{size}-vi")
        page.goto(f"/lang/en?next=/c/{congress.slug}")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        screenshot(page, f"public-{size}-en")
        assert page.console_errors == []


def test_the_portal_follows_a_check_in_live(live_server, congress, hall, new_page):
    early_token, late_token = hall
    _streams(live_server, congress)
    early = new_page(viewport=PHONE)
    early.goto(f"/b/{early_token}")
    expect(early.locator("#presence")).to_contain_text("Bạn đã điểm danh")
    expect(early.locator("#presence")).to_have_class("presence presence-in")

    late = new_page(viewport=PHONE)
    late.goto(f"/b/{late_token}")
    expect(late.locator("#live-status")).to_have_text(
        late.locator("#live-status").get_attribute("data-online"))
    expect(late.locator("#presence")).to_have_class("presence presence-out")
    late.evaluate("window.__notReloaded = 'still here'")
    status, answer = live_server.api("POST", f"/api/v1/congresses/{congress.id}/checkins",
                                     {"scan": late_token, "gate": "Cổng A"}, role="organizer")
    assert status == 201, answer
    expect(late.locator("#presence")).to_have_class("presence presence-in")
    assert late.evaluate("window.__notReloaded") == "still here"
    assert no_horizontal_overflow(late) == []

    desk = new_page(viewport=DESK)
    desk.goto(f"/b/{early_token}")
    for page, size in ((early, "phone"), (desk, "desk")):
        expect(page.locator("#presence")).to_be_visible()
        screenshot(page, f"portal-{size}-vi")
        page.goto(f"/lang/en?next=/b/{early_token}")
        expect(page.locator("#presence")).to_contain_text("You are checked in")
        screenshot(page, f"portal-{size}-en")
        assert page.console_errors == []


def test_the_dashboard_names_the_rule_and_both_numbers(live_server, congress, hall, new_page,
                                                       sign_in):
    for viewport, size in ((PHONE, "phone"), (DESK, "desk")):
        page = new_page(viewport=viewport)
        sign_in(page, live_server.users["organizer"])
        page.goto(f"/manage/{congress.id}/attendance")
        expect(page.locator("#checkin-rule")).to_be_visible()
        expect(page.locator('[data-stat="official-present"]')).to_have_text("1")
        expect(page.locator('[data-stat="official-congress"]')).to_have_text("1")
        assert no_horizontal_overflow(page) == []
        screenshot(page, f"attendance-{size}-vi")
        page.goto(f"/lang/en?next=/manage/{congress.id}/attendance")
        expect(page.locator("#checkin-rule")).to_contain_text("A check-in counts")
        screenshot(page, f"attendance-{size}-en")
        assert page.console_errors == []
