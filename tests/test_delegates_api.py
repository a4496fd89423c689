"""The delegates API: register, list with filters, read, change, withdraw, import a file."""

from __future__ import annotations

import io

import pytest

from conference.api.spec import Error
from conference.auth.service import Actor
from conference.badges.identity import find_badge
from conference.checkin.service import check_in_delegate
from conference.delegates import schemas, service
from conference.delegates.models import Delegate
from conference.extensions import db

pytestmark = pytest.mark.english

MODELS = {"Delegate": schemas.Delegate, "DelegateList": schemas.DelegateList, "Error": Error,
          "ImportResult": schemas.ImportResult}
LIST = ("\ufeffMã đại biểu,Họ và tên,Loại đại biểu,Điện thoại\n"
        "DB001,Lê Anh Khánh,Chính thức,0981924865\n"
        "DB002,Hồ Thu Hương,Khách mời,\n").encode()


@pytest.fixture
def organizer(congress, create_user, api):
    return api(create_user(role="organizer", congress=congress))


@pytest.fixture
def staff(congress, create_user, api):
    return api(create_user(role="checkin", congress=congress))


def url(congress, tail: str = "") -> str:
    return f"/api/v1/congresses/{congress.id}/delegates{tail}"


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(Delegate.id)))


def test_register_answers_the_code_and_the_portal_url(organizer, congress):
    response = organizer.post(url(congress), json={"full_name": "Nguyễn Văn Trường",
                                                   "category": "guest", "phone": "0912345678"})
    assert response.status_code == 201
    body = MODELS["Delegate"].model_validate(response.json).model_dump()
    assert body["code"] == "DB0001" and body["category"] == "guest"
    assert body["portal_url"].startswith("http://localhost/b/")
    token = body["portal_url"].rsplit("/", 1)[1]
    assert find_badge(token).id == body["id"]


def test_the_portal_url_uses_public_url(make_app, create_user, create_congress, api):
    app = make_app(PUBLIC_URL="https://daihoi.example.vn")
    with app.app_context():
        congress = create_congress()
        caller = api(create_user(role="organizer", congress=congress))
        caller_client = app.test_client()
        response = caller_client.post(url(congress), json={"full_name": "Lê Văn Hùng"},
                                      headers={"Authorization": f"Bearer {caller.token}"})
        assert response.json["portal_url"].startswith("https://daihoi.example.vn/b/")


@pytest.mark.parametrize(("body", "status", "fields"), [
    ({}, 422, {"full_name"}),
    ({"full_name": ""}, 422, {"full_name"}),
    ({"full_name": "Lê\x1b[31m Hùng"}, 422, {"full_name"}),  # control characters
    ({"full_name": "A", "notes": "a\x85b"}, 422, {"notes"}),
    ({"full_name": "A", "category": "press"}, 422, {"category"}),
    ({"full_name": "A", "gender": "other"}, 422, {"gender"}),
    ({"full_name": "A", "badge_serial": 9}, 422, {"badge_serial"}),
    ({"full_name": "A", "code": "DB001"}, 409, {"code"}),
])
def test_bad_registrations_are_refused_field_by_field(organizer, congress, body, status, fields):
    organizer.post(url(congress), json={"full_name": "Người đầu", "code": "DB001"})
    response = organizer.post(url(congress), json=body)
    assert response.status_code == status
    assert set(response.json["error"]["fields"]) == fields
    MODELS["Error"].model_validate(response.json)
    assert count() == 1


@pytest.fixture
def three(congress, create_user):
    admin = Actor(create_user(admin=True))
    made = [service.create_delegate(admin, congress, values) for values in (
        {"full_name": "Nguyễn Văn Trường", "code": "DB001", "delegation": "Đoàn Kỳ Anh"},
        {"full_name": "Trương Thị Lan", "code": "DB002", "category": "guest"},
        {"full_name": "Lê An", "code": "DB003", "delegation": "Đoàn Kỳ Anh"})]
    check_in_delegate(admin, made[0])
    return made


def codes(response) -> list[str]:
    assert response.status_code == 200, response.json
    MODELS["DelegateList"].model_validate(response.json)
    return [d["code"] for d in response.json["delegates"]]


def test_list_with_filters(organizer, congress, three):
    assert codes(organizer.get(url(congress))) == ["DB003", "DB002", "DB001"]  # by given name
    assert codes(organizer.get(url(congress), query_string={"q": "truong"})) == [
        "DB002", "DB001"]
    assert codes(organizer.get(url(congress), query_string={"category": "guest"})) == ["DB002"]
    assert codes(organizer.get(url(congress), query_string={"present": "true"})) == ["DB001"]
    assert codes(organizer.get(url(congress), query_string={"present": "false"})) == [
        "DB003", "DB002"]
    assert codes(organizer.get(url(congress), query_string={
        "delegation": "Đoàn Kỳ Anh", "sort": "code"})) == ["DB001", "DB003"]
    page = organizer.get(url(congress), query_string={"page_size": 2, "page": 2}).json
    assert (page["total"], page["pages"], page["page"], len(page["delegates"])) == (3, 2, 2, 1)


