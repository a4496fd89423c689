"""The badge print page in a real Chromium: a print run done by the consumer, followed by the
page's script (under the site's CSP) until the PDF can be downloaded."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from conference.congresses.models import Congress
from conference.delegates.models import Delegate
from conference.delegates.service import DelegateInput, categories, new_delegate_values
from conference.extensions import db
from tests.browser.conftest import DESKTOP, screenshot

pytestmark = pytest.mark.slow


def test_a_print_run_shows_its_progress_and_offers_the_pdf(live_server, new_page, sign_in):
    congress = live_server.make_congress()
    with live_server.app.app_context():
        row = db.session.get(Congress, congress.id)
        categories(row)
        db.session.add_all([Delegate(**new_delegate_values(row, DelegateInput(
            code=f"DB{n:04d}", full_name=f"Nguyễn Thị Hoàng Phương Thảo {n}",
            delegation="Đoàn Cẩm Xuyên", seat=f"A{n}"))) for n in range(1, 21)])
        db.session.commit()
        db.session.remove()

    page = new_page(viewport=DESKTOP)
    sign_in(page, live_server.users["organizer"])
    page.goto(f"/manage/{congress.id}/badges")
    expect(page.locator("main")).to_contain_text("20")
    page.check("input[name=layout][value=sheet]")
    page.locator("form.badge-form button[type=submit]").click()
    page.wait_for_url("**/badges?job=*")
    download = page.locator(".job-download a")
    expect(download).to_be_visible(timeout=60_000)
    expect(page.locator("progress")).to_have_attribute("value", "1")
    screenshot(page, "badges-print-run")

    response = page.request.get(download.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.body())).pages) == 3  # 20 badges, 8 a sheet
    assert page.console_errors == []
