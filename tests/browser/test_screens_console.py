"""The screens console as an operator uses it: on a desk, a tablet and a phone, no tap target
under 24 px; a scene picked into preview is drawn there, taken onto one screen, and the other
screen keeps what it showed; an action on every screen asks first."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, no_horizontal_overflow, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect
pytestmark = pytest.mark.slow

DESK = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}
TABLET_WIDE = {"width": 1024, "height": 768}
MIN_TARGET = 24  # px, WCAG 2.2 target size (minimum)


def small_tap_targets(page) -> list[str]:
    """Links, buttons and fields drawn smaller than 24 px either way; a checkbox or radio
    button inside a label is tapped through its label, so the label is measured."""
    return page.evaluate("""(least) => {
        const small = [], seen = new Set();
        const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
        for (const el of document.querySelectorAll(targets)) {
            const choice = el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type);
            const target = choice && el.closest('label') ? el.closest('label') : el;
            if (seen.has(target)) { continue; }
            seen.add(target);
            const box = target.getBoundingClientRect();
            if (!box.width && !box.height) { continue; }  // not drawn (hidden)
            if (box.width < least || box.height < least) {
                small.push(target.tagName.toLowerCase() + ' "' + target.textContent.trim()
                           .slice(0, 30) + '" ' + Math.round(box.width) + 'x'
                           + Math.round(box.height));
            }
        }
        return small;
    }""", MIN_TARGET)


@pytest.fixture
def hall(live_server, congress):
    """Two screens of the congress, both showing the scene "Chào mừng", and two more scenes."""
    ids = {}
    for name, width, height, group in (("Màn hình LED ngoài trời", 3840, 1080, "ngoài trời"),
                                       ("Màn hình hội trường", 1920, 1080, "")):
        status, body = live_server.api("POST", f"/api/v1/congresses/{congress.id}/screens",
                                       {"name": name, "width": width, "height": height,
                                        "group_name": group})
        assert status == 201, body
        ids[name] = body["id"]
    scenes = {}
    for name, scene in (
            ("Chào mừng", {"type": "announcement", "title": "Chào mừng Đại hội",
                           "body": "Kính chào các đồng chí đại biểu"}),
            ("Giải lao 15 phút", {"type": "announcement", "title": "GIẢI LAO 15 PHÚT",
                                  "body": "Mời các đại biểu trở lại hội trường lúc 10:15"}),
            ("Đồng hồ", {"type": "clock", "label": "Giờ Hà Nội"})):
        status, body = live_server.api("POST", f"/api/v1/congresses/{congress.id}/scenes",
                                       {"name": name, "scene": scene})
        assert status == 201, body
        scenes[name] = body["id"]
    status, body = live_server.api("POST", f"/api/v1/congresses/{congress.id}/screens/take",
                                   {"scene_id": scenes["Chào mừng"]})
    assert status == 200, body
    return {"screens": ids, "scenes": scenes, "wall": ids["Màn hình LED ngoài trời"],
            "room": ids["Màn hình hội trường"]}


def state(live_server, screen_id: int) -> dict:
    status, body = live_server.api("GET", f"/api/v1/screens/{screen_id}/state")
    assert status == 200, body
    return body


def open_console(new_page, sign_in, live_server, congress, viewport, language="vi"):
    page = new_page(viewport=viewport)
    sign_in(page, live_server.users["operator"])
    page.goto(f"/lang/{language}?next=/manage/{congress.id}/screens")
    page.wait_for_selector("#screens-live-status:not([hidden])")
    return page


def test_pick_preview_take_on_one_screen(new_page, sign_in, live_server, congress, hall):
    page = open_console(new_page, sign_in, live_server, congress, DESK)
    wall, room = page.locator(f"#screen-{hall['wall']}"), page.locator(f"#screen-{hall['room']}")
    expect(wall.locator('[data-field="program"]')).to_have_text("Chào mừng")
    expect(wall.locator(".screen-preview")).to_contain_text("Chào mừng Đại hội")
    # Several screens: none is ticked until the operator chooses.
    expect(page.locator('input[name="target"]:checked')).to_have_count(0)
    assert small_tap_targets(page) == []

    page.locator(".scene-pick", has_text="Giải lao 15 phút").click()
    expect(page.locator("#scene-preview-box")).to_contain_text("GIẢI LAO 15 PHÚT")
    expect(page.locator("#preview-name")).to_have_text("Giải lao 15 phút")
    room.click()
    expect(room.locator('input[name="target"]')).to_be_checked()
    with page.expect_navigation():
        page.locator("button.take").click()

    assert state(live_server, hall["room"])["scene"]["title"] == "GIẢI LAO 15 PHÚT"
    assert state(live_server, hall["wall"])["scene"]["title"] == "Chào mừng Đại hội"
    expect(room.locator('[data-field="program"]')).to_have_text("Giải lao 15 phút")
    expect(wall.locator('[data-field="program"]')).to_have_text("Chào mừng")
    expect(room.locator(".screen-preview")).to_contain_text("GIẢI LAO 15 PHÚT")
    # The selection stayed: the same screen ticked, the same scene in preview.
    expect(room.locator('input[name="target"]')).to_be_checked()
    expect(wall.locator('input[name="target"]')).not_to_be_checked()
    expect(page.locator('.scene-pick:has-text("Giải lao 15 phút") input')).to_be_checked()
    expect(page.locator("#scene-preview-box")).to_contain_text("GIẢI LAO 15 PHÚT")

    # A stray B hits the ticked screen only.
    page.locator("body").click(position={"x": 5, "y": 400})
    with page.expect_navigation():
        page.keyboard.press("b")
    assert state(live_server, hall["room"])["mode"] == "blackout"
    assert state(live_server, hall["wall"])["mode"] == "scene"
    expect(room.locator('[data-field="program"]')).to_have_text("Tắt màn hình")
    expect(room.locator('input[name="target"]')).to_be_checked()

    # Another operator (a Stream Deck) takes a scene on the wall: its tile follows, live.
    page.evaluate("window.__notReloaded = true")
    status, _body = live_server.api("POST", f"/api/v1/screens/{hall['wall']}/take",
                                    {"scene_id": hall["scenes"]["Đồng hồ"]})
    assert status == 200
    expect(wall.locator('[data-field="program"]')).to_have_text("Đồng hồ")
    expect(wall.locator(".screen-preview .clock-face")).not_to_be_empty()
    assert page.evaluate("window.__notReloaded") is True

    # Enter in the announcement flashes it on the ticked screen; it never takes the scene.
    page.fill("#c-text", "Mời đại biểu về chỗ ngồi")
    with page.expect_navigation():
        page.press("#c-text", "Enter")
    assert state(live_server, hall["room"])["flash"]["text"] == "Mời đại biểu về chỗ ngồi"
    assert state(live_server, hall["room"])["mode"] == "blackout"
    assert state(live_server, hall["wall"])["flash"] is None
    expect(room.locator('[data-field="flash"]')).to_contain_text("Mời đại biểu về chỗ ngồi")
    assert page.console_errors == []


def test_without_javascript_all_screens_are_confirmed_on_a_page(new_page, sign_in, live_server,
                                                                 congress, hall):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    sign_in(page, live_server.users["operator"])
    page.goto(f"/manage/{congress.id}/screens?target=all")
    page.locator(".scene-pick", has_text="Đồng hồ").click()
    with page.expect_navigation():
        page.locator("button.take").click()
    expect(page.locator(".confirm-all h2")).to_have_text("Chiếu ngay trên cả 2 màn hình?")
    assert state(live_server, hall["wall"])["scene"]["type"] == "announcement"
    assert small_tap_targets(page) == []
    screenshot(page, "screens-console-confirm-all-vi")
    with page.expect_navigation():
        page.locator(".confirm-all button[name=confirm]").click()
    assert state(live_server, hall["wall"])["scene"]["type"] == "clock"
    assert state(live_server, hall["room"])["scene"]["type"] == "clock"
    expect(page.locator('input[name="target"]:checked')).to_have_count(2)
    expect(page.locator('.scene-pick:has-text("Đồng hồ") input')).to_be_checked()
    # Enter in a field submits nothing: the form's default button is a disabled one.
    assert page.evaluate("""() => {
        const form = document.getElementById('screens-control');
        const first = form.querySelector('button[type=submit]');
        return first.disabled && !first.value;
    }""") is True
    assert page.console_errors == []


def test_an_action_on_every_screen_asks_first(new_page, sign_in, live_server, congress, hall):
    page = open_console(new_page, sign_in, live_server, congress, DESK)
    page.locator("[data-select=all]").click()
    expect(page.locator('input[name="target"]:checked')).to_have_count(2)
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("b")
    assert questions == ["Tắt màn hình trên cả 2 màn hình?"]
    assert state(live_server, hall["wall"])["mode"] == "scene"
    assert state(live_server, hall["room"])["mode"] == "scene"

    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.keyboard.press("b")
    assert state(live_server, hall["wall"])["mode"] == "blackout"
    assert state(live_server, hall["room"])["mode"] == "blackout"
    expect(page.locator('input[name="target"]:checked')).to_have_count(2)
    assert page.console_errors == []


@pytest.mark.parametrize("viewport", [DESK, TABLET_WIDE, TABLET, PHONE],
                         ids=["desk", "tablet-landscape", "tablet", "phone"])
def test_every_tap_target_is_big_enough(new_page, sign_in, live_server, congress, hall,
                                        viewport):
    for language in ("vi", "en"):
        page = open_console(new_page, sign_in, live_server, congress, viewport, language)
        page.locator(".scene-pick", has_text="Đồng hồ").click()
        page.locator(f"#screen-{hall['wall']}").click()
        expect(page.locator("#scene-preview-box .clock-face")).not_to_be_empty()
        assert small_tap_targets(page) == []
        assert no_horizontal_overflow(page) == []
        screenshot(page, f"screens-console-{viewport['width']}x{viewport['height']}-{language}")
        assert page.console_errors == []