@pytest.mark.parametrize("query", [{"present": "maybe"}, {"page": "0"}, {"page_size": "x"}])
def test_bad_list_parameters(organizer, congress, query):
    response = organizer.get(url(congress), query_string=query)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == set(query)


def test_checkin_staff_read_but_get_no_badge_tokens(staff, congress, three):
    listing = staff.get(url(congress)).json["delegates"]
    assert {d["portal_url"] for d in listing} == {None}
    one = staff.get(f"/api/v1/delegates/{three[0].id}")
    assert one.status_code == 200 and one.json["portal_url"] is None
    assert staff.patch(f"/api/v1/delegates/{three[0].id}", json={"seat": "A1"}).status_code == 403
    assert staff.post(url(congress), json={"full_name": "X"}).status_code == 403


def test_read_and_change_one(organizer, three):
    delegate = three[1]
    assert organizer.get(f"/api/v1/delegates/{delegate.id}").json["full_name"] == "Trương Thị Lan"
    response = organizer.patch(f"/api/v1/delegates/{delegate.id}",
                               json={"seat": "B12", "status": "confirmed"})
    assert response.status_code == 200
    assert (response.json["seat"], response.json["status"]) == ("B12", "confirmed")
    assert response.json["full_name"] == "Trương Thị Lan"  # left out: kept
    taken = organizer.patch(f"/api/v1/delegates/{delegate.id}", json={"code": "DB001"})
    assert taken.status_code == 409 and taken.json["error"]["code"] == "code_taken"
    assert organizer.get("/api/v1/delegates/999999").status_code == 404


def test_delete_withdraws_and_purge_erases_only_the_never_checked_in(organizer, three):
    came, never = three[0], three[2]
    withdrawn = organizer.delete(f"/api/v1/delegates/{came.id}")
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    refused = organizer.delete(f"/api/v1/delegates/{came.id}", query_string={"purge": "true"})
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "delegate_checked_in"
    erased = organizer.delete(f"/api/v1/delegates/{never.id}", query_string={"purge": "true"})
    assert erased.status_code == 204 and erased.data == b""
    assert count() == 2


def upload(caller, congress, data: bytes, name: str = "danh-sach.csv", **query):
    return caller.post(url(congress, "/import"), query_string=query,
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_then_import_again(organizer, congress):
    dry = upload(organizer, congress, LIST, dry_run="true")
    assert dry.status_code == 200
    assert dry.json == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert count() == 0
    done = upload(organizer, congress, LIST)
    assert MODELS["ImportResult"].model_validate(done.json).created == 2
    again = upload(organizer, congress, LIST.replace(b"0981924865", b"0981000000"))
    assert again.json == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    assert count() == 2


def test_an_import_with_problems_is_422_with_every_problem_and_writes_nothing(organizer,
                                                                                congress):
    data = LIST + "DB001,Trùng mã,Chính thức,\n,,Khách mời,\n".encode()
    response = upload(organizer, congress, data)
    assert response.status_code == 422
    MODELS["Error"].model_validate(response.json)
    assert response.json["error"]["code"] == "invalid_rows"
    assert response.json["errors"] == [
        {"row": 4, "column": "Mã đại biểu", "message": "The code DB001 is also on row 2."},
        {"row": 5, "column": "Họ và tên", "message": "This field is required."}]
    assert count() == 0


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"%PDF-1.5\nnot a list", 415, "unsupported_file"),
    (b"", 422, "unreadable_file"),
    ("Họ và tên\nNguyễn Văn Trường\n".encode("utf-16-le"), 415, "unsupported_file"),
    (b"H\xe1 v\xe0 t\xean\nNguy\xean\n", 422, "unreadable_file"),
    ("Mã,Đơn vị\nDB1,X\n".encode(), 422, "unreadable_file"),
])
def test_unreadable_files(organizer, congress, data, status, code):
    response = upload(organizer, congress, data)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["fields"]["file"] == response.json["error"]["message"]
    assert count() == 0


def test_an_import_without_a_file(organizer, congress):
    response = organizer.post(url(congress, "/import"), data={},
                              content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["error"]["code"] == "file_missing"


def test_checkin_staff_cannot_import(staff, congress):
    assert upload(staff, congress, LIST).status_code == 403
    assert count() == 0
