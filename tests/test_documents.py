"""Documents: upload checked by content, versions, who may read what, serving (types, ranges,
headers), the read log and its export, comments on drafts, and the portal and public lists."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest

from conference.auth.service import Actor
from conference.badges.identity import reissue_badge
from conference.delegates.models import DelegateStatus
from conference.documents import service
from conference.documents.models import Document, DocumentComment, DocumentRead, DocumentVersion
from conference.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from conference.extensions import db
from tests.documents_files import (
    big_upload,
    office_bytes,
    pdf_bytes,
    png_bytes,
    real_pdf_bytes,
    upload,
)
from tests.test_checkin import add_delegate

pytestmark = pytest.mark.english


def fetch(client, url, **kwargs):
    """GET a file and close the response, as a WSGI server does (it holds the file open)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    db.session.expire_all()
    return response


@pytest.fixture
def boss(congress, create_user):
    return Actor(create_user(role="organizer", congress=congress))


def make_doc(actor, congress, data=None, content=None, filename="Báo cáo chính trị.pdf",
             **fields) -> Document:
    values = {"title": "Dự thảo Báo cáo chính trị", "visibility": "delegates"} | fields
    return service.create_document(actor, congress, values, filename,
                                   pdf_bytes() if content is None else content)


@pytest.fixture
def holder(congress):
    return add_delegate(congress, full_name="Lê Thị Minh Châu")


# --- upload, by content ----------------------------------------------------------------------


def test_accepted_kinds_are_judged_by_content_and_stored_under_server_names(boss, congress,
                                                                           app):
    kinds = {"pdf": (pdf_bytes(), "a.pdf"), "png": (png_bytes(), "anh.png"),
             "docx": (office_bytes(), "du-thao.docx"),
             "xlsx": (office_bytes("xl/workbook.xml"), "danh-sach.xlsx"),
             "jpeg": (None, "")}
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    kinds["jpeg"] = (buffer.getvalue(), "photo.jpeg")
    for kind, (data, name) in kinds.items():
        document = make_doc(boss, congress, content=data, filename=name)
        version = service.get_version(document)
        assert version.kind == kind and version.size == len(data)
        assert name.rsplit(".", 1)[0] in version.filename
        path = service.file_path(document, version)
        assert path.read_bytes() == data
        assert app.instance_path in str(path) and "static" not in str(path)
        assert re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|docx|xlsx|jpg)", path.name)


def test_a_file_whose_name_claims_another_kind_is_refused(boss, congress):
    with pytest.raises(UnsupportedMediaType) as refused:
        make_doc(boss, congress, content=png_bytes(), filename="renamed.pdf")
    assert refused.value.code == "type_mismatch"
    assert "named as PDF but its content is PNG" in refused.value.fields["file"]
    with pytest.raises(UnsupportedMediaType):
        make_doc(boss, congress, content=pdf_bytes(), filename="bao-cao.DOCX")
    # A name without a known extension: the content decides.
    document = make_doc(boss, congress, content=png_bytes(), filename="so-do")
    version = service.get_version(document)
    assert version.kind == "png" and version.filename == "so-do.png"
    assert version.content_type == "image/png"


@pytest.mark.parametrize("data", [
    b"\x00\x01random bytes that are no document" * 10,
    b"PK\x03\x04 not really a zip",
    office_bytes("other/thing.xml"),  # a zip, but not an Office file
    b"\x89PNG\r\n\x1a\n broken png",
    b"<html><script>alert(1)</script></html>",
])
def test_files_that_are_not_what_they_claim_are_refused(boss, congress, data):
    with pytest.raises(UnsupportedMediaType) as refused:
        make_doc(boss, congress, content=data, filename="bao-cao.pdf")
    assert refused.value.status == 415 and refused.value.code == "unsupported_file"
    assert "PDF" in refused.value.fields["file"]
    assert db.session.scalar(db.select(db.func.count(Document.id))) == 0


