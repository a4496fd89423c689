"""The operator's control page works from the keyboard, and the public page follows it."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_overflow, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def next_button(page):
    return page.locator(".control-buttons button[formaction$='/control/next']")


def previous_button(page):
    return page.locator(".control-buttons button[formaction$='/control/previous']")


@pytest.mark.slow
def test_next_with_the_keyboard_moves_the_public_page(new_page, sign_in, live_server, congress):
    (first_id, first_title), (second_id, second_title) = congress.items[:2]
    public = new_page(viewport=PHONE)
    public.goto(f"/c/{congress.slug}")
    expect(public.locator("#live-status")).to_be_visible()
    public.evaluate("window.__notReloaded = true")

    operator = new_page(viewport=DESKTOP)
    sign_in(operator, live_server.users["operator"])
    operator.goto(f"/manage/{congress.id}/control")

    next_button(operator).focus()
    assert operator.evaluate("document.activeElement.getAttribute('formaction')").endswith(
        "/control/next")
    # The focused button shows a visible focus ring.
    assert next_button(operator).evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    with operator.expect_navigation():
        operator.keyboard.press("Enter")
    expect(operator.locator(".current-panel .title")).to_have_text(first_title)
    expect(operator.locator("li.current .item-title")).to_have_text(first_title)
    expect(public.locator(f'li[data-item-id="{first_id}"]')).to_have_class("current")
    expect(public.locator("#current-title")).to_have_text(first_title)

    # Tab order: from Previous, one Tab reaches Next; Space presses it as well as Enter does.
    previous_button(operator).focus()
    operator.keyboard.press("Tab")
    assert operator.evaluate("document.activeElement.getAttribute('formaction')").endswith(
        "/control/next")
    with operator.expect_navigation():
        operator.keyboard.press("Space")
    expect(operator.locator(".current-panel .title")).to_have_text(second_title)
    expect(public.locator(f'li[data-item-id="{second_id}"]')).to_have_class("current")
    expect(public.locator("#current-title")).to_have_text(second_title)
    assert public.evaluate("window.__notReloaded") is True

    screenshot(operator, "control-desktop")
    assert no_horizontal_overflow(operator) == []
    assert operator.console_errors == []
    assert public.console_errors == []


@pytest.mark.slow
def test_control_page_on_a_phone(new_page, sign_in, live_server, congress):
    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                    {"item_id": congress.items[5][0]})
    page = new_page(viewport=PHONE)
    sign_in(page, live_server.users["operator"])
    page.goto(f"/manage/{congress.id}/control")
    expect(page.locator(".current-panel .title")).to_have_text(congress.items[5][1])
    screenshot(page, "control-phone")
    assert no_horizontal_overflow(page) == []
    # The three big buttons are all visible without scrolling, side by side or wrapped.
    for button in page.locator(".control-buttons button").all():
        box = button.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"]
        assert box["height"] >= 44
    # "Start" on another item works with the keyboard too.
    start = page.locator(f"li:has-text('{congress.items[0][1]}') button")
    start.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".current-panel .title")).to_have_text(congress.items[0][1])
    assert page.console_errors == []


@pytest.mark.slow
def test_next_at_the_end_explains_itself(new_page, sign_in, live_server, congress):
    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                    {"item_id": congress.items[-1][0]})
    page = new_page(viewport=PHONE)
    sign_in(page, live_server.users["operator"])
    page.goto(f"/manage/{congress.id}/control")
    next_button(page).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page.locator(".current-panel .title")).to_have_text(congress.items[-1][1])
