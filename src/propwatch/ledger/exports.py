"""The ledger as an XLSX in the layout offices file (问题台账清单): title, header, bordered rows.

It is an official form, so unlike the registry exports it carries a merged title row, a line
naming the exporting office and time, thin borders on every cell, and a print set-up (A4
landscape, fit to one page wide, the header row repeated on every printed page). Rows are
streamed (openpyxl write-only mode), so a 100,000-row ledger does not sit in memory.
"""

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from propwatch.web.xlsx import CHUNK_SIZE

from .choices import State
from .models import Problem

TITLE = "物业管理领域侵害群众利益问题整治台账清单"
HEADER_ROW = 3  # row 1: title, row 2: exporting office and time, row 3: the column headers


def _deadline(p: Problem) -> str:
    if p.deadline is None:
        return ""
    local = timezone.localtime(p.deadline)
    # Working-day deadlines end at 23:59:59 and read as a date; hour limits (focus 1) keep the time.
    text = f"{local:%Y-%m-%d}" if (local.hour, local.minute) == (23, 59) else f"{local:%Y-%m-%d %H:%M}"
    return text + ("（暂定）" if p.deadline_provisional else "")


def _responsible(p: Problem) -> str:
    dept = p.responsible_department.name if p.responsible_department else "未交办"
    return f"{dept} / {p.responsible_person}" if p.responsible_person else dept


def _progress(p: Problem) -> str:
    text = p.get_state_display()
    if p.rectification_note and p.state in (State.AWAITING_VERIFICATION, State.CLOSED):
        text = f"{text}：{p.rectification_note}"
    if p.state != State.CLOSED and p.deadline is not None and p.deadline < timezone.now():
        text += "（已逾期）"
    return text


def _close_out(p: Problem) -> str:
    if p.state == State.CLOSED and p.closed_at:
        return f"已销号（{timezone.localtime(p.closed_at):%Y-%m-%d}）"
    return "未销号"


def _description(p: Problem) -> str:
    # The number and focus item let a reader of the printout find the record in the system.
    return f"{p.description}\n（编号 {p.number}；整治重点{p.focus}：{p.get_focus_display()}）"


@dataclass(frozen=True)
class LedgerColumn:
    header: str
    value: Callable[[Problem], object]
    width: int
    center: bool = False


COLUMNS = [
    LedgerColumn("问题来源", lambda p: p.get_source_display(), 11, center=True),
    LedgerColumn("小区", lambda p: p.project.name, 18),
    LedgerColumn("物业企业", lambda p: p.company.name if p.company else "", 24),
    LedgerColumn("问题描述", _description, 44),
    LedgerColumn("整改责任单位/责任人", _responsible, 22),
    LedgerColumn("整改期限", _deadline, 14, center=True),
    LedgerColumn("整改情况", _progress, 30),
    LedgerColumn("销号情况", _close_out, 16, center=True),
]
HEADERS = ["序号", *(c.header for c in COLUMNS)]

_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_WRAP = Alignment(vertical="center", wrap_text=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _text_cell(ws, value, *, font=None, alignment=_WRAP, border=_BORDER, fill=None):
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # Text typed by users must never become a formula Excel runs ("=…").
        cell.data_type = "s"
    cell.alignment, cell.border = alignment, border
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def ledger_workbook(rows: Iterable[Problem], *, office: str, count: int, filters: str = "") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题台账")
    widths = [6, *(c.width for c in COLUMNS)]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(len(HEADERS))
    # Sheet properties and views go out with the first row in write-only mode: set them first.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = f"A{HEADER_ROW + 1}"

    # Title and the line under it, each merged across the table (only the first cell holds text).
    ws.append([_text_cell(ws, TITLE, font=Font(bold=True, size=16), alignment=_CENTER, border=Border())])
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    meta = f"填报单位：{office}　　导出时间：{stamp}　　共 {count} 条" + (f"　　筛选：{filters}" if filters else "")
    ws.append([_text_cell(ws, meta, alignment=Alignment(vertical="center"), border=Border())])
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.row_dimensions[1].height = 30

    header_fill = PatternFill("solid", fgColor="D9D9D9")
    ws.append([_text_cell(ws, h, font=Font(bold=True), alignment=_CENTER, fill=header_fill) for h in HEADERS])

    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
    for index, problem in enumerate(rows, start=1):
        ws.append([_text_cell(ws, index, alignment=_CENTER)]
                  + [_text_cell(ws, col.value(problem), alignment=_CENTER if col.center else _WRAP) for col in COLUMNS])

    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