def test_empty_and_oversized_files_are_refused(make_app, create_congress, create_user):
    app = make_app(MAX_DOCUMENT_MB=1, DEFAULT_LOCALE="en")
    with app.app_context():
        congress = create_congress()
        boss = Actor(create_user(role="organizer", congress=congress))
        with pytest.raises(ValidationFailed) as empty:
            make_doc(boss, congress, content=b"")
        assert empty.value.code == "empty_file" and "empty" in empty.value.message
        with pytest.raises(PayloadTooLarge) as large:
            make_doc(boss, congress, content=pdf_bytes(pad=1024 * 1024))
        assert large.value.status == 413 and "larger than 1 MB" in large.value.message
        client = app.test_client()
        client.post("/login", data={"username": boss.user.username,
                                    "password": "correct horse battery"})
        body, content_type = big_upload({"title": "Lớn", "visibility": "delegates",
                                         "category": "other", "status": "draft"},
                                        pdf_bytes(pad=1024 * 1024))
        response = client.post(f"/manage/{congress.id}/documents", data=body,
                               content_type=content_type)
        assert response.status_code == 413
        assert "larger than 1 MB" in response.get_data(as_text=True)
        assert not list((Path(app.instance_path) / "documents").glob("*/*"))


def test_wrong_metadata_is_refused_before_the_file_is_kept(boss, congress, create_congress,
                                                          create_session):
    other_session = create_session(create_congress())
    with pytest.raises(ValidationFailed) as wrong:
        make_doc(boss, congress, visibility="everybody")
    assert "visibility" in wrong.value.fields
    with pytest.raises(ValidationFailed) as foreign:
        make_doc(boss, congress, session_id=other_session.id)
    assert "session_id" in foreign.value.fields
    with pytest.raises(ValidationFailed):
        make_doc(boss, congress, title="  ")
    own = create_session(congress)
    assert make_doc(boss, congress, session_id=str(own.id)).session_id == own.id


def test_only_organizers_manage_documents(congress, create_user, create_congress, boss):
    operator = Actor(create_user(role="operator", congress=congress))
    stranger = Actor(create_user(role="organizer", congress=create_congress()))
    with pytest.raises(Forbidden):
        make_doc(operator, congress)
    with pytest.raises(NotFound):
        make_doc(stranger, congress)
    document = make_doc(boss, congress)
    with pytest.raises(NotFound):
        service.get_document(stranger, document.id)


# --- versions ----------------------------------------------------------------------------------


def test_a_new_version_supersedes_and_the_old_stays_listed(boss, congress, holder):
    delegate, _token = holder
    document = make_doc(boss, congress)
    first = service.get_version(document)
    second = service.add_version(boss, document, "v2.docx", office_bytes())
    assert document.current_version == 2 and second.number == 2 and second.kind == "docx"
    assert [v.number for v in document.versions] == [2, 1]
    assert service.get_version(document, 1).sha256 == first.sha256
    entry = service.delegate_documents(delegate)[0]
    assert entry.version.number == 2 and entry.change == "new"
    service.record_read(delegate, document)
    assert service.delegate_documents(delegate)[0].change == ""
    service.add_version(boss, document, "v3.pdf", pdf_bytes("v3"))
    assert service.delegate_documents(delegate)[0].change == "updated"


def test_delete_removes_versions_files_reads_and_comments(boss, congress, holder):
    delegate, _token = holder
    document = make_doc(boss, congress)
    service.add_version(boss, document, "b.pdf", pdf_bytes("b"))
    paths = [service.file_path(document, v) for v in document.versions]
    service.record_read(delegate, document)
    service.send_comment(boss, delegate, document.id, {"text": "Góp ý"})
    service.delete_document(boss, document)
    assert not any(path.exists() for path in paths)
    assert db.session.scalar(db.select(db.func.count(DocumentRead.id))) == 0
    assert db.session.scalar(db.select(db.func.count(DocumentComment.id))) == 0


