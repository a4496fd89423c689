"""Importing lists as provincial offices type them: title rows, STT, merged headers, dates of
birth, a totals row and a signature block; no delegate codes, everyday category words."""

from __future__ import annotations

import io

import openpyxl
import pytest

from conference.auth.service import Actor
from conference.delegates import importing, service
from conference.delegates.importing import read_table
from conference.delegates.models import Delegate
from conference.extensions import db
from conference.jobs.models import Job

pytestmark = pytest.mark.english

PEOPLE = [  # name, date of birth, gender column (Nam/Nữ), unit, position, category as written
    ("Nguyễn Văn Hùng", "12/03/1970", "Nam", "LĐLĐ huyện Cẩm Xuyên", "Chủ tịch", "ĐBCT"),
    ("Trần Thị Lan", "05/11/1982", "Nữ", "Công đoàn ngành Y tế", "Phó Chủ tịch", "chính thức"),
    ("Lê Anh Khánh", "21/07/1975", "Nam", "Công đoàn ngành Công Thương", "Ủy viên BTV",
     "Đại biểu chính thức"),
    ("Hồ Thu Hương", "02/02/1990", "Nữ", "LĐLĐ thị xã Kỳ Anh", "Chủ tịch CĐCS",
     "Đại biểu khách mời"),
    ("Phạm Quốc Tống", "30/09/1968", "Nam", "LĐLĐ huyện Hương Khê", "Chủ tịch", "khách mời"),
]
FOOTER = [[], ["", f"Tổng cộng: {len(PEOPLE)} đại biểu"], [],
          ["", "", "", "", "Hà Tĩnh, ngày 15 tháng 8 năm 2023"],
          ["", "Người lập biểu", "", "", "TM. BAN THƯỜNG VỤ"], ["", "", "", "", "CHỦ TỊCH"],
          [], ["", "Đặng Thị Mai", "", "", "Nguyễn Văn Sơn"]]


