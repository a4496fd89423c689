"""Importing the delegate lists units send (CSV or XLSX): read rows -> check -> plan -> apply.

- read (`read_table`): a file becomes rows of strings keyed by our field names, with the row
  number the spreadsheet shows; a file that cannot be read at all raises a domain error that
  says why (wrong type, too large, not UTF-8, no name column...). Nothing is written.
  Rows under the table that are not delegates (totals, the signature block, the place and
  date line), section headings and blank rows are recognised and reported as skipped.
- check (`check_rows`): every row against the rules a form obeys, matched with the congress's
  delegates by code, or else by name and unit (and date of birth when both have one); each
  problem as (row, column, code, args), shown in the reader's language (`problem_message`).
- plan (`plan_import`): which rows create, update or leave a delegate.
- apply (`apply_import`): all of it in one transaction, or nothing.

Reading and the rest run as a job (`import_file`): pages stage the upload and run a dry run,
then the import (`stage_import`, `confirm_import`); the API starts either in one step. The
headers and words exports write (`header_label`, `value_label`) are the ones reading
understands.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal, lazy_gettext
from flask_babel import gettext as _
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from conference.audit.service import record
from conference.auth.models import User
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.delegates import schemas
from conference.delegates.models import (
    CHOICE_LABELS,
    CREDENTIAL_FIELDS,
    Delegate,
    delegate_keys,
    fold,
)
from conference.delegates.service import (
    FIELDS,
    DelegateInput,
    categories,
    category_labels,
    category_word_key,
    category_words,
    new_delegate_values,
)
from conference.errors import (
    ConferenceError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from conference.extensions import db
from conference.jobs.models import Job, JobStatus
from conference.jobs.service import job_handler, start_job
from conference.limits import LimitExceeded, run_limited
from conference.signals import delegates_changed, job_finished
from conference.tables import write_csv, write_xlsx

MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_IMPORT_BYTES = 30 * 1024 * 1024
# An XLSX is a zip: refuse one that would inflate past this, or by more than this ratio.
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
# Title lines above the header ("DANH SÁCH ĐẠI BIỂU...") are common; look this far for it.
HEADER_SEARCH_ROWS = 20
MAX_IMPORT_MB = MAX_IMPORT_BYTES // (1024 * 1024)
IMPORT_JOB = "delegate_import"
STAGED_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")
STAGED_LIFETIME = 24 * 3600  # seconds an uploaded list waits for its "Import" click
MAX_REPORTED_PROBLEMS = 1000
PREVIEW_ROWS = 50  # the preview shows these first rows as they will be stored, and every problem
PROGRESS_EVERY = 2000
# Reading an XLSX list of 100,000 rows took 30 s of CPU and 250 MB here (a CSV 1 s): a file
# needing four times that is not a delegate list.
READ_MEMORY_MB = 1024
READ_SECONDS = 120

# Our field -> the headers units use for it (compared without case, spaces, punctuation or
# diacritics). The first one is what exports write.
HEADER_ALIASES = {
    "code": ["Mã đại biểu", "Mã ĐB", "Mã", "Mã số", "Code", "Delegate code", "ID"],
    "full_name": ["Họ và tên", "Họ tên", "Họ và tên đại biểu", "Tên", "Full name", "Name"],
    "birth_date": ["Ngày sinh", "Ngày tháng năm sinh", "Năm sinh", "Date of birth",
                   "Birth date", "Born"],
    "gender": ["Giới tính", "Gender", "Sex"],
    "category": ["Loại đại biểu", "Loại", "Thành phần", "Đối tượng", "Category", "Type"],
    "unit": ["Đơn vị", "Đơn vị công tác", "Nơi công tác", "Cơ quan", "Unit", "Organisation",
             "Organization"],
    "position": ["Chức vụ", "Chức danh", "Position", "Title", "Job title"],
    "delegation": ["Đoàn", "Đoàn đại biểu", "Tổ", "Delegation", "Group"],
    "seat": ["Ghế", "Số ghế", "Vị trí ghế", "Seat"],
    "phone": ["Điện thoại", "Số điện thoại", "SĐT", "ĐT", "Di động", "Phone", "Phone number",
              "Mobile"],
    "email": ["Email", "E-mail", "Thư điện tử"],
    "status": ["Trạng thái", "Status"],
    "notes": ["Ghi chú", "Notes", "Note", "Remarks"],
    # What the credentials committee reports on.
    "ethnicity": ["Dân tộc", "Ethnicity", "Ethnic group"],
    "education": ["Trình độ chuyên môn", "Trình độ CM", "TĐCM", "Trình độ chuyên môn nghiệp vụ",
                  "Chuyên môn", "Education", "Qualification"],
    "theory_level": ["Lý luận chính trị", "LLCT", "Trình độ LLCT", "Trình độ lý luận chính trị",
                     "Lý luận", "Political theory"],
    "party_member": ["Đảng viên", "ĐV", "Là đảng viên", "Ngày vào Đảng", "Party member"],
    "sector": ["Khu vực", "Khu vực công tác", "Loại hình đơn vị", "Sector"],
    "mandate": ["Hình thức", "Hình thức đại biểu", "Mandate"],
    "absence_reason": ["Lý do vắng mặt", "Lý do vắng", "Lý do", "Absence reason"],
}
# Lists that split the name into "Họ" (family and middle names) and "Tên" (given name).
FAMILY_NAME_ALIASES = ["Họ", "Họ đệm", "Họ và đệm", "Họ và tên đệm", "Family name",
                       "Last name", "Surname"]
FAMILY_NAME = "family_name"
# The "STT" column numbers the rows: recognised, not stored (we give codes of our own).
ROW_NUMBER_ALIASES = ["STT", "TT", "Số TT", "Số thứ tự", "No", "No.", "#"]
ROW_NUMBER = "row_number"
# Lists with "Ngày sinh" over two columns "Nam" and "Nữ" write the date under the gender.
BIRTH_BY_GENDER = {"nam": ("birth_date_male", "male"), "nu": ("birth_date_female", "female")}
# Words people write for our values, per field (compared like headers); the first is exported.
VALUE_ALIASES = {
    "gender": {"male": ["Nam", "Male", "M"], "female": ["Nữ", "Nu", "Female", "F"]},
    "status": {"registered": ["Đã đăng ký", "Đăng ký", "Registered"],
               "confirmed": ["Đã xác nhận", "Xác nhận", "Confirmed"],
               "withdrawn": ["Đã rút", "Rút", "Vắng", "Withdrawn"]},
    "education": {
        "untrained": ["Chưa qua đào tạo", "Chưa đào tạo", "Không", "Lao động phổ thông", "LĐPT",
                      "Untrained"],
        "vocational": ["Sơ cấp, trung cấp", "Trung cấp", "TC", "Sơ cấp", "SC",
                       "Công nhân kỹ thuật", "CNKT", "Nghề", "Vocational"],
        "college": ["Cao đẳng", "CĐ", "College"],
        "university": ["Đại học", "ĐH", "Cử nhân", "CN", "Kỹ sư", "KS", "Bác sĩ", "BS",
                       "Dược sĩ", "Kiến trúc sư", "University", "Bachelor"],
        "master": ["Thạc sĩ", "Thạc sỹ", "ThS", "Cao học", "Master"],
        "doctor": ["Tiến sĩ", "Tiến sỹ", "TS", "PGS TS", "GS TS", "Doctor", "PhD"]},
    "theory_level": {
        "none": ["Chưa qua đào tạo", "Chưa", "Chưa có", "Không", "None"],
        "elementary": ["Sơ cấp", "SC", "Elementary"],
        "intermediate": ["Trung cấp", "TC", "Intermediate"],
        "advanced": ["Cao cấp, cử nhân", "Cao cấp", "CC", "Cử nhân", "CN", "Advanced"]},
    "party_member": {"yes": ["Có", "x", "ĐV", "Đảng viên", "Yes", "1", "✓", "✔", "v"],
                     "no": ["Không", "Quần chúng", "No", "0"]},
    "sector": {
        "public": ["Hành chính sự nghiệp", "HCSN", "Hành chính", "Sự nghiệp", "Khu vực công",
                   "Public"],
        "state_enterprise": ["Doanh nghiệp nhà nước", "DNNN", "DN nhà nước", "Nhà nước",
                             "State enterprise"],
        "private": ["Doanh nghiệp ngoài nhà nước", "DN ngoài nhà nước", "DN ngoài NN",
                    "Ngoài nhà nước", "Ngoài quốc doanh", "NQD", "Tư nhân", "DN tư nhân",
                    "Private"],
        "foreign": ["Doanh nghiệp có vốn đầu tư nước ngoài", "DN có vốn ĐTNN",
                    "Có vốn đầu tư nước ngoài", "Vốn đầu tư nước ngoài", "ĐTNN", "FDI",
                    "DN FDI", "Foreign-invested", "Foreign"]},
    "mandate": {
        "ex_officio": ["Đương nhiên", "Đại biểu đương nhiên", "ĐB đương nhiên", "Ex officio"],
        "elected": ["Bầu từ cấp dưới", "Bầu", "Được bầu", "Đại biểu bầu", "ĐB bầu", "Elected"],
        "appointed": ["Chỉ định", "Đại biểu chỉ định", "ĐB chỉ định", "Appointed"]},
}
# A date in the "Đảng viên" / "Ngày vào Đảng" column: when they joined, so a member.
VALUE_PATTERNS = {"party_member": (re.compile(r"^(\d{1,2}[/.-]\d{1,2}[/.-])?(19|20)\d\d$"),
                                   "yes")}
# Columns that hold a mark ("x") for one value of a field: "Đại biểu đương nhiên | Bầu | Chỉ
# định", side by side or under a merged "Hình thức". Read as "field=value" until the row is named.
MARK_COLUMNS = {("mandate", value): [*words, f"Đại biểu {words[0]}"]
                for value, words in {"ex_officio": ["Đương nhiên", "ĐB đương nhiên"],
                                     "elected": ["Bầu", "Được bầu", "ĐB bầu",
                                                 "Bầu từ cấp dưới"],
                                     "appointed": ["Chỉ định", "ĐB chỉ định"]}.items()}
MARKED = {"x", "co", "yes", "1", "v", "✓", "✔"}
EXPORT_FIELDS = ("code", "full_name", "birth_date", "gender", "category", "unit", "position",
                 "delegation", "seat", "phone", "email", "status", "notes", "ethnicity",
                 "education", "theory_level", "party_member", "sector", "mandate",
                 "absence_reason")


def _header_key(text: str) -> str:
    """Headers also lose punctuation: "Họ và tên (*)" and "E-mail:" match their aliases."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


