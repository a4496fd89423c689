"""Livestreams on the public page: added, flipped live, ended with a replay, all without reload;
a player loads only when asked."""

import pytest

from tests.browser.conftest import PHONE, no_horizontal_overflow, screenshot
from tests.browser.test_public_live import open_public_page

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.mark.slow
def test_streams_follow_their_status_without_reload(new_page, live_server, congress):
    page = open_public_page(new_page, congress, PHONE)
    page.route("https://www.youtube-nocookie.com/**", lambda route: route.fulfill(
        body="<!doctype html><p>player</p>", content_type="text/html"))
    section = page.locator("#live-streams")
    expect(section).to_contain_text("Chưa có buổi phát trực tiếp nào.")

    status, stream = live_server.api("POST", f"/api/v1/congresses/{congress.id}/streams",
                                     {"url": YOUTUBE, "title": "Phiên khai mạc",
                                      "scheduled_start": "2023-09-28T07:30"},
                                     role="organizer")
    assert status == 201, stream
    row = page.locator(f'[data-stream-id="{stream["id"]}"]')
    expect(row).to_contain_text("Phiên khai mạc")  # the list was fetched again
    badge = row.locator(".stream-status")
    expect(badge).to_have_text("Sắp phát · Thứ Năm, ngày 28/09/2023, 07:30")

    path = f"/api/v1/streams/{stream['id']}"
    assert live_server.api("PATCH", path, {"status": "live"})[0] == 200
    expect(badge).to_have_text("Đang phát trực tiếp")
    expect(badge).to_have_class("badge stream-status is-live")
    expect(row.locator(".stream-replay")).to_be_hidden()

    # The player loads only on a click (the venue's Wi-Fi is shared).
    expect(row.locator("iframe")).to_have_count(0)
    row.locator(".stream-play").click()
    expect(row.locator("iframe")).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")

    replay = "https://www.youtube.com/watch?v=aaaaaaaaaaa"
    assert live_server.api("PATCH", path, {"status": "ended", "replay_url": replay})[0] == 200
    expect(badge).to_have_text("Xem lại")
    expect(row.locator(".stream-replay")).to_be_visible()
    expect(row.locator(".stream-replay")).to_have_attribute("href", replay)
    assert page.evaluate("window.__notReloaded") == "still here"
    screenshot(page, "streams-phone")
    assert no_horizontal_overflow(page) == []
    assert page.console_errors == []
