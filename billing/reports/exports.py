"""CSV and XLSX writers that keep memory flat whatever the row count.

CSV is produced in chunks of rows as the response is sent. XLSX is a zip archive, complete only
when closed: XlsxWriter's constant-memory mode flushes each row to a temporary file as it is
written, and the response then sends the finished file in blocks.

Text that a spreadsheet would run as a formula is neutralised: in CSV a leading ``= + - @``
TAB or CR gets a ``'`` (OWASP's CSV injection rule); in XLSX every text cell is typed as a
string, so it is never a formula. Numbers are never touched.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500
CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Table:
    """A header row and the rows under it, each a sequence of cell values (text, numbers, None)."""

    name: str
    headers: tuple[str, ...]
    rows: Iterable[tuple[Any, ...]]


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_chunks(table: Table) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for count, row in enumerate(table.rows, start=1):
        writer.writerow([csv_cell(value) for value in row])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _write_row(sheet, index: int, row) -> None:
    for column, value in enumerate(row):
        if value is None:
            continue
        if isinstance(value, str):
            sheet.write_string(index, column, value)  # text stays text: "=…" is no formula
        else:
            sheet.write_number(index, column, value)


def xlsx_file(table: Table):
    """The workbook in a temporary file, rewound; closed (and deleted) by whoever reads it."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 -- the response closes it once sent
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
    sheet = workbook.add_worksheet(table.name[:31])
    _write_row(sheet, 0, table.headers)
    for index, row in enumerate(table.rows, start=1):
        _write_row(sheet, index, row)
    workbook.close()
    handle.seek(0)
    return handle


def response(table: Table, file_format: str, filename: str):
    """A download of ``table`` as ``filename.<format>``."""
    name = f"{filename}.{file_format}"
    if file_format == XLSX:
        return FileResponse(
            xlsx_file(table), as_attachment=True, filename=name, content_type=CONTENT_TYPES[XLSX]
        )
    answer = StreamingHttpResponse(csv_chunks(table), content_type=CONTENT_TYPES[CSV])
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer
