"""Every text-like field looks the same, whatever its input type (an address, a date, a file)."""

import pytest

from tests.browser.conftest import DESKTOP

pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright")

LOOK = ["borderTopWidth", "borderTopStyle", "paddingLeft", "borderTopLeftRadius", "maxWidth",
        "backgroundColor"]


def looks(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "(fields, keys) => fields.map(f => { const s = getComputedStyle(f);"
        " return Object.fromEntries(keys.map(k => [k, s[k]])); })", LOOK)


@pytest.mark.slow
def test_address_fields_look_like_the_other_fields(new_page, sign_in, live_server, congress):
    page = new_page(viewport=DESKTOP)
    sign_in(page, live_server.users["organizer"])
    page.goto(f"/manage/{congress.id}/streams/new")
    text_look = looks(page, "form input[type=text]")[0]
    addresses = looks(page, "form input[type=url]")
    assert len(addresses) == 2  # the livestream and its replay
    assert all(look == text_look for look in addresses), (text_look, addresses)
    assert text_look["borderTopStyle"] == "solid" and text_look["paddingLeft"] == "8px"


@pytest.mark.slow
def test_drop_down_lists_look_like_the_text_fields(new_page, sign_in, live_server, congress):
    """Chromium paints a select grey by default: next to white text fields it looks disabled."""
    page = new_page(viewport=DESKTOP)
    sign_in(page, live_server.users["organizer"])
    page.goto(f"/manage/{congress.id}/delegates/new")
    text_look = looks(page, "form input[type=text]")[0]
    lists = looks(page, "form select")
    assert lists and all(look == text_look for look in lists), (text_look, lists)


@pytest.mark.slow
def test_a_hidden_button_takes_no_room(new_page, sign_in, live_server, congress):
    """The console's hidden default button showed as an empty red square above the preview."""
    page = new_page(viewport=DESKTOP)
    sign_in(page, live_server.users["organizer"])
    page.goto(f"/manage/{congress.id}/screens")
    # The live line unhides itself on connecting: wait for that, then read in one script so no
    # element changes between being found and being measured.
    page.wait_for_selector("#screens-live-status:not([hidden])")
    shown = page.evaluate("() => [...document.querySelectorAll('[hidden]')]"
                          ".map(e => getComputedStyle(e).display)")
    assert shown and all(display == "none" for display in shown), shown
