"""A delegate's phone: the badge's QR code, decoded from the printed PDF, opens the portal; a
document opens from it; a livestream going live shows without reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench.portal import PDF
from conference.badges.service import single_badge_pdf
from conference.extensions import db
from tests.browser.conftest import PHONE, no_horizontal_overflow, screenshot
from tests.test_badges import decode_qr

pytestmark = pytest.mark.slow

def test_a_phone_opens_the_portal_from_the_badge_and_follows_the_stream(
        live_server, congress, new_page, tmp_path):
    with live_server.app.app_context():
        actor, delegate, document = live_server.add_delegate_with_draft(
            congress.id, code="DB0301", full_name="Trần Thị Thu Hường", delegation="Đoàn Kỳ Anh",
            seat="C-14")
        badge = single_badge_pdf(actor, delegate, live_server.url)
        document_id = document.id
        db.session.remove()
    [portal_url] = decode_qr(badge, tmp_path)
    assert portal_url.startswith(f"{live_server.url}/b/")

    status, stream = live_server.api("POST", f"/api/v1/congresses/{congress.id}/streams",
                                     {"url": "https://baohatinh.vn/truc-tuyen/dai-hoi",
                                      "platform": "newspaper", "title": "Báo Hà Tĩnh"},
                                     role="organizer")
    assert status == 201, stream

    page = new_page(viewport=PHONE)
    page.goto(portal_url)
    expect(page.locator("h1")).to_have_text("Trần Thị Thu Hường")
    expect(page.locator("#live-status")).to_have_text(
        page.locator("#live-status").get_attribute("data-online"))
    page.evaluate("window.__notReloaded = 'still here'")

    link = page.locator(".doc-list a", has_text="Dự thảo Báo cáo chính trị")
    expect(link).to_be_visible()
    opened = page.request.get(link.get_attribute("href"))
    assert opened.status == 200 and opened.headers["content-type"] == "application/pdf"
    assert opened.body() == PDF
    with live_server.app.app_context():
        from conference.documents.models import DocumentRead

        assert db.session.scalar(db.select(db.func.count(DocumentRead.id)).where(
            DocumentRead.document_id == document_id)) == 1
        db.session.remove()

    badge_status = page.locator(f'[data-stream-id="{stream["id"]}"] .stream-status')
    expect(badge_status).not_to_have_text("Đang phát trực tiếp")
    assert live_server.api("PATCH", f"/api/v1/streams/{stream['id']}", {"status": "live"},
                           role="operator")[0] == 200
    expect(badge_status).to_have_text("Đang phát trực tiếp")
    assert page.evaluate("window.__notReloaded") == "still here"
    screenshot(page, "portal-phone")
    assert no_horizontal_overflow(page) == []
    assert page.console_errors == []
