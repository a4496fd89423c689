"""Slips a reader trips over: file sizes, a label borrowed from another meaning, English leaks."""

from __future__ import annotations

import pytest

from conference.auth.models import User
from conference.auth.service import Actor
from conference.database import prepare_first_start
from conference.documents import service
from conference.extensions import db
from conference.i18n import format_size
from tests.documents_files import pdf_bytes, upload
from tests.test_checkin import add_delegate


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


@pytest.mark.parametrize("form", ["streams/new", "scenes/new/clock"])
def test_time_fields_name_the_time_zone_in_words(client, congress, organizer, form):
    page = client.get(f"/manage/{congress.id}/{form}").text
    assert "Thời gian tính theo Giờ Việt Nam" in page and "Asia/Ho_Chi_Minh" not in page
    client.get("/lang/en")
    assert "Time in Vietnam Time" in client.get(f"/manage/{congress.id}/{form}").text


def test_an_error_page_says_what_happened_in_words_not_a_bare_number(client, congress, organizer):
    response = client.get("/manage/999999/")
    assert response.status_code == 404
    assert "<h1>Không tìm thấy</h1>" in response.text and "<h1>404</h1>" not in response.text
    assert "Mã lỗi: 404" in response.text
    client.get("/lang/en")
    assert "<h1>Not found</h1>" in client.get("/manage/999999/").text


def test_a_forbidden_page_is_headed_not_allowed(client, congress, create_user, login):
    login(create_user(role="checkin", congress=congress))
    response = client.get(f"/manage/{congress.id}/edit")
    assert response.status_code == 403 and "<h1>Không có quyền</h1>" in response.text


def test_document_opens_read_as_a_sentence_in_each_language(client, congress, organizer):
    document = service.create_document(Actor(organizer), congress, {
        "title": "Dự thảo Báo cáo chính trị", "visibility": "delegates"}, "a.pdf", pdf_bytes())
    service.record_read(add_delegate(congress, full_name="Lê Thị Minh Châu")[0], document)
    page = client.get(f"/manage/{congress.id}/documents").text
    assert "1 đại biểu đã mở 1 lần" in page and "bởi" not in page
    client.get("/lang/en")
    assert "Opened 1 time by 1 delegate<" in client.get(f"/manage/{congress.id}/documents").text


def test_user_rights_and_audit_words_match_the_rest_of_the_app(client, create_user, login):
    login(create_user(admin=True))
    assert "Được phép tạo đại hội" in client.get("/admin/users").text
    audit = client.get("/admin/audit").text
    assert "Cấp lại địa chỉ màn hình" in audit and "địa chỉ kiosk" not in audit


def test_a_livestream_for_the_whole_congress_is_written_like_elsewhere(client, congress, organizer):
    page = client.get(f"/manage/{congress.id}/streams/new").text
    assert "Toàn bộ đại hội" in page and "Toàn bộ Đại hội" not in page


def test_the_screens_console_calls_live_updates_what_other_pages_call_them(client, congress,
                                                                          organizer):
    page = client.get(f"/manage/{congress.id}/screens").text
    assert "Trực tiếp: trạng thái tự động cập nhật." in page and "Trực tuyến" not in page
    assert "Thời gian hiện (giây)" in page and "Hiện trong" not in page


def test_the_organizing_committee_is_named_as_a_committee(client, congress, create_user, login):
    login(create_user(admin=True))
    roles = client.get("/admin/users/1").text
    assert "thành viên Ban Tổ chức" in roles and "cán bộ điểm danh" in roles
    assert "ban tổ chức" not in roles and "người làm thủ tục" not in roles
    assert "chỉ Ban Tổ chức" in client.get(f"/manage/{congress.id}/documents").text


def test_a_form_with_mistakes_points_at_boxes_not_database_fields(client, congress, organizer):
    page = client.post(f"/manage/{congress.id}/streams/new", data={"url": "javascript:x"}).text
    assert "Vui lòng sửa các ô được đánh dấu." in page and "các trường" not in page


def test_the_congress_time_zone_is_chosen_by_name_not_typed_as_a_code(client, congress, organizer):
    page = client.get(f"/manage/{congress.id}/edit").text
    chooser = page[page.index('<select id="f-timezone"'):]
    chooser = chooser[:chooser.index("</select>")]
    assert '<option value="Asia/Ho_Chi_Minh" selected>Giờ Việt Nam</option>' in chooser
    assert ">Giờ Pháp</option>" in chooser and ">Europe/Paris<" not in chooser
    client.get("/lang/en")
    assert '<option value="Asia/Ho_Chi_Minh" selected>Vietnam Time</option>' in client.get(
        f"/manage/{congress.id}/edit").text


def test_a_stored_zone_outside_the_list_stays_chosen(client, create_congress, create_user, login):
    congress = create_congress(timezone="UTC")
    login(create_user(role="organizer", congress=congress))
    assert '<option value="UTC" selected>UTC</option>' in client.get(
        f"/manage/{congress.id}/edit").text
