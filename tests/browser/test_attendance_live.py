"""The attendance dashboard follows check-ins live on a phone: numbers, quorum, lists."""

import pytest

from conference.badges.identity import badge_token
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_overflow, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright").expect


def seed_delegates(live_server, congress, officials=3, guests=1) -> list[str]:
    """Register delegates straight in the database; their badge tokens, officials first."""
    rows = [("official", f"Đại biểu {n}") for n in range(officials)] + [
        ("guest", f"Khách mời {n}") for n in range(guests)]
    with live_server.app.app_context():
        seeded = db.session.get(Congress, congress.id)
        delegates = [Delegate(**new_delegate_values(seeded, DelegateInput(
            code=f"AT{congress.id}-{n}", full_name=name, category=category,
            delegation="Đoàn Huế"))) for n, (category, name) in enumerate(rows)]
        db.session.add_all(delegates)
        db.session.commit()
        tokens = [badge_token(delegate) for delegate in delegates]
        db.session.remove()
    return tokens


@pytest.mark.slow
def test_dashboard_follows_check_ins_without_reload(new_page, live_server, congress, sign_in):
    tokens = seed_delegates(live_server, congress)
    page = new_page(viewport=PHONE)
    sign_in(page, live_server.users["organizer"])
    page.goto(f"/manage/{congress.id}/attendance?session_id=all")
    expect(page.locator("#live-status")).to_have_text(
        page.locator("#live-status").get_attribute("data-online"))
    page.evaluate("window.__notReloaded = 'still here'")
    expect(page.locator('[data-stat="official-present"]')).to_have_text("0")
    expect(page.locator("#quorum-panel")).to_have_class("quorum-panel not-met")

    for token in tokens[:2]:
        status, body = live_server.api("POST", f"/api/v1/congresses/{congress.id}/checkins",
                                       {"scan": token, "gate": "Cổng A"}, role="organizer")
        assert status == 201, body
    expect(page.locator('[data-stat="official-present"]')).to_have_text("2")
    expect(page.locator("#quorum-panel")).to_have_class("quorum-panel met")
    expect(page.locator('[data-stat="missing"]')).to_have_text("0")
    # The refetched details list the one official delegate still missing.
    expect(page.locator("#absent-official tbody tr")).to_have_count(1)
    expect(page.locator("#absent-official")).to_contain_text("Đại biểu 2")
    expect(page.locator(".attendance-chart svg")).to_be_visible()
    assert page.evaluate("window.__notReloaded") == "still here"
    screenshot(page, "attendance-phone")
    assert no_horizontal_overflow(page) == []
    assert page.console_errors == []

    # The same dashboard on a desktop, with the lists opened.
    wide = new_page(viewport=DESKTOP)
    sign_in(wide, live_server.users["organizer"])
    wide.goto(f"/manage/{congress.id}/attendance?session_id=all")
    wide.locator("#present-list summary").click()
    expect(wide.locator("#present-list tbody tr")).to_have_count(2)
    expect(wide.locator("#present-list")).to_contain_text("Cổng A")
    screenshot(wide, "attendance-desktop")
    assert no_horizontal_overflow(wide) == []
    assert wide.console_errors == []
