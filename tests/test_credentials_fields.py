"""What the credentials report counts, as delegates carry it: through the form, the API and
lists as offices write them (abbreviations, "x" marks, blank cells, a merged "Hình thức")."""

from __future__ import annotations

import io

import openpyxl
import pytest

from conference.auth.models import Role
from conference.auth.service import Actor
from conference.delegates.importing import import_delegates, read_table
from conference.delegates.models import Delegate
from conference.extensions import db

pytestmark = pytest.mark.english

CREDENTIALS = {"ethnicity": "Mường", "education": "master", "theory_level": "intermediate",
               "party_member": "yes", "sector": "foreign", "mandate": "appointed",
               "absence_reason": "Đi công tác"}


@pytest.fixture
def organizer(congress, create_user):
    return create_user(role=Role.ORGANIZER, congress=congress)


def stored(congress) -> dict[str, Delegate]:
    db.session.expire_all()
    return {d.full_name: d for d in db.session.scalars(
        db.select(Delegate).where(Delegate.congress_id == congress.id))}


def fields_of(delegate: Delegate) -> dict[str, str]:
    return {name: getattr(delegate, name) for name in CREDENTIALS}


def test_the_form_keeps_them(client, login, congress, organizer):
    login(organizer)
    form = client.get(f"/manage/{congress.id}/delegates/new").get_data(as_text=True)
    assert 'name="education"' in form and "master's degree" in form
    response = client.post(f"/manage/{congress.id}/delegates/new", data={
        "full_name": "Bùi Thị Hoa", "category": "official", "status": "registered",
        **CREDENTIALS, "ethnicity": "mường"})
    assert response.status_code == 302
    hoa = stored(congress)["Bùi Thị Hoa"]
    assert fields_of(hoa) == CREDENTIALS  # "mường" is written with its capital
    page = client.get(f"/manage/delegates/{hoa.id}/edit").get_data(as_text=True)
    assert '<option value="master" selected>' in page
    detail = client.get(f"/manage/delegates/{hoa.id}").get_data(as_text=True)
    assert "foreign-invested enterprise" in detail and "Đi công tác" in detail
    bad = client.post(f"/manage/delegates/{hoa.id}/edit", data={
        "full_name": "Bùi Thị Hoa", "category": "official", "status": "registered",
        "education": "genius"})
    assert bad.status_code == 422


def test_the_api_keeps_them(api, congress, organizer):
    caller = api(organizer)
    created = caller.post(f"/api/v1/congresses/{congress.id}/delegates",
                          json={"full_name": "Lò Văn Pọm", **CREDENTIALS})
    assert created.status_code == 201, created.json
    assert {name: created.json[name] for name in CREDENTIALS} == CREDENTIALS
    delegate_id = created.json["id"]
    changed = caller.patch(f"/api/v1/delegates/{delegate_id}",
                           json={"party_member": "", "ethnicity": "KINH"})
    assert (changed.json["party_member"], changed.json["ethnicity"]) == ("", "Kinh")
    assert caller.get(f"/api/v1/delegates/{delegate_id}").json["sector"] == "foreign"
    refused = caller.patch(f"/api/v1/delegates/{delegate_id}", json={"sector": "space"})
    assert refused.status_code == 422


def office_list() -> bytes:
    """As a district office sends it: a title row, "Hình thức" merged over three mark
    columns, abbreviations, "x" marks and blank cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH TRÍCH NGANG ĐẠI BIỂU"])
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Trình độ CM",
                  "LLCT", "Đảng viên", "Khu vực", "Hình thức", None, None, "Đơn vị"])
    sheet.append([None, None, None, None, None, None, None, None, None, "Đương nhiên", "Bầu",
                  "Chỉ định", None])
    sheet.merge_cells("J2:L2")
    sheet.append([1, "Nguyễn Văn Hùng", "12/03/1970", "Nam", "Kinh", "Th.S", "CC", "x",
                  "HCSN", "x", None, None, "LĐLĐ huyện Cẩm Xuyên"])
    sheet.append([2, "Hà Thị Lan", "05/11/1982", "Nữ", "mường", "ĐH Sư phạm", "Trung cấp LLCT",
                  "ĐV", "DN FDI", None, "x", None, "Công đoàn Formosa"])
    sheet.append([3, "Lê Văn Tám", "1990", "Nam", None, "cao đẳng", None, None,
                  "Ngoài nhà nước", None, None, "X", "Công đoàn Công ty May"])
    sheet.append([4, "Trần Thị Bình", "21/07/1975", "Nữ", "Tày", "TS", "Cử nhân",
                  "12/05/2001", "DNNN", None, "có", None, "Công đoàn Điện lực"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_office_list_is_read(congress, organizer):
    who = Actor(organizer, "127.0.0.1", "web")
    sheet = read_table("list.xlsx", office_list())
    assert dict(sheet.header_fields)["Hình thức – Bầu"] == "mandate=elected"
    result = import_delegates(who, congress, sheet)
    assert (result.created, result.errors) == (4, [])
    people = stored(congress)
    keys = ("ethnicity", "education", "theory_level", "party_member", "sector", "mandate")
    assert {name: tuple(getattr(d, key) for key in keys) for name, d in people.items()} == {
        "Nguyễn Văn Hùng": ("Kinh", "master", "advanced", "yes", "public", "ex_officio"),
        "Hà Thị Lan": ("Mường", "university", "intermediate", "yes", "foreign", "elected"),
        "Lê Văn Tám": ("", "college", "", "", "private", "appointed"),  # blanks: not stated
        "Trần Thị Bình": ("Tày", "doctor", "advanced", "yes", "state_enterprise", "elected"),
    }


def test_a_value_it_cannot_place_is_a_problem_of_its_row_and_column(congress, organizer):
    who = Actor(organizer, "127.0.0.1", "web")
    rows = ("Họ và tên;Trình độ chuyên môn;Lý luận chính trị;Đảng viên;Khu vực;Lý do vắng mặt\n"
            "Lê Văn An;Đại học;Sơ cấp;x;Hành chính sự nghiệp;\n"
            "Lê Thị Bình;Giỏi lắm;;;;Ốm\n"
            "Lê Văn Cường;ĐH;SC;có;Hợp tác xã;\n")
    result = import_delegates(who, congress, read_table("list.csv", rows.encode()))
    problems = [(e["row"], e["column"], e["code"]) for e in result.errors]
    assert problems == [(3, "Trình độ chuyên môn", "invalid_choice"),
                        (4, "Khu vực", "invalid_choice")]
    assert result.errors[0]["message"].startswith("“Giỏi lắm” is not one of: Chưa qua đào tạo")
    assert "Hành chính sự nghiệp" in result.errors[1]["message"]
    assert stored(congress) == {}  # all or nothing


def test_exports_write_what_imports_read(client, login, congress, organizer):
    who = Actor(organizer, "127.0.0.1", "web")
    import_delegates(who, congress, read_table("list.xlsx", office_list()))
    login(organizer)
    exported = client.get(f"/manage/{congress.id}/delegates/export.csv")
    assert exported.status_code == 200
    text = exported.data.decode("utf-8-sig")
    assert "Trình độ chuyên môn" in text and "Thạc sĩ" in text and "Đương nhiên" in text
    before = {name: fields_of(d) for name, d in stored(congress).items()}
    again = import_delegates(who, congress, read_table("export.csv", exported.data))
    assert (again.updated, again.errors) == (0, [])
    assert {name: fields_of(d) for name, d in stored(congress).items()} == before
