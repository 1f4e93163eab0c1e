"""Spreadsheet exports (CSV and XLSX) of a table for people: headers in the reader's language (zh, or en with
lang=en), times in Beijing time, the notes (source, period, definitions) beside the table, bounded in rows, and
every text cell safe from formula injection (the case descriptions come from the public).

CSV: UTF-8 with a byte-order mark (Excel and WPS then read the Chinese), the table from the first line (its
headers), then an empty line and the notes as two-column lines. XLSX (openpyxl): the table on the first sheet
(bold headers, frozen, with a filter), the notes on a second sheet. A text cell that begins with =, +, -, @, a tab
or a carriage return is never a formula: in CSV it starts with ' instead (OWASP), in XLSX it is a text cell with
Excel's quote prefix (its text unchanged)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask import Response

from geo_app import texts
from geo_app.cases import lifecycle, workclock
from geo_app.errors import BadParameter, TooExpensive
from geo_app.web.api.common import FORMULA_STARTS

MAX_ROWS = 10_000  # an export's lines at most: a bigger one is refused (422) before it is read
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Column:
    key: str
    header: str
    kind: str = "text"  # text, int, float, time (stored UTC text, shown in Beijing time)


@dataclass
class Table:
    """What an export holds: the name of its sheet, columns, rows (dicts by column key) and notes ((item, value)
    lines: title, source, period, definitions)."""

    sheet: str
    columns: list[Column]
    rows: list[dict]
    notes: list[tuple[str, str]] = field(default_factory=list)


def language(args) -> str:
    """The export's language: `lang` (zh, the default, or en)."""
    lang = args.get("lang", "zh")
    if lang not in texts.LANGUAGES:
        raise BadParameter("lang", f"{lang!r} is not one of {', '.join(texts.LANGUAGES)}")
    return lang


def check_rows(count: int, what: str, narrow: str) -> None:
    """Refuse an export of more than MAX_ROWS lines (TooExpensive: 422), before anything is read."""
    if count > MAX_ROWS:
        raise TooExpensive(
            None, f"{what} has {count:,} lines, more than the {MAX_ROWS:,} an export may have: narrow it ({narrow})"
        )


def beijing(stamp: str | None) -> datetime | None:
    """A stored UTC time as Beijing wall-clock time (naive: a spreadsheet has no zones; the header says it)."""
    if not stamp:
        return None
    return lifecycle.parse_stamp(stamp).astimezone(workclock.BEIJING).replace(tzinfo=None)


def now_beijing() -> str:
    return datetime.now(workclock.BEIJING).strftime(TIME_FORMAT)


def neutral(value: str) -> str:
    """A text as a CSV cell no spreadsheet runs as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _cell(column: Column, value):
    """A row's value as the spreadsheet cell's value (None: empty)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if column.kind == "time":
        return beijing(value)
    if column.kind == "int":
        return int(value)
    if column.kind == "float":
        return float(value)
    return str(value)


def csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutral(c.header) for c in table.columns])
    for row in table.rows:
        cells = []
        for column in table.columns:
            value = _cell(column, row.get(column.key))
            if isinstance(value, datetime):
                value = value.strftime(TIME_FORMAT)
            cells.append(neutral(value) if isinstance(value, str) else ("" if value is None else value))
        writer.writerow(cells)
    if table.notes:
        writer.writerow([])
        for item, value in table.notes:
            writer.writerow([neutral(item), neutral(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_name(title: str) -> str:
    """A worksheet's name: at most 31 characters, none of []:*?/\\."""
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"


def _width(text: str) -> int:
    """A text's width in a spreadsheet column: Chinese characters take two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _write_text(cell, value: str) -> None:
    """A text cell that stays text: never a formula (openpyxl makes one of a text starting with =), and with the quote
    prefix where a spreadsheet would read a formula, so that editing the cell keeps it text."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def xlsx_bytes(table: Table, notes_title: str, note_headers: tuple[str, str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_name(table.sheet)
    bold = Font(bold=True)
    for number, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=number)
        _write_text(cell, column.header)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [min(max(_width(c.header), 8), 40) for c in table.columns]
    for number, row in enumerate(table.rows, start=2):
        for index, column in enumerate(table.columns):
            value = _cell(column, row.get(column.key))
            cell = sheet.cell(row=number, column=index + 1)
            if isinstance(value, str):
                _write_text(cell, value)
                widths[index] = min(max(widths[index], _width(value)), 60)
            elif value is not None:
                cell.value = value
                if isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                    widths[index] = max(widths[index], 19)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"
    if table.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(1, len(table.rows) + 1)}"
    notes = book.create_sheet(_sheet_name(notes_title))
    for number, header in enumerate(note_headers, start=1):
        _write_text(notes.cell(row=1, column=number), header)
        notes.cell(row=1, column=number).font = bold
    for number, (item, value) in enumerate(table.notes, start=2):
        _write_text(notes.cell(row=number, column=1), item)
        _write_text(notes.cell(row=number, column=2), value)
        notes.cell(row=number, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(table: Table, fmt: str, lang: str, filename: str) -> Response:
    """The table as a download in `fmt` (csv or xlsx)."""
    if fmt == "csv":
        body = csv_bytes(table)
    else:
        body = xlsx_bytes(
            table,
            texts.text("export.notes", lang),
            (texts.text("export.meta.item", lang), texts.text("export.meta.value", lang)),
        )
    return Response(
        body,
        content_type=FORMATS[fmt],
        headers={
            "Content-Disposition": f"attachment; filename={filename}.{fmt}",
            "Cache-Control": "no-store",
        },
    )
