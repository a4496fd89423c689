"""Importing the delegate lists units send (CSV or XLSX): read rows -> check -> plan -> apply.

- read (`read_table`): a file becomes rows of strings keyed by our field names, with the row
  number the spreadsheet shows; a file that cannot be read at all raises a domain error that
  says why (wrong type, too large, not UTF-8, no name column...). Nothing is written.
- check (`check_rows`): every row against the rules a form obeys; each problem as
  (row, column, message).
- plan (`plan_import`): rows matched with the congress's delegates by code.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal, lazy_gettext
from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from conference.audit.service import record
from conference.auth.models import User
from conference.auth.service import Actor, Capability, authorize
from conference.congresses.models import Congress
from conference.delegates import schemas
from conference.delegates.models import Delegate, delegate_keys, fold
from conference.delegates.service import (
    FIELDS,
    DelegateInput,
    categories,
    category_labels,
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
from conference.tables import write_csv
from conference.validation import validate

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
    "gender": ["Giới tính", "Gender", "Sex"],
    "category": ["Loại đại biểu", "Loại", "Thành phần", "Category", "Type"],
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
}
# Lists that split the name into "Họ" (family and middle names) and "Tên" (given name).
FAMILY_NAME_ALIASES = ["Họ", "Họ đệm", "Họ và đệm", "Họ và tên đệm", "Family name",
                       "Last name", "Surname"]
FAMILY_NAME = "family_name"
# Words people write for our values, per field (compared like headers); the first is exported.
VALUE_ALIASES = {
    "gender": {"male": ["Nam", "Male", "M"], "female": ["Nữ", "Nu", "Female", "F"]},
    "status": {"registered": ["Đã đăng ký", "Đăng ký", "Registered"],
               "confirmed": ["Đã xác nhận", "Xác nhận", "Confirmed"],
               "withdrawn": ["Đã rút", "Rút", "Vắng", "Withdrawn"]},
}
EXPORT_FIELDS = ("code", "full_name", "gender", "category", "unit", "position", "delegation",
                 "seat", "phone", "email", "status", "notes")


def _header_key(text: str) -> str:
    """Headers also lose punctuation: "Họ và tên (*)" and "E-mail:" match their aliases."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


HEADER_INDEX = {_header_key(alias): name for name, aliases in HEADER_ALIASES.items()
                for alias in [name, *aliases]}
HEADER_INDEX.update({_header_key(alias): FAMILY_NAME for alias in FAMILY_NAME_ALIASES})


