"""Delegate lists as files: read what units send (CSV or XLSX), write exports.

Reading never writes to the database: it turns a file into rows of strings keyed by our field
names. A file that cannot be read at all raises a domain error that says why (wrong type, too
large, not UTF-8, no name column...); the rows are checked later by the service, which reports
each problem as (row, column, message) with the row number the spreadsheet shows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from flask_babel import gettext as _

from conference.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_IMPORT_BYTES = 30 * 1024 * 1024
# An XLSX is a zip: refuse one that would inflate past this, or by more than this ratio.
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
# Title lines above the header ("DANH SÁCH ĐẠI BIỂU...") are common; look this far for it.
HEADER_SEARCH_ROWS = 20

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
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _strip_marks(char: str) -> str:
    base = unicodedata.normalize("NFKD", char.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in base if not unicodedata.combining(ch))


# Every letter with diacritics in the Latin blocks (Vietnamese lives in Latin-1, Extended-A/B
# and Extended Additional) -> its base letters, and combining marks -> nothing: one translate()
# instead of a decomposition per character, which big imports felt.
_FOLD_TABLE = {code: _strip_marks(chr(code)) for code in
               [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
               if _strip_marks(chr(code)) != chr(code)}
_FOLD_TABLE.update({code: None for code in range(0x300, 0x370)
                    if unicodedata.combining(chr(code))})


def fold(text: str) -> str:
    """Compare-key for headers, values and searches: no case, no diacritics, single spaces."""
    text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)
        if not text.isascii():  # letters of other scripts: the slow, general way
            text = _strip_marks(text)
    return " ".join(text.casefold().split())


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
        counts = {"rows": f"{rows:,}", "columns": f"{columns:,}", "max_rows": f"{MAX_ROWS:,}"}
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


# --- writing --------------------------------------------------------------------------------


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: list[list]) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel shows Vietnamese right), formulas defused."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe_cell(value) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def table_file(name: str, kind: str, rows: list[list], title: str,
               widths: list[int] | None = None) -> tuple[str, str, bytes]:
    """Rows as a download, XLSX or else CSV: (file name, content type, bytes)."""
    if kind == "xlsx":
        return f"{name}.xlsx", XLSX_TYPE, write_xlsx(rows, title, widths)
    return f"{name}.csv", "text/csv; charset=utf-8", write_csv(rows)


def write_xlsx(rows: list[list], title: str = "Sheet1", widths: list[int] | None = None) -> bytes:
    """An XLSX workbook of one sheet: the first row bold and frozen, every cell text."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    for number, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
            cell.data_type = "s"  # never a formula, and phone numbers keep their leading zero
            if number == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
