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
