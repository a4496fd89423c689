"""Reading delegate lists: the shapes units send, and the files that must be refused clearly."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import openpyxl
import pytest

from conference.delegates import importing
from conference.delegates.importing import (
    FileTooLarge,
    UnreadableFile,
    WrongFileType,
    read_table,
)
from conference.tables import write_csv, write_xlsx

pytestmark = pytest.mark.english

SAMPLE = (
    "\ufeffMã đại biểu,Họ và tên,Giới tính,Loại đại biểu,Đơn vị,Chức vụ,Đoàn,Ghế,Điện thoại,Email\n"
    "DB001,Lê Anh Khánh,Nam,Chính thức,Công đoàn ngành Công Thương,Chủ tịch,Đoàn Công Thương,A2,"
    "0981924865,\n"
    "DB002,Hồ Thu Hương,Nữ,Khách mời,LĐLĐ huyện Cẩm Xuyên,Đoàn viên,Đoàn Cẩm Xuyên,A3,0921535642,"
    "huong@example.vn\n"
)


@pytest.fixture(autouse=True)
def _app_context(app):
    """Messages are translated, which needs the app."""


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_usual_list_excel_saves_reads_with_its_vietnamese_headers():
    sheet = read_table("danh-sach.csv", SAMPLE.encode())
    assert [number for number, _values in sheet.rows] == [2, 3]
    first = sheet.rows[0][1]
    assert first["code"] == "DB001" and first["full_name"] == "Lê Anh Khánh"
    assert first["gender"] == "male" and first["phone"] == "0981924865"
    assert sheet.rows[1][1]["gender"] == "female"
    assert sheet.headers["full_name"] == "Họ và tên"
    assert sheet.column_label("phone") == "Điện thoại"


def test_semicolons_english_headers_and_no_bom():
    data = "Code;Full name;Gender;Category;Phone\nG1;Nguyen Van A;male;guest;+84 912 345 678\n"
    sheet = read_table("list.csv", data.encode())
    assert sheet.rows == [(2, {"code": "G1", "full_name": "Nguyen Van A", "gender": "male",
                               "category": "guest", "phone": "+84 912 345 678"})]


def test_headers_are_matched_without_case_diacritics_or_punctuation():
    data = "STT,HO VA TEN (*),so dien thoai:,E-mail\n1,Trần Văn Bình,0912000111,b@x.vn\n"
    values = read_table("a.csv", data.encode()).rows[0][1]
    assert values == {"full_name": "Trần Văn Bình", "phone": "0912000111", "email": "b@x.vn"}


def test_blank_lines_extra_columns_and_title_rows_are_tolerated():
    data = ("DANH SÁCH ĐẠI BIỂU DỰ ĐẠI HỘI,,,\n"
            ",,,\n"
            "STT,Họ và tên,Ghi chú riêng,Đơn vị\n"
            "1,Phan Ngọc Trường,x,LĐLĐ thị xã Kỳ Anh\n"
            ",,,\n"
            "\n"
            "2,Võ Thị Lan,,Công đoàn ngành Giáo dục\n")
    sheet = read_table("a.csv", data.encode())
    assert [(n, v["full_name"]) for n, v in sheet.rows] == [
        (4, "Phan Ngọc Trường"), (7, "Võ Thị Lan")]
    assert set(sheet.rows[0][1]) == {"full_name", "unit"}


def test_family_and_given_name_columns_are_joined():
    data = "Họ và tên đệm,Tên,Mã\nNguyễn Văn,Trường,DB9\n"
    sheet = read_table("a.csv", data.encode())
    assert sheet.rows[0][1] == {"full_name": "Nguyễn Văn Trường", "code": "DB9"}
    assert sheet.column_label("full_name") == "Họ và tên đệm + Tên"


def test_a_quoted_cell_with_a_line_break_is_one_row():
    data = 'Họ và tên,Ghi chú\n"Lê Văn Hùng","dòng một\ndòng hai"\nĐào Anh Dũng,\n'
    sheet = read_table("a.csv", data.encode())
    assert [n for n, _v in sheet.rows] == [2, 3]
    assert sheet.rows[0][1]["notes"] == "dòng một\ndòng hai"


def test_excel_sep_hint_line():
    data = "sep=;\nHọ và tên;Đơn vị\nLê Văn Hùng;Công đoàn Khu kinh tế, tỉnh\n"
    sheet = read_table("a.csv", data.encode())
    assert sheet.rows == [(3, {"full_name": "Lê Văn Hùng", "unit": "Công đoàn Khu kinh tế, tỉnh"})]


def test_excel_unicode_text_utf16_with_tabs():
    data = "Họ và tên\tGhế\r\nĐặng Anh Sơn\tC1\r\n".encode("utf-16")
    assert read_table("a.txt", data).rows == [(2, {"full_name": "Đặng Anh Sơn", "seat": "C1"})]


def test_xlsx_with_numbers_where_text_was_meant():
    data = xlsx([["Mã đại biểu", "Họ và tên", "Điện thoại", "Ghế"],
                 [101, "Lý Hữu Dũng", 981924865, 12.0],
                 [None, None, None, None],
                 ["DB102", "Ngô Thị Thảo", "0937643310", "B3"]])
    sheet = read_table("danh-sach.xlsx", data)
    assert sheet.rows == [
        (2, {"code": "101", "full_name": "Lý Hữu Dũng", "phone": "0981924865", "seat": "12"}),
        (4, {"code": "DB102", "full_name": "Ngô Thị Thảo", "phone": "0937643310", "seat": "B3"})]


def test_values_people_write_become_ours():
    data = "Họ và tên,Giới tính,Trạng thái\nA B,NỮ,đã xác nhận\nC D,m,Đã rút\nE F,Khác,?\n"
    rows = [values for _n, values in read_table("a.csv", data.encode()).rows]
    assert (rows[0]["gender"], rows[0]["status"]) == ("female", "confirmed")
    assert (rows[1]["gender"], rows[1]["status"]) == ("male", "withdrawn")
    assert (rows[2]["gender"], rows[2]["status"]) == ("Khác", "?")  # left for the check


# --- refused files --------------------------------------------------------------------------


def refused(data: bytes, name: str = "danh-sach.csv"):
    with pytest.raises((UnreadableFile, WrongFileType, FileTooLarge)) as info:
        read_table(name, data)
    error = info.value
    assert error.fields == {"file": error.message}
    return error


def test_a_pdf_renamed_csv_is_not_a_list():
    error = refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert error.status == 415 and error.code == "unsupported_file"
    assert "CSV" in error.message


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n,,,\n"])
def test_an_empty_file(data):
    error = refused(data)
    assert error.status == 422 and error.code == "unreadable_file"


def windows_1258(text: str) -> bytes:
    """Encode as Vietnamese Windows does: letters precomposed, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
        out += (base + "".join(p for p in parts if p in tones)).encode("cp1258")
    return out


