"""A delegate's phone, for older eyes: the portal opens on what is on now, every tap target is
44x44 CSS px or more, a live region says a new current item and a stream going live, and the
Vietnamese content is marked lang="vi" in English pages too (issue 14, parts 1, 3 and 5)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conference.badges.identity import badge_token
from conference.extensions import db
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.slow

SMALL_PHONE = {"width": 360, "height": 640}

# Every visible tap target under 44x44 CSS px (WCAG 2.5.5). A checkbox or radio counts with its
# <label>: a tap on the label ticks it. Links inside running text would be allowed by 2.5.8's
# inline exception, but these pages have none: every link stands on its own, so none is excluded.
TARGETS_UNDER_44 = """() => {
  const out = [];
  for (const el of document.querySelectorAll('a, button, input, select, [role=button]')) {
    const target = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') || el;
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(el);
    // Not shown: hidden, or parked off screen until focused (the skip link).
    if (!box.width || !box.height || style.visibility === 'hidden' || box.right <= 0) continue;
    if (box.width < 44 || box.height < 44) {
      out.push(`${el.tagName.toLowerCase()} ${Math.round(box.width)}x${Math.round(box.height)} `
               + (el.textContent || el.name || el.id).trim().slice(0, 40));
    }
  }
  return out;
}"""


@pytest.fixture
def portal(live_server, congress):
    """A delegate with a draft to comment on, the congress's second item current: the portal's
    address."""
    with live_server.app.app_context():
        _actor, delegate, _document = live_server.add_delegate_with_draft(
            congress.id, code="DB0414", full_name="Nguyễn Văn Thành",
            position="Chủ tịch Công đoàn cơ sở", unit="Công ty Cổ phần Môi trường Hà Tĩnh",
            delegation="Đoàn Thạch Hà", seat="B-07")
        token = badge_token(delegate)
        db.session.remove()
    assert live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/current",
                           {"item_id": congress.items[1][0]})[0] == 200
    status, _stream = live_server.api("POST", f"/api/v1/congresses/{congress.id}/streams",
                                      {"url": "https://baohatinh.vn/truc-tuyen/dai-hoi",
                                       "platform": "newspaper", "title": "Báo Hà Tĩnh"},
                                      role="organizer")
    assert status == 201
    return f"/b/{token}"


def in_language(page, live_server, language: str) -> None:
    page.context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_portal_opens_on_the_current_item_with_big_targets(
        live_server, congress, portal, new_page, sign_in, language):
    page = new_page(viewport=SMALL_PHONE)
    in_language(page, live_server, language)
    page.goto(portal)
    expect(page.locator("html")).to_have_attribute("lang", language)
    title = page.locator("#now-slot #current-title")
    expect(title).to_have_text(congress.items[1][1])
    expect(page.locator("#next-title")).to_have_text(congress.items[2][1])
    assert title.bounding_box()["y"] + title.bounding_box()["height"] < SMALL_PHONE["height"]
    # The rest is one tap away.
    jumps = page.locator("main nav[aria-label]")
    for anchor in ("#live-streams", "#documents", "#agenda"):
        expect(jumps.locator(f'a[href="{anchor}"]')).to_have_count(1)
        expect(page.locator(anchor)).to_have_count(1)
    screenshot(page, f"portal-first-screen-360-{language}")

    page.set_viewport_size(PHONE)
    page.reload()
    comment = page.locator(".doc-list a.doc-comment")
    expect(comment).to_have_class("button secondary doc-comment")
    assert page.evaluate(TARGETS_UNDER_44) == []
    page.goto(f"/c/{congress.slug}")
    expect(page.locator("#now-slot #current-title")).to_have_text(congress.items[1][1])
    assert page.evaluate(TARGETS_UNDER_44) == []
    sign_in(page, live_server.users["organizer"])
    page.goto(f"/manage/{congress.id}/checkin?q=Nguy")
    expect(page.locator("#search-results")).to_contain_text("Nguyễn Văn Thành")
    assert page.evaluate(TARGETS_UNDER_44) == []
    assert page.console_errors == []


def test_english_pages_mark_vietnamese_and_announce_what_goes_live(
        live_server, congress, portal, new_page):
    page = new_page(viewport=PHONE)
    in_language(page, live_server, "en")
    page.goto(portal)
    expect(page.locator("#live-status")).to_have_text(
        page.locator("#live-status").get_attribute("data-online"))
    # Names and titles the congress wrote in Vietnamese are read with a Vietnamese voice.
    for selector in ("h1#portal-name", ".portal-congress", "#current-title", "#next-title",
                     ".doc-list a.doc-title", ".agenda-session h2", ".item-title",
                     ".stream h3"):
        expect(page.locator(selector).first).to_have_attribute("lang", "vi")
    # One polite live region on the page, silent until something happens.
    region = page.locator("[aria-live=polite]")
    expect(region).to_have_count(1)
    expect(region).to_have_text("")

    live_server.api("POST", f"/api/v1/congresses/{congress.id}/agenda/next")
    expect(region).to_have_text(f"Now: {congress.items[2][1]}")
    expect(page.locator("#current-title")).to_have_text(congress.items[2][1])
    expect(page.locator("#next-title")).to_have_text(congress.items[3][1])

    stream_id = page.locator(".stream").first.get_attribute("data-stream-id")
    assert live_server.api("PATCH", f"/api/v1/streams/{stream_id}", {"status": "live"},
                           role="operator")[0] == 200
    expect(region).to_have_text("Live now: Báo Hà Tĩnh")
    # The live stream rose under "Now", into the first screen of a 390x844 phone (a 360x640
    # one shows the current item and the check-in state first), as on opening the portal.
    live = page.locator("#live-streams .stream").first
    expect(live.locator(".stream-status")).to_have_class("badge stream-status is-live")
    for reloaded in (False, True):
        if reloaded:
            page.reload()
        now, stream = page.locator("#now-slot").bounding_box(), live.bounding_box()
        assert now["y"] < stream["y"] < page.locator("main nav[aria-label]").bounding_box()["y"]
        open_button = live.locator("a.button").first.bounding_box()
        assert open_button["y"] + open_button["height"] <= PHONE["height"]
    screenshot(page, "portal-live-stream-390-en")
    # It is moved in the page's order, not only drawn there: tabbing reaches it before the menu.
    before_menu = """() => !!(document.querySelector('#live-streams').compareDocumentPosition(
        document.querySelector('main nav[aria-label]')) & Node.DOCUMENT_POSITION_FOLLOWING)"""
    assert page.evaluate(before_menu)
    # Once it ends, it goes back below the panels.
    assert live_server.api("PATCH", f"/api/v1/streams/{stream_id}", {"status": "ended"},
                           role="operator")[0] == 200
    expect(live.locator(".stream-status")).not_to_have_class("badge stream-status is-live")
    assert not page.evaluate(before_menu)
    assert page.console_errors == []
