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
from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_overflow, screenshot

DESK = {"width": 1366, "height": 768}

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
    expect(page.locator("input[name=backs]")).to_be_checked()  # official delegates: PINs
    page.check("input[name=layout][value=sheet]")
    page.locator("form.badge-form .actions button").click()
    page.wait_for_url("**/badges?job=*")
    download = page.locator(".job-download a")
    expect(download).to_be_visible(timeout=60_000)
    expect(page.locator("progress")).to_have_attribute("value", "1")
    screenshot(page, "badges-print-run")

    response = page.request.get(download.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    # 20 badges, 8 a sheet, each sheet followed by its backs (the voting PINs)
    assert len(PdfReader(io.BytesIO(response.body())).pages) == 6
    assert page.console_errors == []


@pytest.mark.parametrize(("lang", "ready"), [("vi", "Hoàn tất"), ("en", "Ready")])
def test_a_reprint_by_code_and_pick_and_its_state_in_the_recent_runs(live_server, new_page,
                                                                     sign_in, lang, ready):
    congress = live_server.make_congress()
    with live_server.app.app_context():
        row = db.session.get(Congress, congress.id)
        categories(row)
        db.session.add_all([Delegate(**new_delegate_values(row, DelegateInput(
            code=f"DB{n:04d}", full_name=name, delegation="Đoàn Cẩm Xuyên", seat=f"A{n}",
            position="Phó Chủ tịch Thường trực Liên đoàn Lao động tỉnh")))
            for n, name in enumerate(["Lê Thị Lan", "Trần Văn Hùng", "Lê Văn Hòa"], 1)])
        db.session.commit()
        db.session.remove()

    for viewport, size in ((PHONE, "phone"), (DESK, "desk")):
        page = new_page(viewport=viewport)
        sign_in(page, live_server.users["organizer"])
        page.goto(f"/lang/{lang}?next=/manage/{congress.id}/badges")
        page.fill("#f-codes", "db0002")
        page.fill("#f-q", "le")
        page.locator("button[form=find-delegates]").click()
        page.wait_for_url("**q=le**")
        expect(page.locator(".pick-list li")).to_have_count(2)
        expect(page.locator("#f-codes")).to_have_value("db0002")  # kept across a search
        page.check("input[name=pick][value=DB0003]")
        page.locator("button[form=find-delegates]").click()  # another search keeps the tick
        page.wait_for_url("**codes=db0002+DB0003**")
        expect(page.locator("input[name=pick][value=DB0003]")).to_be_checked()
        screenshot(page, f"badges-pick-{lang}-{size}")
        assert no_horizontal_overflow(page) == []
        page.locator("form.badge-form .actions button").click()
        page.wait_for_url("**/badges?job=*")
        expect(page.locator(".job-download a")).to_be_visible(timeout=60_000)
        job_id = page.url.rsplit("=", 1)[1]
        states = page.locator(f'[data-job-state="{job_id}"]')
        expect(states).to_have_count(2)
        for index in (0, 1):  # the box and the recent runs say the same, once done
            expect(states.nth(index)).to_contain_text(f"{ready}: 2")
        screenshot(page, f"badges-job-{lang}-{size}")
        assert no_horizontal_overflow(page) == []
        assert page.console_errors == []