def test_windows_1258_text_is_refused_with_the_way_out():
    text = "Họ và tên\nNguyễn Văn Trường\n"
    data = windows_1258(text)
    assert unicodedata.normalize("NFC", data.decode("cp1258")) == text  # a real 1258 file
    error = refused(data)
    assert error.status == 422
    assert "UTF-8" in error.message and "line 1" in error.message


def test_no_name_column_says_which_columns_it_found():
    error = refused("Mã,Đơn vị\nDB1,LĐLĐ\n".encode())
    assert error.status == 422
    assert "Họ và tên" in error.message and "Mã, Đơn vị" in error.message


def test_a_header_without_rows_reads_as_no_rows():
    assert read_table("a.csv", "Họ và tên,Mã\n\n".encode()).rows == []


def test_an_oversized_file(monkeypatch):
    monkeypatch.setattr(importing, "MAX_IMPORT_BYTES", 1000)
    error = refused(("Họ và tên\n" + "Lê Văn Hùng\n" * 200).encode())
    assert error.status == 413 and error.code == "too_large"


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    error = refused(("Họ và tên\n" + "Lê Văn Hùng\n" * 30).encode())
    assert error.status == 422 and "5" in error.message


def test_an_xlsx_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    error = refused(buffer.getvalue(), "bomb.xlsx")
    assert error.status == 413


def test_an_xml_bomb_inside_an_xlsx_is_refused():
    data = xlsx([["Họ và tên"], ["Lê Văn Hùng"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
            '</sheetData></worksheet>')
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = bomb.encode()
            archive.writestr(info.filename, content)
    error = refused(buffer.getvalue(), "bomb.xlsx")
    assert error.status == 422


@pytest.mark.parametrize(("data", "status", "word"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, 415, ".xls"),
    (b"PK\x03\x04 but then nothing a zip has", 422, "damaged"),
])
def test_other_spreadsheets_and_damaged_files(data, status, word):
    error = refused(data, "danh-sach.xlsx")
    assert error.status == status and word in error.message


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_opendocument_spreadsheet_is_named():
    data = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                 "content.xml": b"<x/>"})
    error = refused(data, "danh-sach.xlsx")
    assert error.status == 415 and ".ods" in error.message


def test_a_plain_zip_is_not_a_workbook():
    error = refused(_zip({"photo.jpg": b"\xff\xd8\xff"}), "danh-sach.xlsx")
    assert error.status == 415


def test_a_docx_renamed_xlsx_cannot_be_read_as_a_workbook():
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    error = refused(data, "danh-sach.xlsx")
    assert error.status == 422 and "Excel" in error.message


# --- writing --------------------------------------------------------------------------------


def test_csv_export_has_a_bom_and_defuses_formulas_and_reads_back_the_same():
    rows = [["Họ và tên", "Điện thoại", "Ghi chú"],
            ["Nguyễn Văn Trường", "+84 912 345 678", "=HYPERLINK(\"http://x\")"],
            ["Đào Anh Dũng", "0981924865", "@SUM(A1)"]]
    data = write_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+84" in text and "'@SUM" in text
    back = read_table("export.csv", data).rows
    assert back[0][1] == {"full_name": "Nguyễn Văn Trường", "phone": "+84 912 345 678",
                          "notes": "=HYPERLINK(\"http://x\")"}
    assert back[1][1]["phone"] == "0981924865"


def test_xlsx_export_cells_are_text_never_formulas():
    data = write_xlsx([["Họ và tên", "Điện thoại"], ["=1+2", "0981924865"]], "export")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=1+2"
    assert sheet["B2"].value == "0981924865"
    assert sheet["A1"].font.bold
