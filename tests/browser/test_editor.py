"""The agenda editor: drag and drop, and the Up/Down buttons that work without JavaScript."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_overflow, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

# Tall enough that both ends of each drag are on screen (a drag that scrolls is flaky).
TALL = {"width": DESKTOP["width"], "height": 1400}


def order(page, session_id: int) -> list[int]:
    """The item ids of a session as the editor shows them."""
    return [int(i) for i in page.locator(
        f'#agenda-editor ol[data-session-id="{session_id}"] > li[data-item-id]'
    ).evaluate_all("items => items.map(li => li.dataset.itemId)")]


def ids(items) -> list[int]:
    return [item_id for item_id, _title in items]


def open_editor(page, congress):
    page.goto(f"/manage/{congress.id}/agenda")
    expect(page.locator("h1")).to_be_visible()


def drag(page, item_id: int, onto_item_id: int) -> None:
    """Drag an item onto the upper edge of another, which puts it just before that one."""
    with page.expect_response(lambda r: r.url.endswith(f"/manage/{page.congress_id}"
                                                       "/agenda/arrange")) as saved:
        page.locator(f"#item-{item_id}").drag_to(
            page.locator(f"#item-{onto_item_id}"), target_position={"x": 40, "y": 4})
    assert saved.value.status == 200, saved.value.text()


@pytest.mark.slow
def test_drag_and_drop_reorders_and_persists(new_page, sign_in, live_server, congress):
    page = new_page(viewport=TALL)
    page.congress_id = congress.id
    sign_in(page, live_server.users["organizer"])
    open_editor(page, congress)
    (first_sid, _t, first), (second_sid, _t2, second) = congress.sessions[:2]
    assert order(page, first_sid) == ids(first)

    # Within a session: the third item goes first.
    drag(page, first[2][0], first[0][0])
    expected_first = [first[2][0], first[0][0], first[1][0], first[3][0]]
    assert order(page, first_sid) == expected_first
    page.reload()
    assert order(page, first_sid) == expected_first

    # Across sessions: the first item of the second session goes before the last of the first.
    drag(page, second[0][0], first[3][0])
    expected_first = [first[2][0], first[0][0], first[1][0], second[0][0], first[3][0]]
    page.reload()
    assert order(page, first_sid) == expected_first
    assert order(page, second_sid) == ids(second[1:])
    screenshot(page, "editor-desktop")
    assert no_horizontal_overflow(page) == []

    # The public page shows the new order too.
    public = new_page(viewport=PHONE)
    public.goto(f"/c/{congress.slug}")
    shown = public.locator(f'section[data-session-id="{first_sid}"] li[data-item-id]'
                           ).evaluate_all("items => items.map(li => Number(li.dataset.itemId))")
    assert shown == expected_first
    assert page.console_errors == []
    assert public.console_errors == []


@pytest.mark.slow
def test_editor_on_a_phone(new_page, sign_in, live_server, congress):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server.users["organizer"])
    open_editor(page, congress)
    screenshot(page, "editor-phone")
    assert no_horizontal_overflow(page) == []
    # Every button is big enough to hit with a thumb.
    small = page.locator("#agenda-editor button, #agenda-editor .button").evaluate_all(
        """els => els.filter(el => { const b = el.getBoundingClientRect();
                                   return b.height < 32 || b.width < 32; })
                    .map(el => el.textContent.trim())""")
    assert small == []


@pytest.mark.slow
def test_up_and_down_buttons_without_javascript(new_page, sign_in, live_server, congress):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    sign_in(page, live_server.users["organizer"])
    open_editor(page, congress)
    (first_sid, _t, first), (second_sid, _t2, second) = congress.sessions[:2]

    down = page.locator(f"#item-{first[0][0]} button[value=down]")
    # Screen readers hear which item a button moves, not just "Down" again and again.
    assert first[0][1] in down.get_attribute("aria-label")
    with page.expect_navigation():
        down.click()
    assert order(page, first_sid) == [first[1][0], first[0][0], *ids(first[2:])]
    assert page.url.endswith(f"#item-{first[0][0]}")

    with page.expect_navigation():
        page.locator(f"#item-{first[0][0]} button[value=up]").click()
    assert order(page, first_sid) == ids(first)

    # Down from the last item of a session moves it to the top of the next one.
    with page.expect_navigation():
        page.locator(f"#item-{first[-1][0]} button[value=down]").click()
    assert order(page, first_sid) == ids(first[:-1])
    assert order(page, second_sid) == [first[-1][0], *ids(second)]
    page.reload()
    assert order(page, second_sid) == [first[-1][0], *ids(second)]
    screenshot(page, "editor-phone-nojs")
    assert page.console_errors == []


@pytest.mark.slow
def test_drag_into_an_empty_session_and_back_in_place(new_page, sign_in, live_server, congress):
    status, empty = live_server.api(
        "POST", f"/api/v1/congresses/{congress.id}/sessions",
        {"title": "Phiên bổ sung", "kind": "other", "starts_at": "2023-09-27T08:00",
         "ends_at": "2023-09-27T09:00"}, role="organizer")
    assert status == 201, empty
    page = new_page(viewport=TALL)
    page.congress_id = congress.id
    sign_in(page, live_server.users["organizer"])
    open_editor(page, congress)
    arranges = []
    page.on("request", lambda r: "/agenda/arrange" in r.url and arranges.append(r))

    # Dropped where it was: nothing to save (the next drag's request is the first one).
    first_sid, _title, first = congress.sessions[0]
    page.locator(f"#item-{first[1][0]}").drag_to(page.locator(f"#item-{first[1][0]}"))
    assert order(page, first_sid) == ids(first)

    target = page.locator(f'#agenda-editor ol[data-session-id="{empty["id"]}"]')
    assert target.bounding_box()["height"] >= 32  # room to drop into
    with page.expect_response(lambda r: r.url.endswith("/agenda/arrange")) as saved:
        page.locator(f"#item-{first[0][0]}").drag_to(target)
    assert saved.value.status == 200
    assert arranges == [saved.value.request]
    page.reload()
    assert order(page, empty["id"]) == [first[0][0]]
    assert order(page, first_sid) == ids(first[1:])