HEADER_INDEX = {_header_key(alias): name for name, aliases in HEADER_ALIASES.items()
                for alias in [name, *aliases]}
HEADER_INDEX.update({_header_key(alias): FAMILY_NAME for alias in FAMILY_NAME_ALIASES})
HEADER_INDEX.update({_header_key(alias): ROW_NUMBER for alias in ROW_NUMBER_ALIASES})
HEADER_INDEX.update({_header_key(alias): f"{name}={value}"
                     for (name, value), aliases in MARK_COLUMNS.items() for alias in aliases})


def _marked_field(name: str | None) -> str | None:
    """The field a mark column ("mandate=ex_officio") sets, else None."""
    return name.split("=", 1)[0] if name and "=" in name else None

# Rows of a list that are not delegates, judged on folded text (no case, no diacritics).
# "Tổng cộng: 9 đại biểu", "Cộng: 9", "Tổng số 9 người" (not "Tống Công Minh": a number follows).
TOTALS = re.compile(r"^(tong cong|tong so|cong|total)\b\s*(:|-|\d|$)|"
                    r"^(tong cong|tong so|cong|total)\b.*\d+\s*(dai bieu|nguoi|dong chi|"
                    r"delegates?|persons?)?\W*$")
# "Hà Tĩnh, ngày 15 tháng 8 năm 2023", "ngày ... tháng ... năm ...".
DATE_LINE = re.compile(r"(^|,\s*)ngay\b.*\bthang\b.*\bnam\b")
# The signature block: who signs and for whom ("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH", "(Ký tên)").
SIGNATURE = re.compile(r"^(nguoi lap( bieu)?|tm\.?|t/m|kt\.?|tl\.?|ban thuong vu|"
                       r"ban chap hanh|chu tich|pho chu tich|thu truong( don vi)?|giam doc|"
                       r"truong ban|xac nhan|\(?ky\b|prepared by|approved by|signed)(\W|$)")
# "I. ĐẠI BIỂU CHÍNH THỨC", "A. Khối doanh nghiệp": a heading between groups of rows.
SECTION = re.compile(r"^([ivx]{1,4}|[a-e])[.)]\s+\S")
COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")  # "(1) (2) (3)" under a header