def office_xlsx(people=PEOPLE, merged_birth=True) -> bytes:
    """A workbook with two title rows; "Ngày sinh" merged over "Nam" | "Nữ" when asked."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["LIÊN ĐOÀN LAO ĐỘNG TỈNH HÀ TĨNH"])
    sheet.append(["DANH SÁCH ĐẠI BIỂU DỰ ĐẠI HỘI"])
    sheet.merge_cells("A2:G2")
    if merged_birth:
        sheet.append(["STT", "Họ và tên", "Ngày sinh", None, "Đơn vị", "Chức vụ", "Thành phần"])
        sheet.append([None, None, "Nam", "Nữ", None, None, None])
        sheet.merge_cells("C3:D3")
        sheet.merge_cells("A3:A4")
        sheet.merge_cells("B3:B4")
        for number, (name, born, gender, unit, position, category) in enumerate(people, 1):
            male, female = (born, None) if gender == "Nam" else (None, born)
            sheet.append([number, name, male, female, unit, position, category])
    else:
        sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Đơn vị", "Chức vụ",
                      "Thành phần"])
        for number, person in enumerate(people, 1):
            sheet.append([number, *person])
    for row in FOOTER:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def who(congress, create_user):
    return Actor(create_user(role="organizer", congress=congress), "127.0.0.1", "web")


def stored(congress) -> dict[str, Delegate]:
    db.session.expire_all()
    return {d.full_name: d for d in db.session.scalars(
        db.select(Delegate).where(Delegate.congress_id == congress.id))}


def run(who, congress, data: bytes, name="list.xlsx", **kwargs):
    return importing.import_delegates(who, congress, read_table(name, data), **kwargs)


def test_totals_signatures_and_blank_rows_are_skipped_not_imported(who, congress):
    sheet = read_table("list.xlsx", office_xlsx())
    assert [values["full_name"] for _n, values in sheet.rows] == [p[0] for p in PEOPLE]
    reasons = [(entry.reason, entry.text) for entry in sheet.skipped if entry.reason != "blank"]
    assert reasons == [
        ("header_continued", "Nam · Nữ"), ("totals", "Tổng cộng: 5 đại biểu"),
        ("date_line", "Hà Tĩnh, ngày 15 tháng 8 năm 2023"),
        ("signature", "Người lập biểu · TM. BAN THƯỜNG VỤ"), ("signature", "CHỦ TỊCH"),
        ("below_table", "Đặng Thị Mai · Nguyễn Văn Sơn")]
    result = run(who, congress, office_xlsx())
    assert (result.created, result.errors) == (5, [])
    people = stored(congress)
    assert set(people) == {p[0] for p in PEOPLE}  # no "Tổng cộng", no signer
    assert people["Trần Thị Lan"].birth_date == "1982-11-05"
    assert people["Trần Thị Lan"].gender == "female"  # the date stood under "Nữ"
    assert people["Nguyễn Văn Hùng"].gender == "male"


def test_a_name_like_a_totals_word_is_still_a_delegate(who, congress):
    people = [("Tống Công Minh", "01/01/1980", "Nam", "LĐLĐ huyện Can Lộc", "Chủ tịch", "ĐBCT")]
    sheet = read_table("list.xlsx", office_xlsx(people, merged_birth=False))
    assert [values["full_name"] for _n, values in sheet.rows] == ["Tống Công Minh"]


def test_everyday_category_words_are_understood(who, congress):
    run(who, congress, office_xlsx(merged_birth=False))
    categories = {name: d.category for name, d in stored(congress).items()}
    assert categories == {"Nguyễn Văn Hùng": "official", "Trần Thị Lan": "official",
                          "Lê Anh Khánh": "official", "Hồ Thu Hương": "guest",
                          "Phạm Quốc Tống": "guest"}


def test_a_list_without_codes_imported_again_updates_instead_of_duplicating(who, congress):
    run(who, congress, office_xlsx())
    codes = {name: d.code for name, d in stored(congress).items()}
    changed = [(*person[:4], "Chủ tịch LĐLĐ" if index == 0 else person[4], person[5])
               for index, person in enumerate(PEOPLE)]
    again = run(who, congress, office_xlsx(changed), dry_run=True)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 4)
    actions = {row["values"]["full_name"]: (row["action"], row["matched"])
               for row in again.preview}
    assert actions["Nguyễn Văn Hùng"] == ("update", codes["Nguyễn Văn Hùng"])
    assert actions["Trần Thị Lan"] == ("unchanged", codes["Trần Thị Lan"])
    run(who, congress, office_xlsx(changed))
    people = stored(congress)
    assert len(people) == 5 and people["Nguyễn Văn Hùng"].position == "Chủ tịch LĐLĐ"
    assert {name: d.code for name, d in people.items()} == codes


def test_a_row_matching_two_registered_delegates_is_refused(who, congress):
    for born in ("1970-03-12", "1985-01-01"):
        service.create_delegate(who, congress, {"full_name": "Nguyễn Văn Hùng",
                                                "unit": "LĐLĐ huyện Cẩm Xuyên",
                                                "birth_date": born})
    list_ = "Họ và tên,Đơn vị\nNguyễn Văn Hùng,LĐLĐ Huyện Cẩm Xuyên\n".encode()
    result = run(who, congress, list_, "list.csv")
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "matches_several")]
    assert "Matches 2 registered delegates" in result.errors[0]["message"]
    # With the date of birth the row is one of them.
    dated = "Họ và tên,Đơn vị,Ngày sinh\nNguyễn Văn Hùng,LĐLĐ huyện Cẩm Xuyên,12/03/1970\n"
    assert run(who, congress, dated.encode(), "list.csv").unchanged == 1


def test_the_same_person_twice_in_one_file_is_flagged(who, congress):
    list_ = ("Họ và tên,Đơn vị,Ngày sinh\nLê Văn An,Công đoàn Y tế,01/02/1980\n"
             "Lê Thị Bình,Công đoàn Y tế,\nle van an,CÔNG ĐOÀN Y TẾ,1/2/1980\n").encode()
    result = run(who, congress, list_, "list.csv")
    assert [(e["row"], e["code"], e["args"]) for e in result.errors] == [
        (4, "same_person", {"other": 2})]
    assert [row["action"] for row in result.preview] == ["create", "create", "error"]


def test_a_bad_date_of_birth_is_a_problem_of_its_column(who, congress):
    result = run(who, congress, "Họ và tên,Ngày sinh\nLê Văn An,31/02/1980\n".encode(),
                 "list.csv")
    assert [(e["column"], e["code"]) for e in result.errors] == [("Ngày sinh",
                                                                 "invalid_birth_date")]


def test_the_organizer_keeps_words_for_categories_on_the_categories_page(
        client, login, congress, who):
    login(who.user)
    page = client.get(f"/manage/{congress.id}/delegates/categories")
    assert page.status_code == 200 and "ĐBCT" in page.text
    added = client.post(f"/manage/{congress.id}/delegates/categories/new", data={
        "label_vi": "Đại biểu dự khuyết", "label_en": "Alternate delegate",
        "words": "Dự khuyết\nĐBDK"})
    assert added.status_code == 302
    result = run(who, congress, "Họ và tên,Loại\nLê Văn An,dự khuyết\nLê Văn Bình,ĐBDK\n"
                 .encode(), "list.csv")
    assert result.created == 2
    assert {d.category for d in stored(congress).values()} == {"alternate_delegate"}
    official = next(c for c in service.categories(congress) if c.key == "official")
    taken = client.post(f"/manage/{congress.id}/delegates/categories/{official.id}", data={
        "label_vi": official.label_vi, "label_en": official.label_en, "words": "Dự khuyết"})
    assert taken.status_code == 422 and "already means the category" in taken.text
    assert client.post(f"/manage/{congress.id}/delegates/categories/999999", data={}
                       ).status_code == 404


def test_the_preview_page_shows_rows_columns_and_skipped_rows(client, login, congress, who):
    login(who.user)
    page = client.post(f"/manage/{congress.id}/delegates/import",
                       data={"file": (io.BytesIO(office_xlsx()), "danh-sach.xlsx")},
                       follow_redirects=True)
    text = page.text
    assert "Rows as they will be stored" in text and "Nguyễn Văn Hùng" in text
    assert "12/03/1970" in text and "Totals row" in text and "Signature block" in text
    assert "Row number (not stored)" in text  # STT was recognised
    assert "Tổng cộng: 5 đại biểu" in text


def test_rows_with_problems_download_as_the_uploaded_workbook_with_a_problem_column(
        client, login, congress, who):
    login(who.user)
    people = [*PEOPLE[:2], ("Võ Văn Tám", "99/99/1999", "Nam", "X", "Y", "Phóng viên")]
    client.post(f"/manage/{congress.id}/delegates/import",
                data={"file": (io.BytesIO(office_xlsx(people, merged_birth=False)),
                               "danh-sach.xlsx")})
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    download = client.get(f"/manage/jobs/{job.id}/result")
    rows = list(openpyxl.load_workbook(io.BytesIO(download.data)).active.iter_rows(
        values_only=True))
    assert rows[0][:3] == ("STT", "Họ và tên", "Ngày sinh") and rows[0][-1] == "Problem"
    assert len(rows) == 2 and rows[1][1] == "Võ Văn Tám"
    assert rows[1][-1] == "Ngày sinh: Write the date of birth as 05/03/1975."


def test_a_checked_list_is_read_in_the_readers_language(client, login, congress, who, api):
    login(who.user)
    client.set_cookie("lang", "vi")
    client.post(f"/manage/{congress.id}/delegates/import",
                data={"file": (io.BytesIO("Họ và tên,Ngày sinh\nLê An,31/02/1980\n".encode()),
                               "list.csv")})
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert job.locale == "vi"
    client.set_cookie("lang", "en")
    page = client.get(f"/manage/{congress.id}/delegates/import/{job.id}")
    assert "Write the date of birth as 05/03/1975." in page.text
    shown = api(who.user).get(f"/api/v1/jobs/{job.id}").json["result"]
    assert shown["errors"][0]["message"] == "Write the date of birth as 05/03/1975."
    assert shown["error"]["message"] == "1 problems found; nothing was imported."


def test_the_template_is_a_workbook_with_vietnamese_headers(client, login, congress, who):
    login(who.user)
    response = client.get(f"/manage/{congress.id}/delegates/import/template.xlsx")
    headers = next(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True))
    assert headers[:4] == ("STT", "Họ và tên", "Ngày sinh", "Giới tính")
    assert read_table("template.xlsx", response.data).rows == []
