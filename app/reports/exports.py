"""Reports as CSV and XLSX: one table description, two writers (issue #12, item 4).

A :class:`Table` names its columns in Vietnamese with their kind; the XLSX writer stores dates
as dates (local time, shown ``dd/mm/yyyy``), counts as integers and rates as percentages, so a
spreadsheet sums and sorts them; the CSV writer writes the same values as plain text (ISO dates,
rates as decimals) with a BOM so that Excel reads the accents. A text that a spreadsheet would
run as a formula is written with a leading quote. An empty report is a file with its headers.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app import clock

TEXT, COUNT, NUMBER, RATE, DAY, MOMENT = "text", "count", "number", "rate", "day", "moment"
XLSX_FORMATS = {COUNT: "#,##0", NUMBER: "#,##0.00", RATE: "0.00%", DAY: "DD/MM/YYYY", MOMENT: "DD/MM/YYYY HH:MM"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    title: str
    kind: str
    value: Callable[[Any], Any]
    width: int = 14


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: list

    def values(self) -> Iterable[list[Any]]:
        for row in self.rows:
            yield [column.value(row) for column in self.columns]


def safe_text(value: str) -> str:
    """A typed text a spreadsheet shows as text, never runs."""
    return "'" + value if value[:1] in _FORMULA_START else value


def _local(value: datetime | None) -> datetime | None:
    """A stored (aware) moment as the local wall-clock time a spreadsheet shows."""
    return clock.local(value).replace(tzinfo=None) if value is not None else None


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == TEXT:
        return safe_text(str(value))
    if kind == MOMENT:
        return _local(value)
    return value


def _csv_text(kind: str, value: Any) -> str:
    value = _cell(kind, value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.title for column in table.columns])
    for values in table.values():
        writer.writerow([_csv_text(column.kind, value) for column, value in zip(table.columns, values)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """One sheet: the titles in bold, frozen under the header, each column formatted by its kind."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([column.title for column in table.columns])
    for cell in sheet[1]:
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for values in table.values():
        sheet.append([_cell(column.kind, value) for column, value in zip(table.columns, values)])
    _format_columns(sheet, table.columns)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _format_columns(sheet, columns: tuple[Column, ...]) -> None:
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = column.width
        number_format = XLSX_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format


WRITERS = {"csv": (to_csv, "text/csv; charset=utf-8", "csv"), "xlsx": (to_xlsx, XLSX_TYPE, "xlsx")}