# What each problem code says; stored as code and arguments, put in words for each reader.
PROBLEMS = {
    "duplicate_code": lazy_gettext("The code %(code)s is also on row %(other)d."),
    "same_person": lazy_gettext("The same person as row %(other)d (same name, unit and date of "
                                "birth). Delete one of the rows."),
    "matches_several": lazy_gettext(
        "Matches %(count)d registered delegates with this name and unit (%(codes)s). Add the "
        "delegate code (Mã đại biểu) or the date of birth to tell them apart."),
    "unknown_category": lazy_gettext(
        "Unknown category “%(value)s”. Use one of: %(known)s, or add the word to a category "
        "on the categories page."),
    "no_rows": lazy_gettext("The file has a header but no delegates."),
    "required": lazy_gettext("This field is required."),
    "too_long": lazy_gettext("At most %(n)s characters."),
    "control_chars": lazy_gettext("Remove the control characters."),
    "invalid_gender": lazy_gettext("Write Nam or Nữ (male or female), or leave it empty."),
    "invalid_status": lazy_gettext("Write Đã đăng ký, Đã xác nhận or Đã rút (registered, "
                                   "confirmed, withdrawn), or leave it empty."),
    "invalid_code": lazy_gettext("Letters, digits, dots, dashes or slashes."),
    "invalid_email": lazy_gettext("This is not an email address."),
    "invalid_phone": lazy_gettext("This is not a phone number."),
    "invalid_birth_date": lazy_gettext("Write the date of birth as 05/03/1975."),
    "invalid_value": lazy_gettext("Invalid value."),
    "invalid_choice": lazy_gettext("“%(value)s” is not one of: %(known)s. Leave it empty if it "
                                   "is not known."),
}
# Why a row was not read as a delegate.
SKIP_REASONS = {
    "blank": lazy_gettext("Blank row"),
    "totals": lazy_gettext("Totals row"),
    "signature": lazy_gettext("Signature block"),
    "date_line": lazy_gettext("Place and date line"),
    "below_table": lazy_gettext("Below the signature block"),
    "section": lazy_gettext("Section heading"),
    "header_continued": lazy_gettext("Second header row"),
}


def problem_message(code: str, args: dict | None = None) -> str:
    """A problem in the reader's language (the job stored its code and arguments)."""
    template = PROBLEMS.get(code)
    if template is None:
        return str(PROBLEMS["invalid_value"])
    return str(template) % args if args else str(template)


@dataclass
class Problem:
    row: int  # the row number as the spreadsheet shows it (0: the file as a whole)
    column: str
    code: str
    args: dict = field(default_factory=dict)
    text: str = ""  # a message already in words (a file refused as a whole)

    @property
    def message(self) -> str:
        return self.text or problem_message(self.code, self.args)

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message,
                "code": self.code, "args": self.args}


@dataclass
class Skipped:
    row: int
    reason: str  # a key of SKIP_REASONS
    text: str  # what the row says, shortened

    def to_dict(self) -> dict:
        return {"row": self.row, "reason": self.reason, "text": self.text,
                "message": str(SKIP_REASONS[self.reason])}


