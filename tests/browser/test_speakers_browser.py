"""The chair calls and starts a speaker from the keyboard on the console; the hall screen's
kiosk shows the speaker and the timer running down, then paused."""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import no_horizontal_overflow, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect
HALL = {"width": 1920, "height": 1080}
DESK = {"width": 1366, "height": 768}


@pytest.mark.slow
def test_the_chair_starts_the_timer_and_the_kiosk_shows_it(new_page, sign_in, live_server,
                                                           congress):
    item_id, _title = congress.items[2]
    assert live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                           {"item_id": item_id})[0] == 200
    status, _speaker = live_server.api("POST", f"/api/v1/items/{item_id}/speakers", {
        "name": "Nguyễn Thị Lan", "unit": "Công đoàn ngành Y tế",
        "title": "Chăm lo đời sống đoàn viên ngành Y tế", "duration": 120})
    assert status == 201
    status, screen = live_server.api("POST", f"/api/v1/congresses/{congress.id}/screens", {
        "name": "Màn hình hội trường", "width": 1920, "height": 1080})
    assert status == 201
    assert live_server.api("POST", f"/api/v1/screens/{screen['id']}/take",
                           {"scene": {"type": "speakers"}})[0] == 200

    kiosk = new_page(viewport=HALL)
    kiosk.goto(urlsplit(screen["kiosk_url"]).path)
    shown = kiosk.locator(".layer:not(.preparing)")
    expect(shown.locator(".speakers-next .speaker-name")).to_have_text("Nguyễn Thị Lan")

    chair = new_page(viewport=DESK)
    sign_in(chair, live_server.users["operator"])
    chair.goto(f"/manage/{congress.id}/speakers")
    expect(chair.locator("#speakers-console")).to_have_attribute("data-online", "1")
    chair.locator("button[data-focus-key=next]").focus()
    chair.keyboard.press("Enter")  # sent with fetch: the page stays, the list comes again
    start = chair.locator(".speakers-now button[formaction$='/start']")
    expect(start).to_be_visible()
    expect(shown.locator(".speaker-who .speaker-name")).to_have_text("Nguyễn Thị Lan")
    start.focus()
    chair.keyboard.press("Enter")
    pause = chair.locator(".speakers-now button[formaction$='/pause']")
    expect(pause).to_be_focused()  # the keyboard stays where it was, on the same control

    timer = shown.locator(".speaker-timer")
    expect(timer).to_have_text(re.compile(r"^0[12]:\d\d$"))
    before = timer.text_content()
    expect(timer).not_to_have_text(before, timeout=3000)  # it runs, from the server's time
    expect(chair.locator(".speakers-timer")).to_have_text(re.compile(r"^0[12]:\d\d$"))
    screenshot(kiosk, "speakers-kiosk-1920")
    screenshot(chair, "speakers-console-desk")
    assert no_horizontal_overflow(chair) == []

    pause.press("Enter")
    expect(shown.locator(".speaker-paused")).to_be_visible()
    paused = timer.text_content()
    kiosk.wait_for_timeout(1500)
    assert timer.text_content() == paused
    assert kiosk.console_errors == [] and chair.console_errors == []


PHONE = {"width": 390, "height": 844}


@pytest.mark.slow
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_the_secretariat_finds_a_delegate_as_it_types_and_adds_them_from_the_floor(
        new_page, sign_in, live_server, congress, viewport):
    """A slip from the floor: the secretary types the name without its marks, the delegate
    shows at once, one button puts them at the end of the list with their unit."""
    for code, name in (("DB0101", "Hoàng Thị Thu Hương"), ("DB0102", "Hoàng Văn Thụ")):
        status, _delegate = live_server.api(
            "POST", f"/api/v1/congresses/{congress.id}/delegates",
            {"code": code, "full_name": name, "unit": "Công đoàn Bệnh viện Trung ương Huế"},
            role="organizer")
        assert status == 201
    item_id, _title = congress.items[2]
    chair = new_page(viewport=viewport)
    sign_in(chair, live_server.users["operator"])
    chair.goto(f"/manage/{congress.id}/speakers?item={item_id}")
    expect(chair.locator("#speakers-console")).to_have_attribute("data-online", "1")
    chair.locator("#f-q").press_sequentially("hoang thu huong", delay=20)
    found = chair.locator("#delegates-found li")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Hoàng Thị Thu Hương")
    found.get_by_role("button", name="Hoàng Thị Thu Hương: phát biểu tại hội trường").click()
    listed = chair.locator("#speakers-console")
    expect(listed).to_contain_text("Hoàng Thị Thu Hương")
    expect(listed).to_contain_text("Công đoàn Bệnh viện Trung ương Huế")
    expect(listed).to_contain_text("Phát biểu tại hội trường")
    expect(found).to_contain_text("đã có trong danh sách")  # the result says so: no second click
    expect(found.get_by_role("button")).to_have_count(0)
    expect(chair.locator("#f-q")).to_be_focused()  # ready for the next slip
    assert "/manage/" in chair.url and "q=" not in chair.url  # sent with fetch: no reload
    screenshot(chair, f"speakers-find-delegate-{viewport['width']}")
    assert no_horizontal_overflow(chair) == []
    assert chair.console_errors == []