@dataclass
class Problem:
    row: int  # the row number as the spreadsheet shows it (0: the file as a whole)
    column: str
    message: str

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Sheet:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, values)
    problems: list[Problem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> its header in the file

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
    kind = check_file(filename, data)
    table = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    return _name_columns(table)


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


def _name_columns(table: list[list[str]]) -> Sheet:
    sheet = Sheet()
    header_at = _find_header(table)
    header = table[header_at]
    names: list[str | None] = []
    for cell in header:
        name = HEADER_INDEX.get(_header_key(cell))
        if name in sheet.headers:
            name = None  # two columns for one field: the first one counts
        if name:
            sheet.headers[name] = cell.strip()
        names.append(name)
    if FAMILY_NAME in sheet.headers:
        sheet.headers["full_name"] = f"{sheet.headers[FAMILY_NAME]} + {sheet.headers['full_name']}"
    sheet.columns = [name for name in names if name and name != FAMILY_NAME]
    if len(table) - header_at - 1 > MAX_ROWS:
        raise _file_error(UnreadableFile, _("The file has more than %(n)d rows.", n=MAX_ROWS))
    for number, row in enumerate(table[header_at + 1:], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are common in lists typed by hand
        values = {name: (row[i] if i < len(row) else "").strip()
                  for i, name in enumerate(names) if name}
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


def _phone(value: str) -> str:
    """Give back the leading zero a spreadsheet drops from a number like 0981924865."""
    if re.fullmatch(r"[1-9]\d{8}", value):
        return "0" + value
    return value


_VALUE_INDEX = {name: {fold(word): canonical for canonical, words in aliases.items()
                      for word in [canonical, *words]}
                for name, aliases in VALUE_ALIASES.items()}


def _canonical(name: str, value: str) -> str:
    return _VALUE_INDEX[name].get(fold(value), value)


def header_label(name: str) -> str:
    """The Vietnamese header we print for a field in problem reports and exports."""
    return HEADER_ALIASES[name][0]


def value_label(name: str, value: str) -> str:
    """The word exports write for a gender or status (the one lists use)."""
    words = VALUE_ALIASES.get(name, {}).get(value)
    return words[0] if words else value


# --- the import: read rows -> check -> plan -> apply --------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": self.errors}


def _category_index(congress: Congress) -> dict[str, str]:
    """Words a list may use for each category: its key and labels, with or without "Đại biểu"."""
    index: dict[str, str] = {}
    for category in categories(congress):
        for word in (category.key, category.label_vi, category.label_en):
            index[fold(word)] = category.key
            index[fold(re.sub(r"(?i)^(đại biểu|delegate)\s+|\s+delegate$", "", word))] = \
                category.key
    return index


def _field_problems(sheet: Sheet, row: int, error: ValidationFailed) -> list[Problem]:
    friendlier = {
        "gender": _("Write Nam or Nữ (male or female), or leave it empty."),
        "status": _("Write Đã đăng ký, Đã xác nhận or Đã rút (registered, confirmed, "
                    "withdrawn), or leave it empty."),
    }
    return [Problem(row, sheet.column_label(name), friendlier.get(name, message))
            for name, message in error.fields.items()]


Progress = Callable[[int, int], None]


@dataclass
class CheckedRows:
    """The rows of a list that passed every check, and every problem of those that did not."""

    rows: list[DelegateInput]
    problems: list[Problem]
    existing: dict[str, Row]  # code -> the congress's delegate with that code (id and fields)


@dataclass
class ImportPlan:
    """What importing checked rows writes: new delegates, changed ones, and how many stay."""

    inserts: list[dict]
    updates: list[dict]
    unchanged: int


def check_rows(congress: Congress, sheet: Sheet,
               progress: Progress | None = None) -> CheckedRows:
    """Check every row of a list read from a file; nothing is written.

    A row whose code matches a delegate of the congress is checked as that delegate with the
    row's cells on top (a cell left empty keeps the value it had). `progress(done, total)`
    hears how far the checking is.
    """
    problems = list(sheet.problems)
    category_of = _category_index(congress)
    known_categories = set(category_of.values())
    category_names = ", ".join(category_labels(congress, "vi").values())
    existing = {row.code: row for row in db.session.execute(
        select(Delegate.id, *[getattr(Delegate, name) for name in FIELDS])
        .where(Delegate.congress_id == congress.id))}
    if not sheet.rows:
        problems.append(Problem(0, "", _("The file has a header but no delegates.")))
    seen_codes: dict[str, int] = {}
    checked: list[DelegateInput] = []
    total = len(sheet.rows)
    for done, (number, values) in enumerate(sheet.rows, start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if values.get("category"):
            values["category"] = category_of.get(fold(values["category"]), values["category"])
        code = values.get("code", "")
        if code and code in seen_codes:
            problems.append(Problem(number, sheet.column_label("code"), _(
                "The code %(code)s is also on row %(other)d.", code=code,
                other=seen_codes[code])))
            continue
        if code:
            seen_codes[code] = number
        base = existing[code]._asdict() if code in existing else {}
        base.pop("id", None)
        try:
            row = validate(DelegateInput, base | {k: v for k, v in values.items() if v})
        except ValidationFailed as error:
            problems.extend(_field_problems(sheet, number, error))
            continue
        if row.category not in known_categories:
            problems.append(Problem(number, sheet.column_label("category"), _(
                "Unknown category “%(value)s”. Use one of: %(known)s.", value=row.category,
                known=category_names)))
            continue
        checked.append(row)
    if progress:
        progress(total, total)
    return CheckedRows(checked, problems, existing)


def plan_import(congress: Congress, checked: CheckedRows) -> ImportPlan:
    """Match checked rows with the congress's delegates by code: insert, update or leave.

    A row without a code gets the next free "DB0001"-style one.
    """
    existing = checked.existing
    inserts, updates, unchanged = [], [], 0
    taken = set(existing) | {row.code for row in checked.rows if row.code}
    next_number = len(existing) + 1
    for row in checked.rows:
        if row.code in existing:
            old = existing[row.code]._asdict()
            new = row.model_dump()
            if any(old[name] != new[name] for name in FIELDS):
                updates.append(new | {"row_id": old["id"]} | delegate_keys(
                    new["full_name"], new["code"], new["unit"], new["seat"]))
            else:
                unchanged += 1
            continue
        if not row.code:
            while f"DB{next_number:04d}" in taken:
                next_number += 1
            row.code = f"DB{next_number:04d}"
            taken.add(row.code)
        inserts.append(new_delegate_values(congress, row))
    return ImportPlan(inserts, updates, unchanged)


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


def import_delegates(actor: Actor, congress: Congress, sheet: Sheet, *,
                     dry_run: bool = False, progress: Progress | None = None) -> ImportResult:
    """Check every row, then write all of them in one transaction, or none if any is wrong.

    Rows whose code matches a delegate of the congress update that delegate, so a corrected
    list can be imported again without duplicates. `progress(done, total)` hears about the
    checking; it is never called once writing starts.
    """
    authorize(actor, congress, Capability.EDIT_DELEGATES)
    checked = check_rows(congress, sheet, progress)
    if checked.problems:
        return ImportResult(errors=[problem.to_dict() for problem in checked.problems])
    plan = plan_import(congress, checked)
    if not dry_run:
        apply_import(actor, congress, plan)
    return ImportResult(created=len(plan.inserts), updated=len(plan.updates),
                        unchanged=plan.unchanged)


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
    rows = [[_("Row"), _("Column"), _("Problem")]]
    rows += [[e["row"] or "", e["column"], e["message"]] for e in errors]
    return write_csv(rows)


def _read_staged(filename: str, path: Path) -> Sheet:
    return read_table(filename, path.read_bytes())


def read_limited(filename: str, path: Path) -> Sheet:
    """Read a staged list in a child process with memory and time limits: a workbook built to
    exhaust the server (a lying size, millions of cells) costs that child alone."""
    try:
        return run_limited(_read_staged, filename, path, memory_mb=READ_MEMORY_MB,
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


@job_handler(IMPORT_JOB, Capability.EDIT_DELEGATES, lazy_gettext("Delegate import"))
def _import_job(job: Job, progress: Progress) -> tuple[bytes, str, dict]:
    """Check (dry run) or import a staged list; the result file lists every problem.

    The summary is what the API's import answered before it became a job: the counts and
    `errors` row by row, and `error` (`invalid_rows`, or why the file could not be read) when
    nothing was imported.
    """
    params = job.params
    dry_run = params.get("dry_run", True)
    congress = db.session.get(Congress, job.congress_id)
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    actor = Actor(user, params.get("address", ""), "web")
    path = _staged_path(params.get("upload", ""))
    refused = None
    try:
        sheet = read_limited(params.get("filename", ""), path)
        progress(0, len(sheet.rows))
        result = import_delegates(actor, congress, sheet, dry_run=dry_run, progress=progress)
    except FileNotFoundError:
        refused = NotFound(_("The uploaded list is gone. Upload it again."))
    except ConferenceError as error:
        refused = error
    if refused is not None:
        result = ImportResult(errors=[Problem(0, "", refused.message).to_dict()])
    if result.errors or not dry_run:
        path.unlink(missing_ok=True)  # imported, or never importable: not kept
    summary = result.to_dict() | {"dry_run": dry_run, "error_count": len(result.errors),
                                  "filename": params.get("filename", "")}
    summary["errors"] = result.errors[:MAX_REPORTED_PROBLEMS]
    if refused is not None:
        summary["error"] = {"code": refused.code, "message": refused.message}
    elif result.errors:
        summary["error"] = {"code": "invalid_rows", "message": _(
            "%(n)d problems found; nothing was imported.", n=len(result.errors))}
    documented = schemas.ImportResult.model_validate(summary).model_dump(mode="json",
                                                                        exclude_none=True)
    return problems_csv(result.errors), "csv", documented
