"""The import page in a real Chromium, as an organizer uploads an office's list: the preview
with the rows as stored, the columns read and the rows skipped, on a desk and on a phone, in
Vietnamese and in English; then the import itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot
from tests.test_import_office_lists import PEOPLE, office_xlsx

pytestmark = pytest.mark.slow
DESK = {"width": 1366, "height": 768}
WORDS = {"vi": {"check": "Kiểm tra danh sách", "stored": "Các dòng sẽ được lưu như sau",
                "totals": "Dòng tổng cộng", "import": "Nhập danh sách", "problem": "Ghi ngày sinh"},
         "en": {"check": "Check the list", "stored": "Rows as they will be stored",
                "totals": "Totals row", "import": "Import", "problem": "Write the date of birth"}}


def _upload(page, congress_id: int, data: bytes, words: dict) -> None:
    page.goto(f"/manage/{congress_id}/delegates/import")
    page.set_input_files("#f-file", files=[{
        "name": "danh-sach.xlsx", "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name=words["check"]).click()
    page.wait_for_url("**/delegates/import/*")


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= "
                         "document.documentElement.clientWidth")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_an_office_list_is_previewed_and_imported(live_server, new_page, sign_in, language):
    congress = live_server.make_congress()
    words = WORDS[language]
    for viewport, size in ((DESK, "desk"), (PHONE, "phone")):
        page = new_page(viewport=viewport)
        page.context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
        sign_in(page, live_server.users["organizer"])
        _upload(page, congress.id, office_xlsx(), words)
        main = page.locator("main")
        expect(main).to_contain_text(words["stored"], timeout=30_000)
        expect(main).to_contain_text(words["totals"])
        expect(main).to_contain_text("12/03/1970")
        assert _no_sideways_scroll(page)
        screenshot(page, f"import-preview-{size}-{language}")
        assert page.console_errors == []
    page.get_by_role("button", name=words["import"], exact=True).click()
    expect(page.locator("main .flash")).to_contain_text(str(len(PEOPLE)), timeout=30_000)
    screenshot(page, f"import-done-phone-{language}")

    problem = [*PEOPLE[:2], ("Võ Văn Tám", "31/02/1980", "Nam", "X", "Y", "ĐBCT")]
    page = new_page(viewport=DESK)
    page.context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
    sign_in(page, live_server.users["organizer"])
    _upload(page, congress.id, office_xlsx(problem, merged_birth=False), words)
    expect(page.locator("main .problems")).to_contain_text(words["problem"], timeout=30_000)
    screenshot(page, f"import-problems-desk-{language}")
    page.goto(f"/manage/{congress.id}/delegates/categories")
    expect(page.locator("main")).to_contain_text("ĐBCT")
    screenshot(page, f"import-categories-desk-{language}")
