"""CSV and XLSX downloads of report tables.

A report is exported as a list of ``Table``: each column has a kind, so that durations are
written as decimal hours with two places and money as an amount with two places (``Decimal``,
never ``float``), and numbers stay numbers in the spreadsheet. CSV files are UTF-8 with a byte
order mark (Excel), comma-separated and quoted where needed; a text cell that a spreadsheet would
take for a formula is prefixed with an apostrophe. In an XLSX file every text goes through
``text_cell``: typed as a string (openpyxl would otherwise store ``=…`` as a live formula) and,
when it starts like a formula, marked with Excel's quote prefix so that editing the cell keeps it
text.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from flask import Response

from extranet.hours.units import hours_decimal, money_decimal

KINDS = ("text", "int", "number", "hours", "money", "percent", "decimal")
NUMBER_FORMATS = {"int": "0", "hours": "0.00", "money": "#,##0.00", "percent": "0.0", "decimal": "0.00"}
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Column:
    header: str
    kind: str = "text"


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)


def cell_value(value, kind: str):
    """The value written for a cell: text, int, or a two-place (one for percents) ``Decimal``."""
    if value is None:
        return None
    if kind == "hours":
        return hours_decimal(value)
    if kind == "money":
        return money_decimal(value).quantize(Decimal("0.01"))
    if kind == "percent":
        return Decimal(value).quantize(Decimal("0.1"))
    if kind == "decimal":
        return Decimal(value).quantize(Decimal("0.01"))
    if kind == "int":
        return int(value)
    if kind == "number":  # an int or a Decimal already rounded, as is
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(tables: list[Table]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([cell_value(table.title, "text")])
        writer.writerow([cell_value(c.header, "text") for c in table.columns])
        for row in table.rows:
            writer.writerow(["" if v is None else v for v in
                             (cell_value(value, c.kind) for value, c in zip(row, table.columns, strict=True))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    name, counter = base, 2
    while name.casefold() in used:
        suffix = f" ({counter})"
        name, counter = base[: 31 - len(suffix)] + suffix, counter + 1
    used.add(name.casefold())
    return name


def text_cell(sheet, value):
    """An XLSX cell holding ``value`` as text, never as a formula; None stays an empty cell.

    Every writer of a spreadsheet cell from text (a request's title, a person's or an
    organization's name, a header) uses it. Characters XML cannot carry are dropped rather
    than refused, so an odd title never turns an export into an error."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

    if value is None:
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = Cell(sheet)
    cell.value = text
    cell.data_type = "s"  # set after the value: openpyxl types a text starting with "=" as a formula
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def _xlsx_value(sheet, value, kind: str):
    if kind == "text" or isinstance(value, str):
        return text_cell(sheet, value)
    return cell_value(value, kind)


def to_xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append([text_cell(sheet, c.header) for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([_xlsx_value(sheet, value, c.kind) for value, c in zip(row, table.columns, strict=True)])
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(50, len(column.header) + 4))
            if column.kind in NUMBER_FORMATS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = NUMBER_FORMATS[column.kind]
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(tables: list[Table], filename: str, fmt: str) -> Response:
    """The tables as an attachment, ``fmt`` being "csv" or "xlsx"."""
    content = to_csv(tables) if fmt == "csv" else to_xlsx(tables)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export"
    return Response(content, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{safe}.{fmt}"',
        "Cache-Control": "private, no-store",
    })
