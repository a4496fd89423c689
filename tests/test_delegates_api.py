"""The delegates API: register, list with filters, read, change, withdraw, import a file."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from flask_babel import force_locale

from conference.api.spec import Error
from conference.auth.service import Actor
from conference.badges.identity import find_badge
from conference.checkin.service import check_in_delegate
from conference.delegates import importing, schemas, service
from conference.delegates.models import Delegate
from conference.extensions import db
from conference.jobs.models import Job as JobRecord
from conference.jobs.schemas import Job

pytestmark = pytest.mark.english

MODELS = {"Delegate": schemas.Delegate, "DelegateList": schemas.DelegateList, "Error": Error,
          "ImportResult": schemas.ImportResult, "Job": Job}
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


def imported(caller, congress, data: bytes, name: str = "danh-sach.csv", **query) -> dict:
    """Import through the API: 202 with the job, then the job (run at once in tests)."""
    started = upload(caller, congress, data, name, **query)
    assert started.status_code == 202, started.get_data(as_text=True)[:300]
    assert set(started.json["job"]) == {"id", "status", "url"}
    assert started.headers["Location"] == started.json["job"]["url"]
    job = caller.get(started.headers["Location"])
    assert job.status_code == 200
    MODELS["Job"].model_validate(job.json)
    assert job.json["status"] == "done", job.json
    return job.json


def test_import_then_import_again(organizer, congress):
    dry = imported(organizer, congress, LIST, dry_run="true")["result"]
    assert (dry["created"], dry["updated"], dry["unchanged"], dry["errors"]) == (2, 0, 0, [])
    assert dry["dry_run"] is True and "error" not in dry
    assert count() == 0
    done = imported(organizer, congress, LIST)
    assert MODELS["ImportResult"].model_validate(done["result"]).created == 2
    assert done["progress"] == {"done": 2, "total": 2}
    again = imported(organizer, congress, LIST.replace(b"0981924865", b"0981000000"))["result"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 1)
    assert count() == 2


def test_an_import_with_problems_lists_every_problem_and_writes_nothing(organizer, congress):
    data = LIST + "DB001,Trùng mã,Chính thức,\n,,Khách mời,\n".encode()
    job = imported(organizer, congress, data)
    result = job["result"]
    assert result["error"] == {"code": "invalid_rows",
                               "message": "2 problems found; nothing was imported."}
    assert result["errors"] == [
        {"row": 4, "column": "Mã đại biểu", "message": "The code DB001 is also on row 2.",
         "code": "duplicate_code", "args": {"code": "DB001", "other": 2}},
        {"row": 5, "column": "Họ và tên", "message": "This field is required.",
         "code": "required", "args": {}}]
    problems = organizer.get(job["result_url"])
    assert problems.mimetype == "text/csv" and "DB001" in problems.get_data(as_text=True)
    assert count() == 0


def test_a_file_without_a_name_column_is_reported_by_the_job(organizer, congress):
    result = imported(organizer, congress, "Mã,Đơn vị\nDB1,X\n".encode())["result"]
    assert result["error"]["code"] == "unreadable_file"
    assert result["errors"] == [{"row": 0, "column": "", "code": "unreadable_file", "args": {},
                                 "message": result["error"]["message"]}]
    assert "Họ và tên" in result["error"]["message"]
    assert count() == 0


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"%PDF-1.5\nnot a list", 415, "unsupported_file"),
    (b"", 422, "unreadable_file"),
    ("Họ và tên\nNguyễn Văn Trường\n".encode("utf-16-le"), 415, "unsupported_file"),
    (b"H\xe1 v\xe0 t\xean\nNguy\xean\n", 422, "unreadable_file"),
])
def test_unreadable_files(organizer, congress, data, status, code):
    response = upload(organizer, congress, data)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["fields"]["file"] == response.json["error"]["message"]
    assert count() == 0


def workbook(dimension: str | None, width: int = 1) -> bytes:
    """A one-delegate XLSX, `width` cells a row, whose first sheet declares `dimension` (None:
    declares nothing)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Họ và tên"])
    book.active.append(["Lê Anh Khánh"] + ["x"] * (width - 1))
    saved = io.BytesIO()
    book.save(saved)
    source = zipfile.ZipFile(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                declared = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
                data = re.sub(rb"<dimension [^>]*/>", declared, data)
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize(("dimension", "rows", "columns"), [
    ("A1:GR63001", "63,001", "200"), ("A1:B100021", "100,021", "2"), ("B2:CW10", "10", "101")])
def test_a_workbook_declaring_too_many_rows_or_columns_is_refused_at_once(
        organizer, congress, dimension, rows, columns):
    response = upload(organizer, congress, workbook(dimension), "danh-sach.xlsx")
    assert response.status_code == 413
    error = response.json["error"]
    assert error["code"] == "too_large"
    assert f"declares {rows} rows and {columns} columns" in error["message"]
    assert "at most 100,000 rows and 100 columns" in error["message"]
    assert db.session.scalar(db.select(db.func.count(JobRecord.id))) == 0  # nothing was queued


@pytest.mark.parametrize("dimension", ["A1:CV100020", None])
def test_a_workbook_within_the_limits_or_declaring_nothing_is_read(organizer, congress,
                                                                   dimension):
    job = imported(organizer, congress, workbook(dimension), "danh-sach.xlsx")
    assert job["result"]["created"] == 1 and count() == 1


def test_a_workbook_lying_about_its_width_is_refused_at_its_first_wide_row(organizer,
                                                                          congress):
    result = imported(organizer, congress, workbook("A1:B2", width=101), "ds.xlsx")["result"]
    assert result["error"] == {"code": "too_large", "message": (
        "Row 2 of the workbook's first sheet has values in column CW; a delegate list may have "
        "at most 100 columns. Delete the extra columns.")}
    assert count() == 0


def test_a_list_too_costly_to_read_fails_in_its_own_process(organizer, congress, monkeypatch):
    """Reading runs in a child with a memory limit: past it the child dies, the job says why."""
    def greedy(filename, path):  # a reader as hungry as a hostile workbook makes openpyxl
        return bytearray(4 * importing.READ_MEMORY_MB * 2**20)

    monkeypatch.setattr(importing, "_read_staged", greedy)
    result = imported(organizer, congress, LIST)["result"]
    assert result["error"]["code"] == "too_large"
    assert f"more than {importing.READ_MEMORY_MB} MB of memory" in result["error"]["message"]
    assert count() == 0


def test_an_import_without_a_file(organizer, congress):
    response = organizer.post(url(congress, "/import"), data={},
                              content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["error"]["code"] == "file_missing"


def test_checkin_staff_cannot_import(staff, congress):
    assert upload(staff, congress, LIST).status_code == 403
    assert count() == 0


def test_a_refused_workbook_counts_its_rows_the_vietnamese_way(app):
    """63.001, not 63,001: in Vietnamese the comma marks decimals."""
    with force_locale("vi"), pytest.raises(importing.FileTooLarge) as refused:
        importing.check_file("danh-sach.xlsx", workbook("A1:GR63001"))
    assert "63.001 dòng và 200 cột" in refused.value.message
    assert "100.000 dòng" in refused.value.message
