"""The e-mail and letters page in a real Chromium: an e-mail run done by the consumer to a local
SMTP server, the page reloading itself with the outcome and the log, then a letters run whose
PDF the page offers; on a phone, in Vietnamese, nothing sticks out."""

from __future__ import annotations

import io

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect
from pypdf import PdfReader

from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, categories, new_delegate_values
from conference.extensions import db
from tests.browser.conftest import PHONE, no_horizontal_overflow, screenshot
from tests.test_mailings import Mailbox

pytestmark = pytest.mark.slow


@pytest.fixture
def mailbox(live_server):
    """An SMTP server on the port the live server sends to."""
    box = Mailbox()
    port = live_server.app.config["CONFERENCE"]["SMTP_PORT"]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box
    controller.stop()


def test_an_email_run_and_letters_from_a_phone(live_server, new_page, sign_in, mailbox):
    congress = live_server.make_congress()
    with live_server.app.app_context():
        row = db.session.get(Congress, congress.id)
        categories(row)
        db.session.add_all([Delegate(**new_delegate_values(row, DelegateInput(
            code=f"DB{n:04d}", full_name=f"Nguyễn Thị Hoàng Phương Thảo {n}",
            delegation="Đoàn Cẩm Xuyên", email=email))) for n, email in
            enumerate(["thao1@example.vn", "thao2@example.vn", ""], 1)])
        db.session.commit()
        db.session.remove()
    mailbox.refused.add("thao2@example.vn")

    page = new_page(viewport=PHONE)
    sign_in(page, live_server.users["organizer"])
    page.goto(f"/manage/{congress.id}/mailings")
    page.locator("form[action$='/mailings/send'] button[type=submit]").click()
    page.wait_for_url("**/mailings?job=*")
    # The page follows the run and reloads itself with what it did.
    expect(page.locator(".job-status")).to_contain_text("gửi được 1, lỗi 1", timeout=60_000)
    expect(page.locator(".delivery-log")).to_contain_text("từ chối địa chỉ thao2@example.vn")
    assert [recipients for recipients, _ in mailbox.messages] == [["thao1@example.vn"]]
    # The reloaded page's text is there before its stylesheet may be: measure once it is loaded
    # (a browser paints nothing before then; a busy CI machine measured the unstyled table).
    page.wait_for_load_state("load")
    assert no_horizontal_overflow(page) == []
    screenshot(page, "mailings-phone-vi")

    page.select_option("#f-letters-state", "no_email")
    page.locator("form[action$='/mailings/letters'] button[type=submit]").click()
    page.wait_for_url("**/mailings?job=*")
    download = page.locator(".job-download a")
    expect(download).to_be_visible(timeout=60_000)
    response = page.request.get(download.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.body())).pages) == 1
    assert page.console_errors == []