# --- who may read what -------------------------------------------------------------------------


def test_visibility_for_delegates_the_public_and_other_congresses(boss, congress, holder,
                                                                  create_congress, client):
    delegate, token = holder
    public = make_doc(boss, congress, title="Public", visibility="public")
    delegates = make_doc(boss, congress, title="Delegates", visibility="delegates")
    organizers = make_doc(boss, congress, title="Organizers", visibility="organizers")
    other = create_congress()
    other_boss = Actor(boss.user)
    from conference.auth.models import Membership
    db.session.add(Membership(user_id=boss.user.id, congress_id=other.id, role="organizer"))
    db.session.commit()
    foreign = make_doc(other_boss, other, title="Foreign", visibility="public")

    assert [e.document.title for e in service.delegate_documents(delegate)] == [
        "Delegates", "Public"]
    assert fetch(client, f"/b/{token}/documents/{public.id}").status_code == 200
    assert fetch(client, f"/b/{token}/documents/{delegates.id}").status_code == 200
    assert fetch(client, f"/b/{token}/documents/{organizers.id}").status_code == 404
    assert fetch(client, f"/b/{token}/documents/{foreign.id}").status_code == 404
    assert client.get(f"/b/{token}/documents/999999").status_code == 404

    slug = congress.slug
    assert fetch(client, f"/c/{slug}/documents/{public.id}").status_code == 200
    assert fetch(client, f"/c/{slug}/documents/{delegates.id}").status_code == 404
    assert fetch(client, f"/c/{slug}/documents/{organizers.id}").status_code == 404
    assert fetch(client, f"/c/{slug}/documents/{foreign.id}").status_code == 404
    congress.published = False
    db.session.commit()
    assert fetch(client, f"/c/{slug}/documents/{public.id}").status_code == 404

    delegate.status = DelegateStatus.WITHDRAWN
    db.session.commit()
    assert [e.document.title for e in service.delegate_documents(delegate)] == ["Public"]
    assert fetch(client, f"/b/{token}/documents/{delegates.id}").status_code == 404


def test_official_documents_are_read_by_official_delegates_only(boss, congress, holder, client):
    """Issue 11, item 15: the categories that count for the quorum, and no one else."""
    official, official_token = holder
    guest, guest_token = add_delegate(congress, full_name="Võ Thanh Bình", category="guest")
    secret = make_doc(boss, congress, title="Dự thảo nhân sự", visibility="official")
    make_doc(boss, congress, title="Chương trình", visibility="delegates")

    assert [e.document.title for e in service.delegate_documents(official)] == [
        "Chương trình", "Dự thảo nhân sự"]
    assert "Dự thảo nhân sự" in client.get(f"/b/{official_token}").get_data(as_text=True)
    assert fetch(client, f"/b/{official_token}/documents/{secret.id}").status_code == 200
    assert client.get(f"/b/{official_token}/documents/{secret.id}/comment").status_code == 200

    assert [e.document.title for e in service.delegate_documents(guest)] == ["Chương trình"]
    assert "Dự thảo nhân sự" not in client.get(f"/b/{guest_token}").get_data(as_text=True)
    assert fetch(client, f"/b/{guest_token}/documents/{secret.id}").status_code == 404
    assert client.get(f"/b/{guest_token}/documents/{secret.id}/comment").status_code == 404
    assert client.post(f"/b/{guest_token}/documents/{secret.id}/comment",
                       data={"text": "Góp ý"}).status_code == 404
    assert fetch(client, f"/c/{congress.slug}/documents/{secret.id}").status_code == 404

    official.status = DelegateStatus.WITHDRAWN
    db.session.commit()
    assert fetch(client, f"/b/{official_token}/documents/{secret.id}").status_code == 404


