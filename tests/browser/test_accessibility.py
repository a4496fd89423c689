"""Older eyes on cheap phones: axe-core (vendored, tests only) finds no WCAG 2.1 A/AA violation,
no text under 7:1 (color-contrast-enhanced) and no tap target under WCAG 2.2's 24 px
(target-size) on the portal, the public page and the check-in page, at 390x844 and with the
browser's default font doubled (what a delegate's large-text setting does), in both languages.
At 320 CSS px with the default font doubled, the pages a delegate or the desk reads reflow without
sideways scrolling and their text is larger than at the default size."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.portal import PDF
from conference.auth.models import User
from conference.auth.service import Actor
from conference.badges.identity import badge_token
from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, new_delegate_values
from conference.documents.service import create_document
from conference.extensions import db
from tests.browser.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.slow

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EXTRA_RULES = ["color-contrast-enhanced", "target-size"]
DOUBLED = 32  # px: Chromium's default standard font size is 16
NARROW = {"width": 320, "height": 640}
RUN_AXE = """async ([tags, rules]) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    rules: Object.fromEntries(rules.map((id) => [id, {enabled: true}])),
    resultTypes: ['violations']});
  const ran = [result.passes, result.violations, result.incomplete, result.inapplicable];
  return {ran: ran.flat().map((r) => r.id), violations: result.violations.map((v) => ({
    id: v.id, nodes: v.nodes.map((n) => n.target.join(' ') + ': '
                                 + n.failureSummary.replace(/\\s+/g, ' '))}))};
}"""


@pytest.fixture(scope="module")
def pages(live_server):
    """The portal of a delegate with a draft to comment on and a live stream, the public page and
    the check-in page of one congress: {name: path}."""
    congress = live_server.make_congress()
    with live_server.app.app_context():
        row = db.session.get(Congress, congress.id)
        organizer = db.session.scalar(db.select(User).where(
            User.username == live_server.users["organizer"]))
        delegate = Delegate(**new_delegate_values(row, DelegateInput(
            code="TC0101", full_name="Phạm Thị Minh Nguyệt", delegation="Đoàn Hương Khê",
            seat="B-07")))
        db.session.add(delegate)
        db.session.commit()
        create_document(Actor(organizer, "", "cli"), row, {
            "title": "Dự thảo Nghị quyết Đại hội", "category": "political_report",
            "visibility": "delegates", "status": "draft"}, "du-thao-nghi-quyet.pdf", PDF)
        token = badge_token(delegate)
        db.session.remove()
    status, stream = live_server.api("POST", f"/api/v1/congresses/{congress.id}/streams",
                                     {"url": "https://baohatinh.vn/truc-tuyen/dai-hoi",
                                      "platform": "newspaper", "title": "Báo Hà Tĩnh"},
                                     role="organizer")
    assert status == 201, stream
    assert live_server.api("PATCH", f"/api/v1/streams/{stream['id']}", {"status": "live"})[0] == 200
    return {"portal": f"/b/{token}", "public": f"/c/{congress.slug}",
            "checkin": f"/manage/{congress.id}/checkin",
            "votes": f"/manage/{congress.id}/votes",
            "speakers": f"/manage/{congress.id}/speakers"}


def open_page(new_page, sign_in, live_server, viewport, language, font_size=None):
    """A page signed in as the organizer, its language chosen by the cookie, its browser's
    default font set to `font_size` px (Chromium's own setting, as a phone's large text)."""
    page = new_page(viewport=viewport, bypass_csp=True)  # axe comes in as an inline script
    sign_in(page, live_server.users["organizer"])
    page.context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
    if font_size:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Page.enable")
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": font_size}})
    return page


def screenshot(page, name: str) -> None:
    """The first screen only: a full-page screenshot puts Chromium's font size back to 16 px."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def body_text_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_axe_finds_no_violation_on_the_delegates_pages(
        live_server, pages, new_page, sign_in, language):
    found = {}
    for font_size in (None, DOUBLED):
        page = open_page(new_page, sign_in, live_server, PHONE, language, font_size)
        for name in ("portal", "public", "checkin"):
            page.goto(pages[name])
            assert body_text_px(page) == (font_size or 16), name
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(RUN_AXE, [TAGS, EXTRA_RULES])
            assert set(EXTRA_RULES) <= set(result["ran"])
            for violation in result["violations"]:
                found.setdefault(violation["id"], []).extend(
                    f"{name} {language} font={font_size or 16}: {node}"
                    for node in violation["nodes"])
            screenshot(page, f"a11y-{name}-{language}-{font_size or 16}")
        page.context.close()
    for rule, nodes in sorted(found.items()):
        print(f"axe {rule}: {len(nodes)}" + "".join(f"\n  {node}" for node in nodes))
    assert found == {}


def test_pages_reflow_at_320_px_with_the_default_font_doubled(
        live_server, pages, new_page, sign_in):
    plain = open_page(new_page, sign_in, live_server, NARROW, "vi")
    large = open_page(new_page, sign_in, live_server, NARROW, "vi", DOUBLED)
    for name, path in pages.items():
        plain.goto(path)
        large.goto(path)
        assert body_text_px(large) > body_text_px(plain), name
        assert large.evaluate("document.scrollingElement.scrollWidth") <= large.evaluate(
            "document.scrollingElement.clientWidth"), name
        screenshot(large, f"a11y-320-font32-{name}")
        assert large.console_errors == [] and plain.console_errors == []
