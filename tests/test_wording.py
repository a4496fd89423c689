"""Slips a reader trips over: file sizes, a label borrowed from another meaning, English leaks."""

from __future__ import annotations

import pytest

from conference.auth.models import User
from conference.database import prepare_first_start
from conference.extensions import db
from conference.i18n import format_size
from tests.documents_files import pdf_bytes, upload


@pytest.mark.parametrize(("size", "locale", "shown"), [
    (16 * 1024, "vi", "16 KB"), (300, "en", "1 KB"), (int(2.45 * 1024 * 1024), "vi", "2,4 MB"),
    (int(2.45 * 1024 * 1024), "en", "2.4 MB"), (1234 * 1024 * 1024, "en", "1,234.0 MB")])
def test_file_sizes_read_in_the_readers_units(app, size, locale, shown):
    assert format_size(size, locale) == shown


def test_a_small_document_shows_its_size_in_kilobytes(client, congress, organizer):
    body = pdf_bytes(pad=16 * 1024)
    client.post(f"/manage/{congress.id}/documents", data={
        "title": "Dự thảo Báo cáo chính trị", "category": "political_report",
        "visibility": "delegates", "status": "draft", "file": upload(body)},
        content_type="multipart/form-data")
    page = client.get(f"/manage/{congress.id}/documents").text
    edit = client.get(_edit_link(page)).text
    assert f"{round(len(body) / 1024)} KB" in edit and "0.0 MB" not in edit


def _edit_link(page: str) -> str:
    start = page.index("/manage/documents/")
    return page[start:page.index('"', start)]


def test_a_document_category_is_not_called_a_delegate_category(client, congress, organizer):
    page = client.get(f"/manage/{congress.id}/documents").text
    assert "Loại tài liệu" in page and "Loại đại biểu" not in page


def test_the_first_administrator_has_no_english_name_in_the_vietnamese_menu(make_app, client):
    app = make_app()
    prepare_first_start(app)
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.username == "admin"))
        assert admin.display_name in ("", None)


def test_the_congress_overview_names_its_time_zone_in_words(client, congress, organizer):
    page = client.get(f"/manage/{congress.id}/").text
    assert "Giờ Việt Nam" in page and "Asia/Ho_Chi_Minh" not in page
    client.get("/lang/en")
    assert "Vietnam Time" in client.get(f"/manage/{congress.id}/").text


def test_a_session_heading_does_not_repeat_its_kind(client, congress, organizer, create_session):
    from conference.agenda.models import SessionKind

    create_session(congress, title="Phiên trù bị", kind=SessionKind.PREPARATORY)
    create_session(congress, title="Lễ trao giải", kind=SessionKind.PREPARATORY)
    for url in (f"/c/{congress.slug}", f"/manage/{congress.id}/agenda"):
        page = client.get(url).text
        assert page.count("Phiên trù bị") == 2, url  # the heading and the other session's line
        assert '<div class="muted">Phiên trù bị · ' in page, url
