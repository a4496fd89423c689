"""The public congress page follows the agenda live, on a phone and on a desktop."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_overflow, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def open_public_page(new_page, congress, viewport):
    page = new_page(viewport=viewport)
    page.goto(f"/c/{congress.slug}")
    # The script says so once the socket is connected; only then can pushes arrive.
    expect(page.locator("#live-status")).to_be_visible()
    expect(page.locator("#live-status")).to_have_text(
        page.locator("#live-status").get_attribute("data-online"))
    page.evaluate("window.__notReloaded = 'still here'")
    return page


def current(page):
    return page.locator("#live-agenda li.current")


@pytest.mark.slow
def test_phone_follows_the_current_item_without_reload(new_page, live_server, congress):
    page = open_public_page(new_page, congress, PHONE)
    (first_id, first_title), (second_id, second_title) = congress.items[:2]
    expect(page.locator("#current-panel")).to_be_hidden()
    expect(current(page)).to_have_count(0)

    status, state = live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/next")
    assert status == 200 and state["current_item_id"] == first_id
    expect(page.locator(f'li[data-item-id="{first_id}"]')).to_have_class("current")
    expect(page.locator("#current-panel")).to_be_visible()
    expect(page.locator("#current-title")).to_have_text(first_title)
    expect(page.locator(f'li[data-item-id="{first_id}"] .now')).to_be_visible()

    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/next")
    expect(page.locator(f'li[data-item-id="{second_id}"]')).to_have_class("current")
    expect(page.locator(f'li[data-item-id="{second_id}"]')).to_have_attribute(
        "aria-current", "step")
    expect(current(page)).to_have_count(1)
    expect(page.locator("#current-title")).to_have_text(second_title)
    assert page.evaluate("window.__notReloaded") == "still here"
    screenshot(page, "public-phone")
    assert no_horizontal_overflow(page) == []

    # Clearing the current item hides the panel again.
    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                    {"item_id": None})
    expect(page.locator("#current-panel")).to_be_hidden()
    expect(current(page)).to_have_count(0)
    assert page.evaluate("window.__notReloaded") == "still here"
    assert page.console_errors == []


@pytest.mark.slow
def test_a_new_item_appears_without_reload(new_page, live_server, congress):
    page = open_public_page(new_page, congress, PHONE)
    session_id = congress.sessions[1][0]
    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/next")
    expect(current(page)).to_have_count(1)

    status, item = live_server.api(
        "POST", f"/api/v1/sessions/{session_id}/items",
        {"title": "Biểu dương công đoàn cơ sở vững mạnh tiêu biểu", "presenter": "Ban Tổ chức",
         "duration_minutes": 15}, role="organizer")
    assert status == 201, item
    added = page.locator(f'li[data-item-id="{item["id"]}"]')
    expect(added).to_contain_text("Biểu dương công đoàn cơ sở vững mạnh tiêu biểu")
    expect(added).to_contain_text("Ban Tổ chức")
    # The refetched agenda keeps the current item marked and puts the new one in its session.
    expect(current(page)).to_have_count(1)
    expect(page.locator(f'section[data-session-id="{session_id}"] li').last).to_have_attribute(
        "data-item-id", str(item["id"]))
    assert page.evaluate("window.__notReloaded") == "still here"

    # Later current-item moves still arrive after the agenda part was replaced.
    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                    {"item_id": item["id"]})
    expect(added).to_have_class("current")
    expect(page.locator("#current-title")).to_have_text(
        "Biểu dương công đoàn cơ sở vững mạnh tiêu biểu")
    assert page.evaluate("window.__notReloaded") == "still here"

    # A deleted item goes away too.
    status, _ = live_server.api("DELETE", f"/api/v1/items/{item['id']}", role="organizer")
    assert status == 204
    expect(added).to_have_count(0)
    expect(page.locator("#current-panel")).to_be_hidden()
    assert page.evaluate("window.__notReloaded") == "still here"
    assert page.console_errors == []


@pytest.mark.slow
def test_desktop_public_page(new_page, live_server, congress):
    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                    {"item_id": congress.items[4][0]})
    page = open_public_page(new_page, congress, DESKTOP)
    expect(page.locator("#current-title")).to_have_text(congress.items[4][1])
    screenshot(page, "public-desktop")
    assert no_horizontal_overflow(page) == []
    assert page.console_errors == []


@pytest.mark.slow
def test_unpublishing_takes_the_page_away(new_page, live_server, congress):
    page = open_public_page(new_page, congress, PHONE)
    status, _ = live_server.api("PATCH", f"/api/v1/congresses/{congress.id}",
                                {"published": False}, role="organizer")
    assert status == 200
    # The page reloads itself and the public now gets "not found".
    expect(page.locator("#live-agenda")).to_have_count(0)
    expect(page.locator("h1")).not_to_have_text(congress.name)
    assert page.evaluate("window.__notReloaded") is None


@pytest.mark.slow
def test_a_slow_early_fragment_does_not_bring_back_an_older_agenda(new_page, live_server,
                                                                    congress):
    page = open_public_page(new_page, congress, PHONE)
    session_id = congress.sessions[0][0]
    held = []

    def hold_first(route):
        if not held:  # answered late, below
            held.append(route)
        else:
            route.continue_()

    page.route("**/agenda-fragment", hold_first)
    with page.expect_request("**/agenda-fragment") as fetching:  # the page heard the push
        _, first = live_server.api("POST", f"/api/v1/sessions/{session_id}/items",
                                   {"title": "Mục bổ sung thứ nhất"}, role="organizer")
    stale = page.request.get(fetching.value.url)  # what the server said at the time
    _, second = live_server.api("POST", f"/api/v1/sessions/{session_id}/items",
                                {"title": "Mục bổ sung thứ hai"}, role="organizer")
    expect(page.locator(f'li[data-item-id="{second["id"]}"]')).to_be_visible()

    section = page.locator("#live-agenda")
    answered = int(section.get_attribute("data-answered"))
    held[0].fulfill(response=stale)
    expect(section).to_have_attribute("data-answered", str(answered + 1))  # it came, late
    expect(page.locator(f'li[data-item-id="{first["id"]}"]')).to_be_visible()
    expect(page.locator(f'li[data-item-id="{second["id"]}"]')).to_be_visible()
    assert page.evaluate("window.__notReloaded") == "still here"


@pytest.mark.slow
def test_a_phone_that_missed_moves_catches_up_with_one_fetch(new_page, live_server, congress):
    """Back from a Wi-Fi drop, the greeting's revision shows what the page missed: it fetches the
    agenda once. Back with nothing missed, it fetches nothing."""
    page = open_public_page(new_page, congress, PHONE)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url)
            if "agenda-fragment" in request.url else None)
    status = page.locator("#live-status")

    page.evaluate("window.liveSocket.disconnect()")
    expect(status).to_have_text(status.get_attribute("data-offline"))
    # Changes the phone does not hear: two moves and a new item.
    for _ in range(2):
        live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/next")
    _, added = live_server.api("POST", f"/api/v1/sessions/{congress.sessions[1][0]}/items",
                               {"title": "Thông qua Nghị quyết Đại hội"}, role="organizer")
    page.evaluate("window.liveSocket.connect()")
    second_id, second_title = congress.items[1]
    expect(page.locator(f'li[data-item-id="{added["id"]}"]')).to_be_visible()
    expect(page.locator(f'li[data-item-id="{second_id}"]')).to_have_class("current")
    expect(page.locator("#current-title")).to_have_text(second_title)
    assert len(fetched) == 1

    page.evaluate("window.liveSocket.disconnect()")
    expect(status).to_have_text(status.get_attribute("data-offline"))
    page.evaluate("window.liveSocket.connect()")
    expect(status).to_have_text(status.get_attribute("data-online"))
    page.wait_for_timeout(500)  # time for a fetch it should not make
    assert len(fetched) == 1
    assert page.evaluate("window.__notReloaded") == "still here"
