"""Importing delegate lists: all rows or none, re-import by code, the checked-first page flow."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from conference.audit.models import AuditEntry
from conference.auth.service import Actor
from conference.delegates import importing, search, service
from conference.delegates.importing import read_table
from conference.delegates.models import Delegate
from conference.extensions import db
from conference.jobs.models import Job

pytestmark = pytest.mark.english

HEADER = "Mã đại biểu,Họ và tên,Giới tính,Loại đại biểu,Đơn vị,Đoàn,Ghế,Điện thoại,Email\n"
ROWS = ("DB001,Lê Anh Khánh,Nam,Chính thức,Công đoàn ngành Công Thương,Đoàn Công Thương,A2,"
        "0981924865,\n"
        "DB002,Hồ Thu Hương,Nữ,Khách mời,LĐLĐ huyện Cẩm Xuyên,Đoàn Cẩm Xuyên,A3,0921535642,"
        "huong@example.vn\n"
        ",Đặng Anh Sơn,Nam,Đại biểu chính thức,LĐLĐ thị xã Kỳ Anh,Đoàn Kỳ Anh,C1,,\n")
LIST = ("\ufeff" + HEADER + ROWS).encode()


@pytest.fixture
def organizer(congress, create_user):
    return create_user(role="organizer", congress=congress)


@pytest.fixture
def who(organizer):
    return Actor(organizer, "127.0.0.1", "web")


def delegates(congress) -> list[Delegate]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Delegate).where(
        Delegate.congress_id == congress.id).order_by(Delegate.code)))


def run(who, congress, data: bytes, **kwargs):
    return importing.import_delegates(who, congress, read_table("list.csv", data), **kwargs)


# --- the service -----------------------------------------------------------------------------


def test_a_list_is_imported_with_categories_genders_and_codes(who, congress):
    result = run(who, congress, LIST)
    assert result.to_dict() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    rows = {d.full_name: d for d in delegates(congress)}
    assert rows["Lê Anh Khánh"].category == "official" and rows["Lê Anh Khánh"].gender == "male"
    assert rows["Hồ Thu Hương"].category == "guest" and rows["Hồ Thu Hương"].gender == "female"
    assert rows["Lê Anh Khánh"].phone == "0981924865"
    assert rows["Đặng Anh Sơn"].code == "DB0001"  # the next free code of our form
    assert len({d.badge_token_hash for d in rows.values()}) == 3
    assert rows["Đặng Anh Sơn"].search_key.startswith("dang anh son")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "delegate.import"))
    assert entry.details == {"created": 3, "updated": 0, "unchanged": 0}


def test_importing_the_same_list_again_changes_nothing(who, congress):
    run(who, congress, ("\ufeff" + HEADER + ROWS.split("\n", 2)[0] + "\n").encode())
    first = delegates(congress)
    token = first[0].badge_token_hash
    again = run(who, congress, ("\ufeff" + HEADER + ROWS.split("\n", 2)[0] + "\n").encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert [d.badge_token_hash for d in delegates(congress)] == [token]


def test_a_corrected_list_updates_by_code_without_duplicates(who, congress):
    run(who, congress, LIST)
    before = {d.code: d.updated_at for d in delegates(congress)}
    corrected = ("Mã đại biểu,Họ và tên,Ghế,Email\n"
                 "DB001,Lê Anh Khánh,B7,\n"           # seat moved; empty email kept
                 "DB002,Hồ Thu Hương,A3,\n"           # unchanged
                 "DB010,Trần Quốc Hùng,D1,\n")        # new
    result = run(who, congress, corrected.encode())
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    rows = {d.code: d for d in delegates(congress)}
    assert len(rows) == 4
    assert rows["DB001"].seat == "B7" and rows["DB001"].unit == "Công đoàn ngành Công Thương"
    assert rows["DB002"].email == "huong@example.vn"
    assert rows["DB001"].search_key.endswith("b7")
    assert rows["DB001"].updated_at > before["DB001"]
    assert rows["DB002"].updated_at == before["DB002"]


def test_a_dry_run_counts_and_writes_nothing(who, congress):
    result = run(who, congress, LIST, dry_run=True)
    assert (result.created, result.errors) == (3, [])
    assert delegates(congress) == []


def problems_of(who, congress, body: str, header: str = HEADER):
    result = run(who, congress, (header + body).encode())
    assert result.created == result.updated == result.unchanged == 0
    assert delegates(congress) == [], "a list with a problem must write nothing"
    return result.errors


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written(who, congress):
    errors = problems_of(who, congress, (
        "DB001,Lê Anh Khánh,Nam,Chính thức,,,,,\n"          # fine, but not written
        "DB002,,Nam,Chính thức,,,,,\n"                       # no name
        "DB003,Võ Thị Lan,Khác,Chính thức,,,,,\n"            # gender
        "DB004,Lý Ngọc Dũng,Nam,Phóng viên,,,,,\n"           # unknown category
        "DB001,Đỗ Anh Trường,Nam,Chính thức,,,,,\n"          # code again
        "DB 5,Hoàng Anh Hà,Nam,Chính thức,,,,,not-an-email\n"
        "DB006,Ngô Thị Thảo,Nữ,Chính thức,,,,09x,\n"))
    assert {(e["row"], e["column"]) for e in errors} == {
        (3, "Họ và tên"), (4, "Giới tính"), (5, "Loại đại biểu"), (6, "Mã đại biểu"),
        (7, "Mã đại biểu"), (7, "Email"), (8, "Điện thoại")}
    messages = {(e["row"], e["column"]): e["message"] for e in errors}
    assert messages[(3, "Họ và tên")] == "This field is required."
    assert "row 2" in messages[(6, "Mã đại biểu")]
    assert "Phóng viên" in messages[(5, "Loại đại biểu")]
    assert "Khách mời" in messages[(5, "Loại đại biểu")]  # says what would do
    assert "Nam" in messages[(4, "Giới tính")]


def test_problems_name_the_columns_as_the_file_does(who, congress):
    errors = problems_of(who, congress, "X1,\n", header="Code,Full name\n")
    assert errors == [{"row": 2, "column": "Full name", "message": "This field is required.",
                       "code": "required", "args": {}}]


def test_a_header_without_rows_is_a_problem(who, congress):
    assert problems_of(who, congress, "")[0]["row"] == 0


def test_generated_codes_skip_codes_in_use(who, congress):
    run(who, congress, "Mã,Họ và tên\nDB0001,Lê Văn Hùng\nDB0002,Trần Văn Bình\n".encode())
    run(who, congress, "Họ và tên\nĐào Anh Dũng\nVõ Thị Lan\n".encode())
    assert [d.code for d in delegates(congress)] == ["DB0001", "DB0002", "DB0003", "DB0004"]


def test_import_needs_the_right_to_edit_delegates(congress, create_user):
    from conference.errors import Forbidden

    staff = Actor(create_user(role="checkin", congress=congress))
    with pytest.raises(Forbidden):
        run(staff, congress, LIST)
    assert delegates(congress) == []


def test_a_code_saved_meanwhile_makes_a_conflict_not_a_half_import(who, congress, monkeypatch):
    """Two imports at once: the unique code in the database refuses the second, as a whole."""
    original = service.new_delegate_values

    def racing(congress_, values):
        row = original(congress_, values)
        if values.code == "DB002":  # someone else saved DB002 between the check and the write
            db.session.add(Delegate(**original(congress_, service.DelegateInput(
                code="DB002", full_name="Người khác"))))
            db.session.flush()
        return row

    monkeypatch.setattr(importing, "new_delegate_values", racing)
    from conference.errors import Conflict

    with pytest.raises(Conflict) as info:
        run(who, congress, LIST)
    assert info.value.code == "import_conflict"
    assert delegates(congress) == []


def test_imported_and_reimported_rows_are_found_without_diacritics(who, congress):
    """The bulk writes skip the ORM, so they fill the search keys themselves."""
    run(who, congress, LIST)
    renamed = ("\ufeff" + HEADER + "DB002,Trần Thị Thu Hà,Nữ,,,,,,\n").encode()
    assert run(who, congress, renamed).updated == 1

    def found(q: str) -> list[str]:
        return [d.code for d in search.search_delegates(congress, q=q).delegates]

    assert found("dang anh son") == ["DB0001"]  # inserted
    assert found("tran thi thu ha") == ["DB002"]  # updated
    assert found("thuong") == ["DB001"]  # the unit, as typed without its marks
    assert found("Hồ Thu Hương") == []  # the old name is gone from the keys


def test_progress_is_reported_while_checking(who, congress, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    calls = []
    run(who, congress, LIST, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 3), (3, 3)]


# --- export round trip -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(who, congress, kind):
    run(who, congress, LIST)
    service.update_delegate(who, delegates(congress)[0], {"notes": "=cmd|' /C calc'!A0",
                                                          "status": "confirmed",
                                                          "birth_date": "1975-03-05"})
    filename, _mimetype, data = search.export_delegates(who, congress, kind)
    assert filename == f"delegates-{congress.slug}.{kind}"
    result = importing.import_delegates(who, congress, read_table(filename, data))
    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 3, [])


def test_the_csv_export_opens_right_in_excel(who, congress):
    run(who, congress, LIST)
    khanh = next(d for d in delegates(congress) if d.full_name == "Lê Anh Khánh")
    service.update_delegate(who, khanh, {"birth_date": "1975-03-05"})
    _name, mimetype, data = search.export_delegates(who, congress, "csv")
    assert mimetype.startswith("text/csv") and data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith(
        "Mã đại biểu,Họ và tên,Ngày sinh,Giới tính,Loại đại biểu")
    assert "Lê Anh Khánh,05/03/1975,Nam,Đại biểu chính thức" in text and ",0981924865," in text


def test_the_xlsx_export_keeps_phone_numbers_as_text(who, congress):
    run(who, congress, LIST)
    _name, _type, data = search.export_delegates(who, congress, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Mã đại biểu", "Họ và tên")
    phones = {row[1]: row[9] for row in rows[1:]}
    assert phones["Lê Anh Khánh"] == "0981924865"


def test_the_export_follows_the_filters(who, congress):
    run(who, congress, LIST)
    _name, _type, data = search.export_delegates(who, congress, "csv", category="guest")
    lines = data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "Hồ Thu Hương" in lines[1]


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def signed_in(organizer, login):
    login(organizer)
    return organizer


def upload(client, congress, data: bytes, name: str = "danh-sach.csv"):
    return client.post(f"/manage/{congress.id}/delegates/import",
                        data={"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def staged_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_upload_check_then_import(app, client, congress, signed_in):
    page = client.get(f"/manage/{congress.id}/delegates/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text

    response = upload(client, congress, LIST)
    assert response.status_code == 302
    checked = client.get(response.headers["Location"])
    assert checked.status_code == 200
    assert "will add 3 delegates, update 0 and leave 0 unchanged" in checked.text
    assert delegates(congress) == []  # nothing yet

    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    progress = client.get(f"/manage/jobs/{job.id}").json
    assert progress["status"] == "done" and progress["progress"] == {"done": 3, "total": 3}

    confirmed = client.post(f"/manage/{congress.id}/delegates/import/{job.id}/confirm")
    assert confirmed.status_code == 302
    done = client.get(confirmed.headers["Location"])
    assert "Imported: 3 delegates added, 0 updated, 0 unchanged." in done.text
    assert len(delegates(congress)) == 3
    assert staged_files(app) == []  # the upload is gone once imported

    # The same check cannot be imported twice (rows without a code would be doubled).
    again = client.post(f"/manage/{congress.id}/delegates/import/{job.id}/confirm",
                        follow_redirects=True)
    assert "Upload it again" in again.text
    assert len(delegates(congress)) == 3


def test_a_list_with_problems_shows_them_and_cannot_be_imported(app, client, congress,
                                                                 signed_in):
    response = upload(client, congress, (HEADER + "DB001,,Nam,Chính thức,,,,,\n"
                                         "DB002,Lê Văn Hùng,Nam,Phóng viên,,,,,\n").encode())
    page = client.get(response.headers["Location"])
    assert "2 problems found. Nothing was saved." in page.text
    assert "<td>2</td><td>Họ và tên</td><td>This field is required.</td>" in page.text
    assert "Phóng viên" in page.text
    assert ">Import</button>" not in page.text
    assert staged_files(app) == []  # a list that cannot be imported is not kept
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    problems = client.get(f"/manage/jobs/{job.id}/result")
    assert problems.data.startswith(b"\xef\xbb\xbf")
    # The uploaded rows that have problems, with a column saying what to fix.
    lines = problems.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mã đại biểu,Họ và tên,") and lines[0].endswith(",Problem")
    assert lines[1].startswith("DB001,,Nam,") and "Họ và tên: This field is required." in lines[1]
    refused = client.post(f"/manage/{congress.id}/delegates/import/{job.id}/confirm",
                          follow_redirects=True)
    assert "Only a checked list without problems can be imported." in refused.text
    assert delegates(congress) == []


@pytest.mark.parametrize(("data", "name", "status", "message"), [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "danh-sach.csv", 415, "This is not a CSV or XLSX file"),
    (b"", "danh-sach.csv", 422, "The file is empty."),
    ("Họ và tên\nĐào Anh Dũng\n".encode("utf-16-be"), "danh-sach.csv", 415, "not a CSV"),
    ("Họ và tên\nĐặng Sơn\n".encode("latin-1", "replace") + b"\xe0\xf2\n", "a.csv", 422,
     "UTF-8"),
])
def test_unreadable_uploads_are_refused_on_the_form(app, client, congress, signed_in, data,
                                                    name, status, message):
    response = upload(client, congress, data, name)
    assert response.status_code == status
    assert message in response.text and 'role="alert"' in response.text
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0
    assert staged_files(app) == []


def test_an_upload_without_a_file(client, congress, signed_in):
    response = client.post(f"/manage/{congress.id}/delegates/import", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the CSV or XLSX file" in response.text


def test_a_file_with_no_name_column_is_reported_by_the_check(client, congress, signed_in):
    response = upload(client, congress, "Mã,Đơn vị\nDB1,LĐLĐ\n".encode())
    page = client.get(response.headers["Location"])
    assert "1 problems found" in page.text and "Columns found: Mã, Đơn vị" in page.text


def test_a_request_over_the_upload_limit_is_refused(app, client, congress, signed_in):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # The multipart body made by hand: the test client would spool a large one to a temporary
    # file it never closes.
    body = (b'--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\nHo va ten\n" + b"x" * (2 * 1024 * 1024)
            + b"\r\n--XYZ--\r\n")
    response = client.post(f"/manage/{congress.id}/delegates/import", data=body,
                           content_type="multipart/form-data; boundary=XYZ")
    assert response.status_code == 413
    assert "The upload is too large." in response.text
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_an_import_job_of_another_congress_is_not_found(client, congress, signed_in,
                                                        create_congress, organizer):
    response = upload(client, congress, LIST)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    other = create_congress()
    from conference.auth.models import Membership

    db.session.add(Membership(user_id=organizer.id, congress_id=other.id, role="organizer"))
    db.session.commit()
    assert client.get(f"/manage/{other.id}/delegates/import/{job_id}").status_code == 404


def test_xlsx_upload_through_the_page(client, congress, signed_in):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Họ và tên", "Loại", "Điện thoại"])
    workbook.active.append(["Nguyễn Văn Trường", "Khách mời", 912345678])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, congress, buffer.getvalue(), "danh-sach.xlsx")
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/manage/{congress.id}/delegates/import/{job_id}/confirm")
    [delegate] = delegates(congress)
    assert (delegate.category, delegate.phone) == ("guest", "0912345678")


def test_the_export_links_download_files(client, congress, signed_in, who):
    run(who, congress, LIST)
    csv_file = client.get(f"/manage/{congress.id}/delegates/export.csv?category=official")
    assert csv_file.status_code == 200
    assert csv_file.headers["Content-Disposition"] == (
        f'attachment; filename="delegates-{congress.slug}.csv"')
    assert len(csv_file.data.decode("utf-8-sig").strip().splitlines()) == 3
    xlsx_file = client.get(f"/manage/{congress.id}/delegates/export.xlsx")
    assert xlsx_file.mimetype.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(xlsx_file.data)).active.max_row == 4
