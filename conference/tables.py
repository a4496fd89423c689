"""Tables as downloads: CSV (UTF-8 with a BOM, for Excel) and XLSX, formulas defused.

A cell that starts like a formula is written as text: in CSV with a leading apostrophe, in
XLSX as a string cell, so a name such as "=HYPERLINK(...)" typed into a form never runs in the
spreadsheet of the organizer who opens the export (CSV injection).
"""

from __future__ import annotations

import csv
import io
import re

# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: list[list]) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel shows Vietnamese right), formulas defused."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe_cell(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def table_file(name: str, kind: str, rows: list[list], title: str,
               widths: list[int] | None = None) -> tuple[str, str, bytes]:
    """Rows as a download, XLSX or else CSV: (file name, content type, bytes)."""
    if kind == "xlsx":
        return f"{name}.xlsx", XLSX_TYPE, write_xlsx(rows, title, widths)
    return f"{name}.csv", "text/csv", write_csv(rows)  # Werkzeug adds "; charset=utf-8"


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
