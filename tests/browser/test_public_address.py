"""The public address as an administrator meets it: the warning on the badge page while QR codes
would lead to 127.0.0.1, the link to the Site page, a refused address, the saved one; in both
languages, on a phone and at a desk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conference.auth.models import User
from conference.extensions import db
from conference.urls import SiteSetting
from tests.browser.conftest import PHONE, no_horizontal_overflow, screenshot
from tests.conftest import PASSWORD_HASH

pytestmark = pytest.mark.slow

DESK = {"width": 1366, "height": 768}
LAN = "http://192.168.1.20:5000"


@pytest.fixture
def admin(live_server):
    """An administrator; the stored address is removed again afterwards, since the server is
    shared with the other browser tests, whose QR codes must keep leading to it."""
    with live_server.app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "quan.tri"))
        if user is None:
            db.session.add(User(username="quan.tri", display_name="Quản trị",
                                password_hash=PASSWORD_HASH, is_admin=True))
            db.session.commit()
        db.session.remove()
    yield "quan.tri"
    with live_server.app.app_context():
        db.session.execute(db.delete(SiteSetting))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_warning_leads_an_administrator_to_set_the_address(live_server, new_page, sign_in,
                                                               admin, language, viewport):
    congress = live_server.make_congress()
    page = new_page(viewport=viewport)
    sign_in(page, admin)
    badges = f"/manage/{congress.id}/badges"
    page.goto(f"/lang/{language}?next={badges}")
    name = f"public-address-{language}-{'phone' if viewport == PHONE else 'desk'}"
    warning = page.locator("#qr-address-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("127.0.0.1")
    screenshot(page, f"{name}-warning")
    assert no_horizontal_overflow(page) == []

    warning.locator("a").click()
    page.wait_for_url("**/admin/site")
    page.fill("input[name=public_url]", "daihoi.example.vn/b/")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#e-public_url")).to_be_visible()
    screenshot(page, f"{name}-refused")
    assert no_horizontal_overflow(page) == []

    page.fill("input[name=public_url]", LAN)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    expect(page.locator("#effective-address")).to_have_text(LAN)
    screenshot(page, f"{name}-saved")
    page.goto(badges)
    expect(page.locator("#qr-address-warning")).to_have_count(0)
    # The refused form answered 422, as it should: that is the only error the page saw.
    assert [error for error in page.console_errors if " 422 " not in f" {error} "] == []