def test_the_document_form_offers_official_delegates_only(client, organizer, congress):
    page = client.get(f"/manage/{congress.id}/documents").get_data(as_text=True)
    assert '<option value="official">official delegates only' in page


def test_unknown_and_replaced_badges_get_no_document(boss, congress, holder, client):
    delegate, token = holder
    document = make_doc(boss, congress)
    unknown = fetch(client, f"/b/{'B' * 22}/documents/{document.id}")
    assert unknown.status_code == 404 and "not known" in unknown.get_data(as_text=True)
    reissue_badge(boss, delegate)
    gone = fetch(client, f"/b/{token}/documents/{document.id}")
    assert gone.status_code == 410 and "replaced" in gone.get_data(as_text=True)
    assert gone.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(db.select(db.func.count(DocumentRead.id))) == 0


def test_guessing_document_addresses_is_rate_limited(make_app, create_user):
    app = make_app(PORTAL_MISS_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        statuses = [client.get(f"/b/{'C' * 22}/documents/1").status_code for _ in range(5)]
    assert statuses[:3] == [404] * 3 and statuses[3:] == [429, 429]


# --- serving -----------------------------------------------------------------------------------


def test_a_pdf_opens_inline_with_a_utf8_name_ranges_and_a_read_log_entry(boss, congress,
                                                                         holder, client):
    delegate, token = holder
    document = make_doc(boss, congress)
    data = service.file_path(document, service.get_version(document)).read_bytes()
    response = fetch(client, f"/b/{token}/documents/{document.id}")
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20ch%C3%ADnh%20tr%E1%BB%8B.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Accept-Ranges"] == "bytes"

    part = fetch(client, f"/b/{token}/documents/{document.id}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    reads = db.session.scalars(db.select(DocumentRead)).all()
    assert len(reads) == 1  # the second part of the same download is not another open
    assert (reads[0].delegate_id, reads[0].version) == (delegate.id, 1)
    fetch(client, f"/b/{token}/documents/{document.id}", headers={"Range": "bytes=0-99"})
    assert db.session.scalar(db.select(db.func.count(DocumentRead.id))) == 2


def test_other_kinds_download_as_attachments(boss, congress, holder, client):
    _delegate, token = holder
    document = make_doc(boss, congress, content=office_bytes("xl/workbook.xml"),
                        filename="../../etc/Danh sách\n.xlsx", visibility="public")
    response = fetch(client, f"/b/{token}/documents/{document.id}")
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "etc" not in disposition.split(";")[0]
    assert "\n" not in disposition and "/" not in service.get_version(document).filename
    public = fetch(client, f"/c/{congress.slug}/documents/{document.id}")
    assert public.status_code == 200 and public.headers["X-Content-Type-Options"] == "nosniff"
    assert public.headers["Content-Disposition"].startswith("attachment;")


# --- organizer pages ---------------------------------------------------------------------------


def test_organizers_upload_edit_version_and_delete_through_the_pages(client, congress,
                                                                    organizer, create_session):
    session = create_session(congress)
    assert client.get(f"/manage/{congress.id}/documents").status_code == 200
    response = client.post(f"/manage/{congress.id}/documents", data={
        "title": "Báo cáo kiểm điểm", "category": "review_report", "visibility": "delegates",
        "status": "draft", "session_id": str(session.id), "file": upload(pdf_bytes())},
        content_type="multipart/form-data")
    assert response.status_code == 302
    document = db.session.scalars(db.select(Document)).one()
    assert (document.category, document.session_id) == ("review_report", session.id)
    page = client.get(f"/manage/{congress.id}/documents").get_data(as_text=True)
    assert "Báo cáo kiểm điểm" in page and "review report" in page

    refused = client.post(f"/manage/{congress.id}/documents", data={
        "title": "Ảnh", "category": "other", "visibility": "public", "status": "draft",
        "file": upload(b"not a pdf at all", "x.pdf")}, content_type="multipart/form-data")
    assert refused.status_code == 415 and "whatever its name says" in refused.get_data(
        as_text=True)
    empty = client.post(f"/manage/{congress.id}/documents", data={
        "title": "Rỗng", "category": "other", "visibility": "public", "status": "draft",
        "file": upload(b"", "x.pdf")}, content_type="multipart/form-data")
    assert empty.status_code == 422

    edit_url = f"/manage/documents/{document.id}/edit"
    assert client.get(edit_url).status_code == 200
    saved = client.post(edit_url, data={"title": "Báo cáo kiểm điểm BCH", "category": "other",
                                        "visibility": "public", "status": "final",
                                        "session_id": ""})
    assert saved.status_code == 302
    db.session.expire_all()
    assert (document.title, document.status, document.session_id) == (
        "Báo cáo kiểm điểm BCH", "final", None)
    wrong = client.post(edit_url, data={"title": "X", "category": "other",
                                        "visibility": "nobody", "status": "final"})
    assert wrong.status_code == 422
    version = client.post(f"/manage/documents/{document.id}/versions",
                          data={"file": upload(pdf_bytes("v2"))},
                          content_type="multipart/form-data")
    db.session.expire_all()
    assert version.status_code == 302 and document.current_version == 2
    bad_version = client.post(f"/manage/documents/{document.id}/versions",
                              data={"file": upload(png_bytes()[:20], "x.png")},
                              content_type="multipart/form-data")
    assert bad_version.status_code == 415
    old = fetch(client, f"/manage/documents/{document.id}/versions/1")
    assert old.status_code == 200 and old.headers["Cache-Control"] == "private, no-store"
    assert fetch(client, f"/manage/documents/{document.id}/versions/9").status_code == 404
    assert client.post(f"/manage/documents/{document.id}/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count(Document.id))) == 0


def test_pages_of_another_congress_are_not_found(client, organizer, create_congress,
                                                 create_user):
    other = create_congress()
    document = make_doc(Actor(create_user(role="organizer", congress=other)), other)
    for url in (f"/manage/{other.id}/documents", f"/manage/documents/{document.id}/edit",
                f"/manage/documents/{document.id}/versions/1",
                f"/manage/{other.id}/documents/reads", f"/manage/{other.id}/comments"):
        assert client.get(url).status_code == 404, url


# --- read log ----------------------------------------------------------------------------------


def test_read_log_counts_per_document_and_delegate_and_exports_csv(client, congress,
                                                                   organizer):
    boss = Actor(organizer)
    _first, token = add_delegate(congress, full_name="Nguyễn Văn An", delegation="=SUM(A1)")
    _second, token2 = add_delegate(congress, full_name="Trần Thị Bình")
    document = make_doc(boss, congress)
    for t in (token, token, token2):
        fetch(client, f"/b/{t}/documents/{document.id}")
    counts = service.read_counts(boss, congress)
    assert (counts["per_document"][document.id].reads,
            counts["per_document"][document.id].readers) == (3, 2)
    assert {d.full_name: reads for d, reads, _docs, _last in counts["per_delegate"]} == {
        "Nguyễn Văn An": 2, "Trần Thị Bình": 1}
    page = client.get(f"/manage/{congress.id}/documents/reads").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" in page
    export = client.get(f"/manage/{congress.id}/documents/reads.csv")
    assert export.status_code == 200 and export.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Code", "Full name"]
    an = next(row for row in rows if row[1] == "Nguyễn Văn An")
    assert an[2] == "'=SUM(A1)" and an[4] == "2" and an[5] == "1"


# --- comments ----------------------------------------------------------------------------------


def test_a_delegate_comments_on_a_draft_through_the_portal(client, congress, organizer):
    delegate, token = add_delegate(congress)
    document = make_doc(Actor(organizer), congress)
    form = client.get(f"/b/{token}/documents/{document.id}/comment")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    html_text = "<script>alert('x')</script> <b>Mục 2</b>"
    sent = client.post(f"/b/{token}/documents/{document.id}/comment",
                       data={"section": "Phần II", "text": html_text})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("#documents")
    db.session.expire_all()
    comment = db.session.scalars(db.select(DocumentComment)).one()
    assert (comment.text, comment.section, comment.delegate_id, comment.version) == (
        html_text, "Phần II", delegate.id, 1)
    page = client.get(f"/manage/{congress.id}/comments").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page and "<script>alert" not in page


def test_bad_comments_are_refused(client, congress, organizer):
    _delegate, token = add_delegate(congress)
    document = make_doc(Actor(organizer), congress)
    url = f"/b/{token}/documents/{document.id}/comment"
    long = client.post(url, data={"text": "x" * (service.MAX_COMMENT_LENGTH + 1)})
    assert long.status_code == 422 and "At most 4000 characters" in long.get_data(as_text=True)
    assert client.post(url, data={"text": "   "}).status_code == 422
    document.status = "final"
    db.session.commit()
    final = client.post(url, data={"text": "Muộn rồi"})
    assert final.status_code == 409 and "comments are closed" in final.get_data(as_text=True)
    assert "comments are closed" in client.get(url).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(DocumentComment.id))) == 0
    with pytest.raises(Conflict) as refused:
        service.send_comment(Actor(None), _delegate, document.id, {"text": "x"})
    assert refused.value.code == "document_final"


def test_the_comment_form_carries_a_csrf_token(make_app, create_congress, create_user):
    app = make_app(WTF_CSRF_ENABLED=True, DEFAULT_LOCALE="en")
    with app.app_context():
        congress = create_congress()
        _delegate, token = add_delegate(congress)
        document = make_doc(Actor(create_user(admin=True)), congress)
        client = app.test_client()
        url = f"/b/{token}/documents/{document.id}/comment"
        assert client.post(url, data={"text": "Không có mã"}).status_code == 400
        html = client.get(url).get_data(as_text=True)
        csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post(url, data={"text": "Có mã", "csrf_token": csrf}).status_code == 303


def test_organizers_filter_handle_and_export_comments(client, congress, organizer):
    boss = Actor(organizer)
    delegate, _token = add_delegate(congress, full_name="Phạm Văn Cường")
    first = make_doc(boss, congress, title="Báo cáo A")
    second = make_doc(boss, congress, title="Báo cáo B")
    a = service.send_comment(boss, delegate, first.id, {"text": "=1+1", "section": "I"})
    service.send_comment(boss, delegate, second.id, {"text": "Góp ý B"})
    assert [c.text for c in service.list_comments(boss, congress, document_id=first.id)] == [
        "=1+1"]
    response = client.post(f"/manage/comments/{a.id}/handled",
                           data={"handled": "1", "back": f"/manage/{congress.id}/comments"})
    db.session.expire_all()
    assert response.status_code == 302 and a.handled and a.handled_by_id == organizer.id
    assert [c.text for c in service.list_comments(boss, congress, handled=False)] == ["Góp ý B"]
    page = client.get(f"/manage/{congress.id}/comments?handled=yes").get_data(as_text=True)
    assert "=1+1" in page and "Góp ý B" not in page
    exported = client.get(f"/manage/{congress.id}/comments.csv?document_id={first.id}")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 2 and "'=1+1" in rows[1] and "Phạm Văn Cường" in rows[1]
    xlsx = client.get(f"/manage/{congress.id}/comments.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    texts = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == ["=1+1", "Góp ý B"]
    assert sheet["H2"].data_type == "s"
    client.post(f"/manage/comments/{a.id}/handled", data={"handled": "0"})
    db.session.expire_all()
    assert not a.handled and a.handled_at is None


# --- portal and public lists -------------------------------------------------------------------


def test_the_portal_lists_documents_with_what_changed(client, congress, holder, boss):
    _delegate, token = holder
    draft = make_doc(boss, congress, title="Dự thảo Báo cáo chính trị")
    final = make_doc(boss, congress, title="Chương trình", status="final")
    make_doc(boss, congress, title="Nội bộ", visibility="organizers")
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert 'id="documents"' in html and "Nội bộ" not in html
    assert html.count(">new<") == 2
    assert f"/b/{token}/documents/{draft.id}/comment" in html
    assert f"/b/{token}/documents/{final.id}/comment" not in html
    fetch(client, f"/b/{token}/documents/{draft.id}")
    service.add_version(boss, draft, "v2.pdf", pdf_bytes("v2"))
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert "updated since you last opened it" in html and html.count(">new<") == 1
    # Newest version first: the draft's new version moves it to the top.
    assert html.index("Dự thảo Báo cáo chính trị") < html.index("Chương trình")


def test_the_public_page_lists_only_public_documents(client, congress, boss):
    make_doc(boss, congress, title="Công khai", visibility="public")
    make_doc(boss, congress, title="Cho đại biểu", visibility="delegates")
    html = client.get(f"/c/{congress.slug}").get_data(as_text=True)
    assert "Công khai" in html and "Cho đại biểu" not in html


def test_two_versions_at_once_keep_one_and_leave_no_orphan_file(boss, congress, app):
    document = make_doc(boss, congress)
    assert len(document.versions) == 1  # as this request read them
    # Another request stored version 2 in between: this one computes the same number.
    db.session.execute(db.insert(DocumentVersion).values(
        document_id=document.id, number=2, filename="x.pdf", stored_name="0" * 32 + ".pdf",
        kind="pdf", size=1, sha256="0" * 64, uploaded_at=document.created_at))
    folder = Path(app.instance_path) / "documents" / str(congress.id)
    before = set(folder.iterdir())
    with pytest.raises(Conflict) as refused:
        service.add_version(boss, document, "v2.pdf", pdf_bytes("v2"))
    assert refused.value.code == "version_conflict"
    assert set(folder.iterdir()) == before


def test_a_first_page_thumbnail_for_pdfs_and_images(boss, congress, client, organizer):
    from PIL import Image

    pdf = make_doc(boss, congress, content=real_pdf_bytes(), visibility="public")
    thumb = client.get(f"/manage/documents/{pdf.id}/thumbnail.png")
    assert thumb.status_code == 200 and thumb.mimetype == "image/png"
    picture = Image.open(io.BytesIO(thumb.data))
    assert picture.width == 240 and picture.getpixel((120, 200))[:3] == (255, 0, 0)
    public = client.get(f"/c/{congress.slug}/documents/{pdf.id}/thumbnail.png")
    assert public.status_code == 200
    assert f"/c/{congress.slug}/documents/{pdf.id}/thumbnail.png" in client.get(
        f"/c/{congress.slug}").get_data(as_text=True)
    image = make_doc(boss, congress, content=png_bytes(), filename="so-do.png")
    assert client.get(f"/manage/documents/{image.id}/thumbnail.png").status_code == 200
    assert "thumbnail.png" in client.get(f"/manage/{congress.id}/documents").get_data(
        as_text=True)
    # A file poppler cannot draw, or a Word file: no thumbnail, and the upload still works.
    for content, name in ((pdf_bytes(), "a.pdf"), (office_bytes(), "b.docx")):
        other = make_doc(boss, congress, content=content, filename=name)
        assert client.get(f"/manage/documents/{other.id}/thumbnail.png").status_code == 404
    hidden = make_doc(boss, congress, content=real_pdf_bytes(), visibility="delegates")
    assert client.get(f"/c/{congress.slug}/documents/{hidden.id}/thumbnail.png"
                      ).status_code == 404
    drawn = service.thumbnail(pdf)
    service.delete_document(boss, pdf)
    assert drawn is not None and not drawn.exists()
