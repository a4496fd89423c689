"""The documents API: multipart uploads and versions, the list, the read log, comments."""

from __future__ import annotations

import pytest

from conference.auth.service import Actor
from conference.documents import service
from conference.documents.schemas import CommentList, Document, DocumentList, DocumentReads
from conference.extensions import db
from tests.documents_files import pdf_bytes, png_bytes, upload
from tests.test_checkin import add_delegate

pytestmark = pytest.mark.english

MODELS = {model.__name__: model
          for model in (CommentList, Document, DocumentList, DocumentReads)}


@pytest.fixture
def boss(congress, create_user):
    return create_user(role="organizer", congress=congress)


@pytest.fixture
def caller(boss, api):
    return api(boss)


def post_document(caller, congress, **fields):
    data = {"title": "Dự thảo Báo cáo chính trị", "visibility": "delegates",
            "file": upload(pdf_bytes())} | fields
    return caller.post(f"/api/v1/congresses/{congress.id}/documents", data=data,
                       content_type="multipart/form-data")


def test_upload_answers_201_with_id_and_version(caller, congress, create_session):
    session = create_session(congress)
    response = post_document(caller, congress, category="political_report",
                             session_id=str(session.id))
    assert response.status_code == 201
    body = MODELS["Document"].model_validate(response.json).model_dump()
    assert body["version"] == 1 and body["id"] and body["session_id"] == session.id
    assert body["visibility"] == "delegates" and body["status"] == "draft"
    assert body["versions"][0]["kind"] == "pdf"
    listed = caller.get(f"/api/v1/congresses/{congress.id}/documents")
    MODELS["DocumentList"].model_validate(listed.json)
    assert [d["id"] for d in listed.json["documents"]] == [body["id"]]


def test_a_new_version(caller, congress):
    document_id = post_document(caller, congress).json["id"]
    response = caller.post(f"/api/v1/documents/{document_id}/versions",
                           data={"file": upload(png_bytes(), "so-do.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 201
    assert response.json["version"] == 2
    assert [v["number"] for v in response.json["versions"]] == [2, 1]


@pytest.mark.parametrize("fields, status, code, field", [
    ({"file": upload(png_bytes(), "renamed.pdf")}, 415, "type_mismatch", "file"),
    ({"file": upload(png_bytes()[:30], "broken.png")}, 415, "unsupported_file", "file"),
    ({"file": upload(b"\x13\x37" * 100, "random.pdf")}, 415, "unsupported_file", "file"),
    ({"file": upload(b"", "empty.pdf")}, 422, "empty_file", "file"),
    ({"visibility": "everyone"}, 422, "validation_failed", "visibility"),
    ({"title": ""}, 422, "validation_failed", "title"),
])
def test_bad_uploads(caller, congress, fields, status, code, field):
    response = post_document(caller, congress, **fields)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert field in response.json["error"]["fields"]


def test_missing_file_wrong_session_and_other_congress(caller, congress, create_congress,
                                                       create_session, api, create_user):
    missing = caller.post(f"/api/v1/congresses/{congress.id}/documents",
                          data={"title": "X", "visibility": "public"},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["error"]["code"] == "file_missing"
    other = create_congress()
    foreign_session = create_session(other)
    wrong = post_document(caller, congress, session_id=str(foreign_session.id))
    assert wrong.status_code == 422 and "session_id" in wrong.json["error"]["fields"]
    assert post_document(caller, other).status_code == 404
    theirs = post_document(api(create_user(role="organizer", congress=other)), other).json["id"]
    for response in (caller.get(f"/api/v1/documents/{theirs}/reads"),
                     caller.post(f"/api/v1/documents/{theirs}/versions",
                                 data={"file": upload(pdf_bytes())},
                                 content_type="multipart/form-data")):
        assert response.status_code == 404
    operator = api(create_user(role="operator", congress=congress))
    assert post_document(operator, congress).status_code == 403


def test_oversized_upload_is_413(make_app, create_congress, create_user, api):
    app = make_app(MAX_DOCUMENT_MB=1)
    with app.app_context():
        congress = create_congress()
        caller = api(create_user(role="organizer", congress=congress))
        caller_client = app.test_client()
        import io

        from werkzeug.datastructures import FileStorage
        from werkzeug.test import encode_multipart
        boundary, body = encode_multipart({"title": "Lớn", "file": FileStorage(
            io.BytesIO(pdf_bytes(pad=1024 * 1024 + 1)), "lon.pdf")})
        response = caller_client.post(
            f"/api/v1/congresses/{congress.id}/documents", data=body,
            headers={"Authorization": f"Bearer {caller.token}",
                     "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 413 and response.json["error"]["code"] == "too_large"


def test_reads_and_comments(caller, congress, boss, client):
    body = post_document(caller, congress).json
    delegate, token = add_delegate(congress)
    response = client.get(f"/b/{token}/documents/{body['id']}")
    response.close()
    reads = caller.get(f"/api/v1/documents/{body['id']}/reads")
    MODELS["DocumentReads"].model_validate(reads.json)
    assert (reads.json["total"], reads.json["readers"]) == (1, 1)
    assert reads.json["reads"][0]["delegate_id"] == delegate.id

    document = service.get_document(Actor(boss), body["id"])
    comment = service.send_comment(Actor(None), delegate, document.id,
                                   {"text": "<b>Góp ý</b>", "section": "II"})
    other = post_document(caller, congress, title="Khác").json["id"]
    service.send_comment(Actor(None), delegate, other, {"text": "Khác"})
    url = f"/api/v1/congresses/{congress.id}/comments"
    listed = caller.get(url, query_string={"document_id": body["id"]})
    MODELS["CommentList"].model_validate(listed.json)
    assert [c["text"] for c in listed.json["comments"]] == ["<b>Góp ý</b>"]
    service.set_comment_handled(Actor(boss), db.session.get(type(comment), comment.id), True)
    assert [c["text"] for c in caller.get(url, query_string={"handled": "false"}).json[
        "comments"]] == ["Khác"]
    assert len(caller.get(url).json["comments"]) == 2
    assert caller.get(url, query_string={"handled": "maybe"}).status_code == 422
    assert caller.get(url, query_string={"document_id": "x"}).status_code == 422


def test_an_official_only_document_through_the_api(caller, congress, client):
    """Organizers set it through the API; a guest's badge opens nothing of it."""
    from tests.test_checkin import add_delegate

    response = post_document(caller, congress, visibility="official")
    assert response.status_code == 201 and response.json["visibility"] == "official"
    _guest, guest_token = add_delegate(congress, category="guest")
    _official, official_token = add_delegate(congress)
    document_id = response.json["id"]
    assert client.get(f"/b/{guest_token}/documents/{document_id}").status_code == 404
    opened = client.get(f"/b/{official_token}/documents/{document_id}")
    assert opened.status_code == 200
    opened.close()
