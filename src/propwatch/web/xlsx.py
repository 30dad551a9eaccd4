"""Writing a list as an XLSX download (openpyxl, write-only mode: memory stays flat)."""

import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Rows fetched per database round trip while writing a large export.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]
    width: int = 16


def _cell(ws, value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("="):
        # openpyxl writes a string starting with "=" as a live formula. Text typed by users (a
        # company name, a note) must reach the reader as text, never as a formula Excel runs.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def workbook_bytes(title: str, columns: list[Column], rows: Iterable) -> bytes:
    """One sheet: a bold header row, then one row per item. A queryset is read in chunks."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, col in enumerate(columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = col.width
    ws.freeze_panes = "A2"
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)
    if isinstance(rows, QuerySet):
        # Streams the rows instead of holding every model instance of a 100,000-row export.
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
    for row in rows:
        ws.append([_cell(ws, col.value(row)) for col in columns])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(name: str, title: str, columns: list[Column], rows: Iterable) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{title}-{stamp}.xlsx"
    response = HttpResponse(workbook_bytes(title, columns, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"{name}-{stamp}.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return response
