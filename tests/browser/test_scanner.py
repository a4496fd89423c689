"""The scanner page in a real Chromium whose camera films a printed badge.

The badge is a PNG with the QR code of a real badge URL (segno), turned into a Y4M clip with
Pillow and fed to Chromium as its camera. The page decodes it with jsQR, checks the delegate in
through the JSON endpoint, and the attendance dashboard counts them.
"""

from __future__ import annotations

import sqlite3

import pytest

from conference.auth.models import Membership, Role, User
from conference.badges.identity import badge_token
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.extensions import db
from tests.browser.conftest import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    PHONE,
    badge_png,
    screenshot,
    y4m_clip,
)
from tests.conftest import PASSWORD_HASH

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect

NAME = "Nguyễn Văn Trường"


@pytest.fixture
def door(live_server, congress):
    """Check-in staff of the congress and one official delegate's badge URL."""
    with live_server.app.app_context():
        user = User(username=f"cong.vao.{congress.id}", display_name="Cổng vào",
                    password_hash=PASSWORD_HASH)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user=user, congress_id=congress.id, role=Role.CHECKIN))
        delegate = Delegate(**new_delegate_values(congress, DelegateInput(
            code=f"DB{congress.id:04d}", full_name=NAME, seat="C-21",
            delegation="Đoàn Khối doanh nghiệp")))
        db.session.add(delegate)
        db.session.commit()
        url = f"{live_server.url}/b/{badge_token(delegate)}"
        username, delegate_id = user.username, delegate.id
        db.session.remove()
    return username, delegate_id, url


@pytest.fixture
def camera_browser(chromium, tmp_path, door):
    """A second Chromium whose fake camera films the delegate's badge."""
    _username, _delegate_id, url = door
    png = badge_png(url)
    (tmp_path / "badge.png").write_bytes(png)
    clip = y4m_clip(png, tmp_path / "badge.y4m")
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*LAUNCH_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}"])
    yield browser
    browser.close()


def checkins_of(live_server, delegate_id: int) -> int:
    database = live_server.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM checkins WHERE delegate_id = ?",
                                  (delegate_id,)).fetchone()[0]


def test_the_camera_checks_a_badge_in_and_the_dashboard_counts_it(
        live_server, congress, door, camera_browser, sign_in):
    username, delegate_id, _url = door
    context = camera_browser.new_context(viewport=PHONE, base_url=live_server.url,
                                         locale="vi-VN")
    context.set_default_timeout(15_000)
    errors: list[str] = []
    scanner = context.new_page()
    scanner.on("pageerror", lambda error: errors.append(str(error)))
    scanner.on("console", lambda message: message.type == "error"
               and "Failed to load resource" not in message.text
               and errors.append(message.text))
    sign_in(scanner, username)

    dashboard = context.new_page()
    dashboard.goto(f"/manage/{congress.id}/attendance")
    present = dashboard.locator('[data-stat="official-present"]')
    assert present.inner_text() == "0"
    dashboard.locator("#live-status:not([hidden])").wait_for()  # its live channel is up

    scanner.bring_to_front()
    scanner.goto(f"/manage/{congress.id}/checkin")
    scans = []
    scanner.on("request", lambda request: request.method == "POST" and scans.append(request))
    scanner.fill("#f-gate", "Cổng chính")
    scanner.click("#camera-toggle")
    panel = scanner.locator("#scan-result .scan-result")
    panel.wait_for()
    assert "tone-ok" in panel.get_attribute("class"), panel.inner_text()
    assert NAME in panel.inner_text() and "C-21" in panel.inner_text()
    # What staff see on the phone: the picture on top, the answer right under it.
    assert scanner.evaluate("document.getElementById('camera').getBoundingClientRect().top") < 5
    scanner.screenshot(path=str(ARTIFACTS / "scanner-green-phone-view.png"))
    screenshot(scanner, "scanner-green")
    # The badge stays in front of the camera: that is still the same scan, not a second one.
    scanner.evaluate("""() => {
        const decode = window.jsQR;
        window.seenAgain = 0;
        window.jsQR = (...frame) => {
            const code = decode(...frame);
            if (code && code.data) { window.seenAgain += 1; }
            return code;
        };
    }""")
    scanner.wait_for_function("() => window.seenAgain >= 8")  # about a second of the same badge
    assert len(scans) == 1
    assert "tone-ok" in panel.get_attribute("class")
    assert checkins_of(live_server, delegate_id) == 1
    # The gate is remembered on this phone.
    assert scanner.evaluate("localStorage.getItem('conference.checkin.gate')") == "Cổng chính"

    dashboard.bring_to_front()
    expect(present).to_have_text("1")  # pushed live, no reload
    screenshot(dashboard, "scanner-dashboard")

    # Hiding the page stops the camera (a phone in a pocket does not keep filming) and coming
    # back starts it again.
    scanner.bring_to_front()
    camera_on = "document.getElementById('camera-video').srcObject !== null"
    assert scanner.evaluate(camera_on)
    scanner.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {value: true, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    assert not scanner.evaluate(camera_on)
    scanner.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {value: false, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    expect(scanner.locator("#camera-video")).to_be_visible()
    assert scanner.evaluate(camera_on)
    scanner.click("#camera-toggle")  # and the button stops it
    assert not scanner.evaluate(camera_on)
    assert errors == []
    context.close()


def test_a_usb_scanner_types_into_the_field_and_undo_works(
        live_server, congress, door, new_page, sign_in):
    username, delegate_id, url = door
    page = new_page()
    sign_in(page, username)
    page.goto(f"/manage/{congress.id}/checkin")
    assert page.evaluate("document.activeElement.id") == "f-scan"
    page.keyboard.type(url)
    page.keyboard.press("Enter")
    panel = page.locator("#scan-result .scan-result.tone-ok")
    panel.wait_for()
    assert NAME in panel.inner_text()
    assert page.input_value("#f-scan") == ""  # ready for the next badge
    page.locator("#scan-result .undo-form button").click()
    page.locator("#scan-result .scan-result.tone-info").wait_for()
    assert checkins_of(live_server, delegate_id) == 0
    assert page.evaluate("document.activeElement.id") == "f-scan"
    page.keyboard.type(url)
    page.keyboard.press("Enter")
    page.locator("#scan-result .scan-result.tone-ok").wait_for()
    page.keyboard.type(url)  # the same badge again: amber, with the first gate and time
    page.keyboard.press("Enter")
    page.locator("#scan-result .scan-result.tone-warn").wait_for()
    screenshot(page, "scanner-amber")
    assert checkins_of(live_server, delegate_id) == 1
    page.keyboard.type("https://example.vn/not-a-badge")
    page.keyboard.press("Enter")
    page.locator("#scan-result .scan-result.tone-err").wait_for()
    screenshot(page, "scanner-red")

    page.fill("#f-q", "Trường")
    page.locator("#search-results").get_by_text(NAME).wait_for()
    screenshot(page, "scanner-search")
    assert checkins_of(live_server, delegate_id) == 1
    page.fill("#f-scan", url.rsplit("/", 1)[1])  # the bare token works too
    page.press("#f-scan", "Enter")
    page.locator("#scan-result .scan-result.tone-warn").wait_for()
    # The refused scan was answered 404 (badge_unknown), as meant; nothing else went wrong.
    assert [e for e in page.console_errors if not e.startswith("404 ")] == []
    assert len(page.console_errors) == 1 and page.console_errors[0].endswith("/checkin/scan")