@dataclass
class Sheet:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, values)
    problems: list[Problem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> its header in the file
    skipped: list[Skipped] = field(default_factory=list)
    # Every header of the file in order with the field it was read as ("" if ignored).
    header_fields: list[tuple[str, str]] = field(default_factory=list)
    kind: str = "csv"

    def column_label(self, name: str) -> str:
        """How the file itself names a field's column, for problem reports."""
        if name in self.headers:
            return self.headers[name]
        return header_label(name) if name in HEADER_ALIASES else ""


def _file_error(cls, message: str):
    return cls(message, fields={"file": message})


class UnreadableFile(ValidationFailed):
    """The file as a whole cannot be read (empty, not UTF-8, damaged, no name column...)."""

    code = "unreadable_file"


class WrongFileType(UnsupportedMediaType):
    """The file is not a CSV or XLSX file, whatever its name says."""

    code = "unsupported_file"


class FileTooLarge(PayloadTooLarge):
    code = "too_large"


def check_file(filename: str, data: bytes) -> str:
    """Judge an upload by its content, cheaply: "csv" or "xlsx", or raise why it is refused."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _file_error(FileTooLarge, _(
            "The file is larger than %(n)d MB. Split the list into several files.",
            n=MAX_IMPORT_BYTES // (1024 * 1024)))
    if not data.strip() or data.strip() in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        raise _file_error(UnreadableFile, _("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        _check_xlsx(data)
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(WrongFileType, _(
            "This is an old Excel 97–2003 file (.xls). Open it in Excel and save it as "
            "“Excel Workbook (.xlsx)” or “CSV UTF-8”."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        _decode(data)
        return "csv"
    if data.startswith(b"%PDF") or b"\x00" in data[:4096]:
        raise _file_error(WrongFileType, _(
            "This is not a CSV or XLSX file (%(name)s). Save the list as CSV UTF-8 or as an "
            "Excel workbook (.xlsx).", name=filename or "?"))
    _decode(data)
    return "csv"


def read_table(filename: str, data: bytes) -> Sheet:
    """Read a CSV or XLSX upload, judged by its content, into named rows."""
    kind, table = read_cells(filename, data)
    sheet = _name_columns(table)
    sheet.kind = kind
    return sheet


def read_cells(filename: str, data: bytes) -> tuple[str, list[list[str]]]:
    """The file's kind ("csv" or "xlsx") and its cells as text, row by row."""
    kind = check_file(filename, data)
    return kind, (_xlsx_rows(data) if kind == "xlsx" else _csv_rows(data))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text": UTF-16 with BOM
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _file_error(UnreadableFile, _(
                "The file says it is UTF-16 text but is damaged.")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _file_error(UnreadableFile, _(
            "The file is not UTF-8 text (line %(line)d has characters in another encoding, "
            "such as Windows-1258 or TCVN3). In Excel choose Save As, “CSV UTF-8 (Comma "
            "delimited)”, or upload the .xlsx workbook.", line=line)) from None


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    lines = text.splitlines()
    delimiter = None
    skip_first = False
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter, skip_first = lines[0].strip()[4], True  # Excel's "sep=;" hint line
    if delimiter is None:
        sample = "\n".join(line for line in lines[:HEADER_SEARCH_ROWS] if line.strip())
        delimiter = max((";", ",", "\t"), key=sample.count)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                break
            rows.append([_unescape(cell) for cell in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise _file_error(UnreadableFile, _(
            "Line %(line)d of the file cannot be read as CSV (%(reason)s).",
            line=reader.line_num, reason=str(exc))) from None
    if skip_first and rows:
        rows[0] = []  # keep the numbering: the hint is line 1
    return rows


def _unescape(cell: str) -> str:
    """Undo the apostrophe our exports (and Excel users) put before "+84..." or "=..."."""
    if len(cell) > 1 and cell[0] == "'" and (cell[1] in "=+-@" or cell[1].isdigit()):
        return cell[1:]
    return cell


def _check_xlsx(data: bytes) -> None:
    damaged = _file_error(UnreadableFile, _("The XLSX file is damaged."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise damaged from None
    # The declared sizes bound what reading can inflate to: zipfile stops at them.
    unpacked = sum(info.file_size for info in members.values())
    if unpacked > MAX_XLSX_UNPACKED or unpacked > MAX_XLSX_RATIO * max(len(data), 1):
        raise _file_error(FileTooLarge, _(
            "The XLSX file unpacks to too much data to be a delegate list."))
    mimetype = b""
    if "mimetype" in members and members["mimetype"].file_size < 200:
        try:
            mimetype = archive.read("mimetype")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise damaged from None
    if b"opendocument" in mimetype:
        raise _file_error(WrongFileType, _(
            "This is an OpenDocument spreadsheet (.ods). Save it as “Excel 2007-365 (.xlsx)” "
            "or as CSV UTF-8."))
    if "[Content_Types].xml" not in members:
        raise _file_error(WrongFileType, _(
            "This zip file is not an Excel workbook. Upload the list as .xlsx or CSV UTF-8."))
    _check_declared_size(archive, members)


# The size a worksheet declares, e.g. <dimension ref="A1:GR63001"/>, before its rows.
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="[A-Z]*\d*:?([A-Z]{1,3})(\d{1,7})"')
DIMENSION_SEARCH_BYTES = 64 * 1024
WORKBOOK_PART_LIMIT = 2 * 1024 * 1024  # workbook.xml and its relations are small
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _check_declared_size(archive: zipfile.ZipFile, members: dict) -> None:
    """Refuse, before any parsing, a first sheet that declares more rows or columns than a
    delegate list has: parsing is what a hostile workbook makes expensive."""
    part = _first_sheet_part(archive, members)
    if part is None:
        return  # nothing declared: reading it runs under limits (service._import_job)
    try:
        with archive.open(members[part]) as stream:
            head = stream.read(DIMENSION_SEARCH_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise _file_error(UnreadableFile, _("The XLSX file is damaged.")) from None
    match = DIMENSION.search(head)
    if match is None:
        return
    columns, rows = _column_number(match.group(1).decode()), int(match.group(2))
    if rows > MAX_ROWS + HEADER_SEARCH_ROWS or columns > MAX_COLUMNS:
        counts = {"rows": format_decimal(rows), "columns": format_decimal(columns),
                  "max_rows": format_decimal(MAX_ROWS)}  # 63.001 in Vietnamese
        raise _file_error(FileTooLarge, _(
            "The workbook's first sheet declares %(rows)s rows and %(columns)s columns; a "
            "delegate list may have at most %(max_rows)s rows and %(max_columns)s columns. "
            "Delete the empty rows and columns, or split the list.",
            max_columns=MAX_COLUMNS, **counts))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _first_sheet_part(archive: zipfile.ZipFile, members: dict) -> str | None:
    """The zip member of the workbook's first sheet (the one the import reads), if found."""
    from defusedxml import ElementTree

    names = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
    if any(name not in members or members[name].file_size > WORKBOOK_PART_LIMIT
           for name in names):
        return None
    try:
        workbook, relations = (ElementTree.fromstring(archive.read(name)) for name in names)
    except Exception:  # damaged or hostile XML: openpyxl will say it cannot read the file
        return None
    sheet = workbook.find(f"{NS_MAIN}sheets/{NS_MAIN}sheet")
    if sheet is None:
        return None
    wanted = sheet.get(f"{NS_RELATION}id")
    for relation in relations:
        if relation.get("Id") == wanted:
            target = relation.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return part if part in members else None
    return None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    import openpyxl  # with defusedxml installed, openpyxl refuses XML bombs

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise _file_error(UnreadableFile, _(
            "The XLSX file could not be read as an Excel workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        # One column more than allowed: openpyxl pads or cuts rows to the width asked for (else
        # to the declared one, which may lie), so a value there means the sheet is too wide.
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                break
            _check_row_width(row, len(rows) + 1)
            rows.append(["" if cell is None else _cell_text(cell) for cell in row[:MAX_COLUMNS]])
        return rows
    except FileTooLarge:
        raise
    except Exception:  # a damaged sheet part fails only while reading it
        raise _file_error(UnreadableFile, _(
            "The XLSX file could not be read as an Excel workbook.")) from None
    finally:
        workbook.close()


def _check_row_width(row: tuple, number: int) -> None:
    """Refuse at its first such row a sheet wider than a list: every later row costs as much."""
    if len(row) > MAX_COLUMNS and row[MAX_COLUMNS] not in (None, ""):
        from openpyxl.utils import get_column_letter

        raise _file_error(FileTooLarge, _(
            "Row %(row)d of the workbook's first sheet has values in column %(column)s; a "
            "delegate list may have at most %(max_columns)d columns. Delete the extra columns.",
            row=number, column=get_column_letter(MAX_COLUMNS + 1), max_columns=MAX_COLUMNS))


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y") if not getattr(value, "hour", 0) else str(value)
    return _unescape(str(value))


def _find_header(table: list[list[str]]) -> int:
    """The row that names the columns: the first of the first rows with a name column."""
    seen = 0
    first = None
    for index, row in enumerate(table):
        if not any(str(cell).strip() for cell in row):
            continue
        first = index if first is None else first
        names = {HEADER_INDEX.get(_header_key(cell)) for cell in row}
        if "full_name" in names:
            return index
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise _file_error(UnreadableFile, _("The file has no rows."))
    found = ", ".join(c.strip() for c in table[first] if c.strip())[:300] or "—"
    raise _file_error(UnreadableFile, _(
        "No “Họ và tên” / “Full name” column in the first rows. Columns found: %(found)s.",
        found=found))


def _header_names(sheet: Sheet, header: list[str], below: list[str]) -> tuple[list, bool]:
    """The field of each column, and whether the row below the header continues it.

    Merged header cells leave their later columns empty; a second header row under them
    ("Nam" | "Nữ" under "Ngày sinh", "(1) (2) (3)", or the names under a merged group) says
    what those columns hold.
    """
    width = max(len(header), len(below))
    top = [header[i] if i < len(header) else "" for i in range(width)]
    sub = [below[i] if i < len(below) else "" for i in range(width)]
    sub_keys = [_header_key(cell) for cell in sub]
    continued = any(sub_keys) and all(
        not key or key in HEADER_INDEX or key in BIRTH_BY_GENDER or COLUMN_NUMBER.match(key)
        for key in sub_keys)
    names: list[str | None] = []
    labels: list[str] = []
    group, group_label = None, ""  # the merged header cell a column sits under
    for index, (cell, key) in enumerate(zip(top, sub_keys, strict=True)):
        name = HEADER_INDEX.get(_header_key(cell))
        label = cell.strip()
        if label:
            group, group_label = name, label
        if continued and key in BIRTH_BY_GENDER and group == "birth_date":
            name, label = BIRTH_BY_GENDER[key][0], f"{group_label} – {sub[index].strip()}"
        elif continued and key in HEADER_INDEX and (
                not name or _marked_field(HEADER_INDEX[key]) == group):
            name = HEADER_INDEX[key]  # "Bầu" under a merged "Hình thức": a mark column
            label = sub[index].strip() if not _marked_field(name) else \
                f"{group_label} – {sub[index].strip()}"
        if name in sheet.headers:
            name = None  # two columns for one field: the first one counts
        if name:
            sheet.headers[name] = label
        names.append(name)
        labels.append(label or sub[len(labels)].strip())
    sheet.header_fields = [(label, name or "") for label, name in zip(labels, names,
                                                                       strict=True)
                           if label]
    return names, continued


def _name_columns(table: list[list[str]]) -> Sheet:
    sheet = Sheet()
    header_at = _find_header(table)
    below = next((row for row in table[header_at + 1:header_at + 2]), [])
    names, continued = _header_names(sheet, table[header_at], below)
    if "birth_date_male" in sheet.headers or "birth_date_female" in sheet.headers:
        sheet.headers.setdefault("birth_date", " / ".join(
            sheet.headers[name] for name in ("birth_date_male", "birth_date_female")
            if name in sheet.headers))
    for name in {_marked_field(name) for name in sheet.headers} - {None}:
        sheet.headers.setdefault(name, " / ".join(
            label for column, label in sheet.headers.items() if _marked_field(column) == name))
    if FAMILY_NAME in sheet.headers:
        sheet.headers["full_name"] = f"{sheet.headers[FAMILY_NAME]} + {sheet.headers['full_name']}"
    sheet.columns = [name for name in names if name and name not in (FAMILY_NAME, ROW_NUMBER)
                     and not _marked_field(name)]
    if len(table) - header_at - 1 > MAX_ROWS:
        raise _file_error(UnreadableFile, _("The file has more than %(n)d rows.", n=MAX_ROWS))
    ended = False  # a signature block ends the table: what follows signs it
    for number, row in enumerate(table[header_at + 1:], start=header_at + 2):
        values = {name: (row[i] if i < len(row) else "").strip()
                  for i, name in enumerate(names) if name}
        if continued and number == header_at + 2:
            sheet.skipped.append(Skipped(number, "header_continued", _row_text(row)))
            continue
        reason = _not_a_delegate(row, values, ended)
        if reason:
            ended = ended or reason in ("signature", "date_line")
            sheet.skipped.append(Skipped(number, reason, _row_text(row)))
            continue
        values.pop(ROW_NUMBER, None)
        _birth_by_gender(values)
        _read_marks(values)
        family = values.pop(FAMILY_NAME, "")
        if family:
            values["full_name"] = f"{family} {values.get('full_name', '')}".strip()
        for name in VALUE_ALIASES:
            if values.get(name):
                values[name] = _canonical(name, values[name])
        if values.get("phone"):
            values["phone"] = _phone(values["phone"])
        sheet.rows.append((number, values))
    return sheet


def _birth_by_gender(values: dict[str, str]) -> None:
    """A date under "Nam" or "Nữ" is the date of birth, and says the gender."""
    for name, gender in BIRTH_BY_GENDER.values():
        born = values.pop(name, "")
        if born and not values.get("birth_date"):
            values["birth_date"] = born
            values["gender"] = values.get("gender") or gender


def _read_marks(values: dict[str, str]) -> None:
    """A marked cell ("x", "có") of a mark column gives its field that column's value; any
    other word is kept, so the check names the row and column it cannot place."""
    for column in [column for column in values if _marked_field(column)]:
        cell = values.pop(column)
        name, value = column.split("=", 1)
        if cell and not values.get(name):
            values[name] = value if _value_key(cell) in MARKED else cell


def _row_text(row: list[str]) -> str:
    return " · ".join(cell.strip() for cell in row if cell.strip())[:120]


def _not_a_delegate(row: list[str], values: dict[str, str], ended: bool) -> str | None:
    """Why a row is not a delegate (a key of SKIP_REASONS), or None if it may be one."""
    if not any(value for name, value in values.items() if name != ROW_NUMBER):
        return "blank"  # empty, or an STT number with nothing beside it
    # Folding every cell of every row cost a big list a second: totals start with T or C.
    if any(cell.lstrip()[:1] in "TtCc" and TOTALS.match(fold(cell)) for cell in row):
        return "totals"
    filled = [fold(cell) for cell in row if cell.strip()] if ended else []
    if ended:
        return "signature" if any(SIGNATURE.match(text) for text in filled) else "below_table"
    name = fold(values.get("full_name", "") or values.get(FAMILY_NAME, ""))
    if values.get("birth_date") or (name and not _looks_like_heading(name)):
        return None
    filled = [fold(cell) for cell in row if cell.strip()]
    if any(DATE_LINE.search(text) for text in filled):
        return "date_line"
    if any(SIGNATURE.match(text) for text in filled):
        return "signature"
    if name and SECTION.match(name) and not values.get(ROW_NUMBER):
        return "section"
    return None


def _looks_like_heading(name: str) -> bool:
    """A name cell that holds a signature title, a date line or a section heading."""
    return bool(SIGNATURE.match(name) or DATE_LINE.search(name) or SECTION.match(name))


def _phone(value: str) -> str:
    """Give back the leading zero a spreadsheet drops from a number like 0981924865."""
    if re.fullmatch(r"[1-9]\d{8}", value):
        return "0" + value
    return value


def _value_key(text: str) -> str:
    """Values compare without case, diacritics, spaces or dots: "Th.S", "ths" and "ThS" are one
    word, "ĐH" is "dh"; a mark like "✓" keeps itself."""
    folded = fold(text)
    return re.sub(r"[\W_]+", "", folded) or folded


_VALUE_INDEX = {name: {_value_key(word): canonical for canonical, words in aliases.items()
                       for word in [canonical, *words]}
                for name, aliases in VALUE_ALIASES.items()}


def _canonical(name: str, value: str) -> str:
    """The key of the value a cell means: a word of VALUE_ALIASES, or its first words ("ĐH Sư
    phạm" is a university degree, "Cao cấp LLCT" the advanced level), or a pattern; else the
    cell as written, for the check to refuse."""
    index = _VALUE_INDEX[name]
    words = re.sub(r"[\W_]+", " ", fold(value)).split()
    for end in range(len(words), 0, -1):
        found = index.get(_value_key("".join(words[:end])))
        if found is not None:
            return found
    found = index.get(_value_key(value))
    if found is None and name in VALUE_PATTERNS and VALUE_PATTERNS[name][0].match(value.strip()):
        return VALUE_PATTERNS[name][1]
    return value if found is None else found


def field_labels() -> dict[str, str]:
    """Our fields as the import pages name them, in the page's language."""
    return {"code": _("Code"), "full_name": _("Full name"), "birth_date": _("Date of birth"),
            "gender": _("Gender"), "category": _("Category"), "unit": _("Unit"),
            "position": _("Position"), "delegation": _("Delegation"), "seat": _("Seat"),
            "phone": _("Phone"), "email": _("Email"), "status": _("Status"),
            "notes": _("Notes"), ROW_NUMBER: _("Row number (not stored)"),
            FAMILY_NAME: _("Family name"), "birth_date_male": _("Date of birth (male)"),
            "birth_date_female": _("Date of birth (female)"),
            **{name: str(label) for name, label in CREDENTIAL_FIELDS.items()},
            **{f"{name}={value}": f"{CREDENTIAL_FIELDS[name]}: {CHOICE_LABELS[name][value]}"
               for name, value in MARK_COLUMNS}}


PREVIEW_FIELDS = ("full_name", "birth_date", "gender", "category", "unit", "position",
                  "delegation", "seat", "phone", "email", *CREDENTIAL_FIELDS)


def preview_fields(columns: list[dict]) -> list[str]:
    """The fields the preview shows: the name and those the file has a column for."""
    read = {_marked_field(column["field"]) or column["field"] for column in columns} | {
        "full_name"}
    if read & {"birth_date_male", "birth_date_female"}:
        read |= {"birth_date", "gender"}
    return [name for name in PREVIEW_FIELDS if name in read]


def header_label(name: str) -> str:
    """The Vietnamese header we print for a field in problem reports and exports."""
    return HEADER_ALIASES[name][0]


def value_label(name: str, value: str) -> str:
    """The word exports write for a gender, status or credentials value (the one lists use)."""
    words = VALUE_ALIASES.get(name, {}).get(value)
    return words[0] if words else value


# --- the import: read rows -> check -> plan -> apply --------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": self.errors}


def _category_index(congress: Congress) -> dict[str, str]:
    """Every word a list may use for a category -> the category's key."""
    return {category_word_key(word): category.key for category in categories(congress)
            for word in category_words(category) if category_word_key(word)}


FIELD_PROBLEMS = {"gender": "invalid_gender", "status": "invalid_status", "code": "invalid_code",
                  "email": "invalid_email", "phone": "invalid_phone",
                  "birth_date": "invalid_birth_date"}
FIELD_PROBLEMS.update({name: "invalid_choice" for name in CHOICE_LABELS})


def _choices(name: str, value: object) -> dict:
    """What an "invalid_choice" problem says: the cell and the words a list may write."""
    known = ", ".join(words[0] for words in VALUE_ALIASES[name].values())
    return {"value": str(value)[:60], "known": known}


def _field_problems(sheet: Sheet, row: int, error: PydanticValidationError) -> list[Problem]:
    """Pydantic's complaints as problem codes, one per column."""
    problems: dict[str, Problem] = {}
    for detail in error.errors(include_url=False):
        ctx = detail.get("ctx") or {}
        name = str(ctx.get("field") or (detail["loc"] or ("",))[0])
        kind = detail["type"]
        if kind == "missing" or (kind in ("too_short", "string_too_short")
                                 and ctx.get("min_length") == 1):
            code, args = "required", {}
        elif kind in ("too_long", "string_too_long"):
            code, args = "too_long", {"n": ctx.get("max_length")}
        elif kind == "control_chars":
            code, args = kind, {}
        else:
            code = FIELD_PROBLEMS.get(name, "invalid_value")
            args = _choices(name, detail.get("input", "")) if code == "invalid_choice" else {}
        problems.setdefault(name, Problem(row, sheet.column_label(name), code, args))
    return list(problems.values())


Progress = Callable[[int, int], None]


@dataclass
class CheckedRow:
    number: int  # as the spreadsheet shows it
    values: DelegateInput
    match: Row | None  # the registered delegate it updates, found by code or by name and unit
    by_name: bool = False  # matched by name and unit, not by code


@dataclass
class CheckedRows:
    """The rows of a list that passed every check, and every problem of those that did not."""

    rows: list[CheckedRow]
    problems: list[Problem]
    existing: dict[str, Row]  # code -> the congress's delegate with that code (id and fields)


@dataclass
class ImportPlan:
    """What importing checked rows writes: new delegates, changed ones, and how many stay."""

    inserts: list[dict]
    updates: list[dict]
    unchanged: int
    actions: dict[int, str] = field(default_factory=dict)  # row -> create, update, unchanged


def _person_key(values: dict) -> tuple[str, str]:
    """Who a row without a code is: the name and unit, folded ("Trường" is "truong")."""
    return fold(values.get("full_name") or ""), fold(values.get("unit") or "")


class _Matcher:
    """Finds the registered delegate a row means: by code, else by name and unit (and date of
    birth when both have one); flags rows that repeat a code or a person of the same file."""

    def __init__(self, sheet: Sheet, existing: dict[str, Row]):
        self.sheet = sheet
        self.by_code = existing
        self.by_person: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in existing.values():
            self.by_person[_person_key(row._asdict())].append(row)
        self.seen_codes: dict[str, int] = {}
        self.seen_people: dict[tuple, int] = {}

    def match(self, number: int, values: dict) -> tuple[Row | None, Problem | None]:
        code = values.get("code", "")
        if code:
            if code in self.seen_codes:
                return None, Problem(number, self.sheet.column_label("code"), "duplicate_code",
                                     {"code": code, "other": self.seen_codes[code]})
            self.seen_codes[code] = number
            return self.by_code.get(code), None
        born = _iso_birth_date(values.get("birth_date", ""))
        person = (*_person_key(values), born)
        if person[0] and person in self.seen_people:
            return None, Problem(number, self.sheet.column_label("full_name"), "same_person",
                                 {"other": self.seen_people[person]})
        self.seen_people[person] = number
        candidates = [row for row in self.by_person.get(person[:2], [])
                      if not born or not row.birth_date or row.birth_date == born]
        if len(candidates) > 1:
            return None, Problem(number, self.sheet.column_label("full_name"), "matches_several",
                                 {"count": len(candidates),
                                  "codes": ", ".join(sorted(row.code for row in candidates))})
        return (candidates[0] if candidates else None), None


def _iso_birth_date(value: str) -> str:
    """The date of birth as stored (ISO), or "" if the cell is empty or not a date."""
    if not value:
        return ""
    try:
        return DelegateInput.model_validate({"full_name": "-", "birth_date": value}).birth_date
    except PydanticValidationError:
        return ""


def check_rows(congress: Congress, sheet: Sheet,
               progress: Progress | None = None) -> CheckedRows:
    """Check every row of a list read from a file; nothing is written.

    A row that matches a delegate of the congress (by code, or by name and unit) is checked as
    that delegate with the row's cells on top (a cell left empty keeps the value it had).
    `progress(done, total)` hears how far the checking is.
    """
    problems = list(sheet.problems)
    category_of = _category_index(congress)
    known_categories = set(category_of.values())
    category_names = ", ".join(category_labels(congress, "vi").values())
    existing = {row.code: row for row in db.session.execute(
        select(Delegate.id, *[getattr(Delegate, name) for name in FIELDS])
        .where(Delegate.congress_id == congress.id))}
    if not sheet.rows:
        problems.append(Problem(0, "", "no_rows"))
    matcher = _Matcher(sheet, existing)
    checked: list[CheckedRow] = []
    total = len(sheet.rows)
    for done, (number, values) in enumerate(sheet.rows, start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if values.get("category"):
            values["category"] = category_of.get(category_word_key(values["category"]),
                                                 values["category"])
        match, problem = matcher.match(number, values)
        if problem is not None:
            problems.append(problem)
            continue
        base = match._asdict() if match is not None else {}
        base.pop("id", None)
        try:
            row = DelegateInput.model_validate(base | {k: v for k, v in values.items() if v})
        except PydanticValidationError as error:
            problems.extend(_field_problems(sheet, number, error))
            continue
        if row.category not in known_categories:
            problems.append(Problem(number, sheet.column_label("category"), "unknown_category",
                                    {"value": row.category, "known": category_names}))
            continue
        checked.append(CheckedRow(number, row, match, by_name=match is not None and
                                  not values.get("code")))
    if progress:
        progress(total, total)
    return CheckedRows(checked, problems, existing)


def plan_import(congress: Congress, checked: CheckedRows) -> ImportPlan:
    """Insert, update or leave each checked row's delegate.

    A new row without a code gets the next free "DB0001"-style one.
    """
    existing = checked.existing
    inserts, updates, unchanged, actions = [], [], 0, {}
    taken = set(existing) | {row.values.code for row in checked.rows if row.values.code}
    next_number = len(existing) + 1
    for checked_row in checked.rows:
        row, match = checked_row.values, checked_row.match
        if match is not None:
            old = match._asdict()
            row.code = old["code"]
            new = row.model_dump()
            if any(old[name] != new[name] for name in FIELDS):
                updates.append(new | {"row_id": old["id"]} | delegate_keys(
                    new["full_name"], new["code"], new["unit"], new["seat"]))
                actions[checked_row.number] = "update"
            else:
                unchanged += 1
                actions[checked_row.number] = "unchanged"
            continue
        if not row.code:
            while f"DB{next_number:04d}" in taken:
                next_number += 1
            row.code = f"DB{next_number:04d}"
            taken.add(row.code)
        inserts.append(new_delegate_values(congress, row))
        actions[checked_row.number] = "create"
    return ImportPlan(inserts, updates, unchanged, actions)


def apply_import(actor: Actor, congress: Congress, plan: ImportPlan) -> None:
    """Write the plan in one transaction (all or nothing), audit it, then tell the others."""
    try:
        if plan.inserts:
            db.session.execute(insert(_TABLE), plan.inserts)
        if plan.updates:
            db.session.execute(_BULK_UPDATE, plan.updates)
        record(actor, "delegate.import", congress_id=congress.id,
               details={"created": len(plan.inserts), "updated": len(plan.updates),
                        "unchanged": plan.unchanged})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("The delegates changed while the list was imported (someone saved a "
                         "code it uses). Nothing was imported; try again."),
                       code="import_conflict") from None
    if plan.inserts or plan.updates:
        delegates_changed.send(congress, actor=actor)


def _preview(sheet: Sheet, checked: CheckedRows, plan: ImportPlan) -> list[dict]:
    """The first rows as they will be stored, and every row with a problem as it was read."""
    stored = {row.number: row for row in checked.rows}
    troubled = {problem.row for problem in checked.problems if problem.row}
    shown = []
    for index, (number, values) in enumerate(sheet.rows):
        if number in troubled:
            shown.append({"row": number, "action": "error", "code": values.get("code", ""),
                          "values": dict(values)})
        elif index < PREVIEW_ROWS and number in stored:
            row = stored[number]
            shown.append({"row": number, "action": plan.actions[number], "code": row.values.code,
                          "values": {name: str(value) for name, value in
                                     row.values.model_dump().items()},
                          "matched": row.match.code if row.by_name else ""})
        if len(shown) >= PREVIEW_ROWS + MAX_REPORTED_PROBLEMS:
            break
    return shown


def import_delegates(actor: Actor, congress: Congress, sheet: Sheet, *,
                     dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Check every row, then write all of them in one transaction, or none if any is wrong.

    Rows that match a delegate of the congress (by code, else by name and unit) update that
    delegate, so a corrected list can be imported again without duplicates. `progress(done,
    total)` hears about the checking; it is never called once writing starts. The result's
    preview shows the first rows as they will be stored and every row with a problem.
    """
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    checked = check_rows(congress, sheet, progress)
    plan = plan_import(congress, checked)
    preview = _preview(sheet, checked, plan)
    if checked.problems:
        return ImportResult(errors=[problem.to_dict() for problem in checked.problems],
                            preview=preview)
    if not dry_run:
        apply_import(actor, congress, plan)
    return ImportResult(created=len(plan.inserts), updated=len(plan.updates),
                        unchanged=plan.unchanged, preview=preview)


# Core statements for the bulk writes: the ORM's bulk paths took twice as long for 70,000 rows.
_TABLE = Delegate.__table__
_BULK_UPDATE = (update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
                .values({name: bindparam(name) for name in (*FIELDS, "search_key", "name_key")}))


# --- import in the background, with a progress bar ------------------------------------------


def _staging_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _staged_path(name: str) -> Path:
    if not STAGED_NAME.match(name or ""):
        raise NotFound(_("The uploaded list is gone. Upload it again."))
    return _staging_dir() / name


def _clean_staging() -> None:
    """Forget uploads nobody imported within a day."""
    limit = time.time() - STAGED_LIFETIME
    for path in _staging_dir().iterdir():
        if STAGED_NAME.match(path.name) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def import_file(actor: Actor, congress: Congress, filename: str, data: bytes, *,
                dry_run: bool = False) -> Job:
    """Keep an uploaded list and start its import (or only its check) as a job.

    What can be judged at once (type, size, encoding, the size a workbook declares) is refused
    here; the rows are read and checked by the job, whose progress and result the page and the
    API show.
    """
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    kind = check_file(filename, data)
    _clean_staging()
    name = f"{secrets.token_hex(16)}.{kind}"
    (_staging_dir() / name).write_bytes(data)
    return start_job(actor, congress, IMPORT_JOB, _job_params(actor, name, filename, dry_run))


def stage_import(actor: Actor, congress: Congress, filename: str, data: bytes) -> Job:
    """The page's first step: keep the list and check it (a dry run); `confirm_import` next."""
    return import_file(actor, congress, filename, data, dry_run=True)


def _job_params(actor: Actor, upload: str, filename: str, dry_run: bool) -> dict:
    return {"upload": upload, "filename": (filename or "")[:200], "dry_run": dry_run,
            "address": actor.address[:64]}


def get_import_job(actor: Actor, congress: Congress, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != IMPORT_JOB or job.congress_id != congress.id:
        raise NotFound(_("Import not found."))
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    return job


def confirm_import(actor: Actor, congress: Congress, job: Job) -> Job:
    """Import for real the list whose dry run found no problem (the rows are checked again)."""
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    result = job.result or {}
    if not job.params.get("dry_run") or job.status != JobStatus.DONE or result.get("errors"):
        raise Conflict(_("Only a checked list without problems can be imported."),
                       code="import_not_ready")
    path = _staged_path(job.params.get("upload", ""))
    if not path.is_file():
        raise NotFound(_("The uploaded list is gone. Upload it again."))
    return start_job(actor, congress, IMPORT_JOB,
                     _job_params(actor, path.name, job.params.get("filename", ""), False))


@job_finished.connect
def _imported_elsewhere(congress: Congress, job: Job, **_extra) -> None:
    """An import that ran in a job's own process changed the delegates: say so here too."""
    if job.kind == IMPORT_JOB and job.status == JobStatus.DONE and not job.params.get("dry_run"):
        delegates_changed.send(congress, actor=None)


def problems_csv(errors: list[dict]) -> bytes:
    """The problems of a file that could not be read as a list: one line each."""
    rows = [[_("Row"), _("Column"), _("Problem")]]
    rows += [[e["row"] or "", e["column"], e["message"]] for e in errors]
    return write_csv(rows)


def problem_rows_file(kind: str, table: list[list[str]], errors: list[dict]) -> bytes:
    """The uploaded list cut down to its header and the rows with problems, each with its
    problems in an added column, in the format it came in: fix the rows, upload it again."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        column = f"{error['column']}: " if error["column"] else ""
        by_row[error["row"]].append(column + error["message"])
    header_at = _find_header(table)
    width = max((len(row) for row in table), default=0)
    padded = [*table[header_at], *[""] * (width - len(table[header_at]))]
    rows = [[*padded, _("Problem")]]
    if by_row.get(0):
        rows.append([*[""] * width, "; ".join(by_row.pop(0))])
    for number in sorted(by_row):
        cells = table[number - 1] if 0 < number <= len(table) else []
        rows.append([*cells, *[""] * (width - len(cells)), "; ".join(by_row[number])])
    if kind == "xlsx":
        return write_xlsx(rows, _("Rows with problems"))
    return write_csv(rows)


def localized_result(result: dict) -> dict:
    """An import's result with its messages in the reader's language (the job stored codes)."""
    shown = dict(result)
    shown["errors"] = [error | {"message": problem_message(error["code"], error.get("args"))}
                       if error.get("code") in PROBLEMS else error
                       for error in result.get("errors", [])]
    shown["skipped"] = [entry | {"message": str(SKIP_REASONS[entry["reason"]])}
                        if entry.get("reason") in SKIP_REASONS else entry
                        for entry in result.get("skipped", [])]
    error = result.get("error")
    if error and error.get("code") == "invalid_rows":
        shown["error"] = error | {"message": _invalid_rows(result.get("error_count", 0))}
    return shown


def _invalid_rows(count: int) -> str:
    return _("%(n)d problems found; nothing was imported.", n=count)


def template_file() -> bytes:
    """An empty list with the Vietnamese headers the import reads, for units to fill in."""
    headers = ["STT", *(header_label(name) for name in TEMPLATE_FIELDS)]
    return write_xlsx([headers], "Danh sách đại biểu",
                      widths=[6, 28, 12, 10, 22, 32, 24, 20, 8, 14, 26, 14, 24,
                              10, 18, 16, 10, 24, 18])


TEMPLATE_FIELDS = ("full_name", "birth_date", "gender", "category", "unit", "position",
                   "delegation", "seat", "phone", "email", "code", "notes", "ethnicity",
                   "education", "theory_level", "party_member", "sector", "mandate")


def _read_staged(filename: str, path: Path) -> Sheet:
    return read_table(filename, path.read_bytes())


def _read_staged_cells(filename: str, path: Path) -> tuple[str, list[list[str]]]:
    return read_cells(filename, path.read_bytes())


def read_limited(filename: str, path: Path, reader: Callable | None = None):
    """Read a staged list in a child process with memory and time limits: a workbook built to
    exhaust the server (a lying size, millions of cells) costs that child alone."""
    try:
        return run_limited(reader or _read_staged, filename, path, memory_mb=READ_MEMORY_MB,
                           seconds=READ_SECONDS)
    except LimitExceeded as exceeded:
        if exceeded.limit == "memory":
            message = _("Reading the file needs more than %(n)d MB of memory, far more than a "
                        "delegate list. Delete the empty rows and columns, or split the list.",
                        n=READ_MEMORY_MB)
        else:
            message = _("Reading the file took longer than %(n)d seconds, far longer than a "
                        "delegate list. Delete the empty rows and columns, or split the list.",
                        n=READ_SECONDS)
        raise FileTooLarge(message, fields={"file": message}) from None


@job_handler(IMPORT_JOB, Capability.EDIT_DELEGATES, lazy_gettext("Delegate import"),
             present=localized_result)
def _import_job(job: Job, progress: Progress) -> tuple[bytes, str, dict]:
    """Check (dry run) or import a staged list; the result file holds the rows with problems.

    The summary is what the API's import answered before it became a job: the counts and
    `errors` row by row, and `error` (`invalid_rows`, or why the file could not be read) when
    nothing was imported; then what was read: `columns`, `skipped` rows and the `preview`.
    """
    params = job.params
    dry_run = params.get("dry_run", True)
    congress = db.session.get(Congress, job.congress_id)
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    actor = Actor(user, params.get("address", ""), "web")
    path = _staged_path(params.get("upload", ""))
    refused, sheet = None, None
    try:
        sheet = read_limited(params.get("filename", ""), path)
        progress(0, len(sheet.rows))
        result = import_delegates(actor, congress, sheet, dry_run=dry_run, progress=progress)
    except FileNotFoundError:
        refused = NotFound(_("The uploaded list is gone. Upload it again."))
    except ConferenceError as error:
        refused = error
    if refused is not None:
        result = ImportResult(errors=[Problem(0, "", refused.code, text=refused.message)
                                      .to_dict()])
    problems_file, extension = problems_csv(result.errors), "csv"
    if result.errors and sheet is not None:
        kind, table = read_limited(params.get("filename", ""), path, _read_staged_cells)
        problems_file, extension = problem_rows_file(kind, table, result.errors), kind
    if result.errors or not dry_run:
        path.unlink(missing_ok=True)  # imported, or never importable: not kept
    summary = result.to_dict() | {"dry_run": dry_run, "error_count": len(result.errors),
                                  "filename": params.get("filename", "")}
    summary["errors"] = result.errors[:MAX_REPORTED_PROBLEMS]
    if sheet is not None:
        summary |= {"columns": [{"header": header, "field": name}
                                for header, name in sheet.header_fields],
                    "skipped": [entry.to_dict() for entry in sheet.skipped[:MAX_REPORTED_PROBLEMS]],
                    "skipped_count": len(sheet.skipped), "preview": result.preview,
                    "file_kind": sheet.kind}
    if refused is not None:
        summary["error"] = {"code": refused.code, "message": refused.message}
    elif result.errors:
        summary["error"] = {"code": "invalid_rows", "message": _invalid_rows(len(result.errors))}
    documented = schemas.ImportResult.model_validate(summary).model_dump(mode="json",
                                                                        exclude_none=True)
    return problems_file, extension, documented
