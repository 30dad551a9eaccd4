"""The 12345 work-order import: the city hotline platform's XLSX or CSV export → complaints.

Every row is checked first, and nothing is written unless every new row is valid; then all new
orders are written in one transaction (through `services._create`, the insert every intake path
uses), with one IMPORT audit row. Errors name the Excel row, the column header as it appears in
the file, and what to fix, in Chinese.

Idempotent on the work-order number: an order already in the database is skipped — not updated,
not an error — and counted, so the same export (or an overlapping one, as happens when each
week's export repeats the last days of the week before) can be imported again safely.

Platforms differ in how they name and order columns, so columns are matched by header name with
common synonyms, tolerant of spaces, full-width brackets and a trailing "*"; unknown columns are
ignored and listed in the result. CSV comes as UTF-8 (with or without BOM), GBK/GB18030 (what
most platforms export) or UTF-16 (Excel's "Unicode text").
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from propwatch.audit.models import AuditAction
from propwatch.audit.services import record
from propwatch.registry.imports import _UNREADABLE, Problem
from propwatch.registry.imports import _text as _cell_text
from propwatch.registry.models import Project

from . import rules, services
from .choices import Channel
from .classifier import classify_many
from .errors import ComplaintError, NotAllowed
from .models import Complaint

MAX_BYTES = 10 * 1024 * 1024
# Each row is written through services._create (about five queries); 5,000 rows take one to two
# minutes. A larger export is split by receipt time.
MAX_ROWS = 5000
# The header may sit under a title row or two ("12345 热线工单导出 2026-11"): look this far down.
HEADER_SEARCH_ROWS = 10
SHEET_TITLE = "12345工单"
NOTES_TITLE = "填写说明"
# A receipt time this far ahead of the server clock is still accepted (the platform's clock).
CLOCK_SKEW = datetime.timedelta(minutes=5)
EARLIEST = datetime.datetime(2000, 1, 1)

_LENGTHS = {f.name: f.max_length for f in Complaint._meta.get_fields()
            if getattr(f, "max_length", None) and f.name in ("work_order_no", "address")}


# ---- columns -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    key: str
    header: str  # as in the template
    synonyms: tuple[str, ...] = ()
    required: bool = False
    example: object = ""
    help: str = ""
    text: bool = False  # the template formats the column as text (no lost digits or leading 0)


EXAMPLE_NO = "示例-20261103-0001"

COLUMNS = [
    Col("work_order_no", "工单编号", ("工单号", "工单号码", "工单流水号", "受理编号", "受理号"), True, EXAMPLE_NO,
        "每张工单唯一；已导入过的工单编号再次导入时自动跳过，不会重复登记，也不会修改原记录", text=True),
    Col("received_at", "受理时间", ("来电时间", "受理日期", "来电日期", "登记时间", "诉求时间", "接件时间"), True,
        datetime.datetime(2026, 11, 3, 9, 15),
        "可以是 Excel 日期时间，或写成 2026-11-03 09:15、2026/11/3 9:15、2026年11月3日 9时15分；不能晚于当前时间"),
    Col("source", "来源渠道", ("来源", "受理渠道", "来电渠道"), example="电话",
        help="如 电话、网站、微信、APP；仅作记录"),
    Col("name", "来电人", ("联系人", "诉求人", "来电人姓名", "联系人姓名", "诉求人姓名", "投诉人", "反映人", "姓名"),
        example="张女士", help="可留空；加密保存，页面上只显示姓氏"),
    Col("phone", "联系电话", ("来电号码", "联系方式", "电话", "电话号码", "手机号码", "手机号", "来电电话",
                          "诉求人电话", "联系人电话"), example="13812341234",
        help="可留空；手机 11 位或带区号的座机（如 0717-6221234）；加密保存，页面上打码显示", text=True),
    Col("confidential", "是否保密", ("保密", "是否要求保密", "要求保密", "是否保密件"), example="否",
        help="填“是”或“否”，留空视为“否”；“是”则承办单位看不到来电人信息"),
    Col("wants_reply", "是否需要回复", ("是否回复", "需要回复", "是否需回复", "是否要求回复", "是否需要答复"),
        example="是", help="填“是”或“否”，留空视为“是”"),
    Col("kind", "诉求类型", ("工单类型", "诉求性质", "来电类型", "诉求类别"), example="投诉",
        help="咨询、投诉、建议、求助或举报；仅作记录"),
    Col("category", "事项分类", ("问题分类", "业务分类", "诉求分类", "事项类别", "事项类型"),
        example="城乡建设/物业管理", help="12345 平台的事项分类；仅作记录，整治重点由系统建议、工作人员确认"),
    Col("text", "诉求内容", ("问题描述", "来电内容", "工单内容", "诉求描述", "反映内容", "诉求详情"), True,
        "来电人反映，小区物业以业主欠缴物业费为由，自11月1日起对其家停水，至今未恢复，要求尽快恢复供水。",
        f"不能为空，最多 {services.MAX_TEXT} 字"),
    Col("address", "事发地址", ("事发地点", "问题地址", "诉求地址", "地址"), example="宜昌市西陵区示例路 8 号",
        help=f"最多 {_LENGTHS.get('address', 200)} 字"),
    Col("project_name", "小区名称", ("项目名称", "小区", "物业项目", "所在小区", "小区项目名称"), example="示例花园",
        help="与本系统登记的项目名称完全一致；有重名或找不到时请填写项目编号"),
    Col("project_code", "项目编号", ("小区编号", "项目代码", "物业项目编号"), example="",
        help="本系统的项目编号（见“小区项目编号表”）；填写后以此为准，“小区名称”可留空", text=True),
    Col("company", "涉及企业", ("涉事企业", "被反映企业", "被投诉企业", "涉及单位", "物业企业", "物业公司"),
        example="宜昌示例物业服务有限公司", help="仅作记录；小区的物业服务企业以本系统登记为准"),
    Col("handler", "承办单位", ("办理单位", "承办部门", "主办单位"), example="西陵区住房和城乡建设局",
        help="12345 平台派单的承办单位；仅作记录，受理后的承办单位在本系统中确定"),
    Col("time_limit", "办理时限", ("处理时限", "办结时限", "办理期限", "答复时限"), example="5个工作日",
        help="仅作记录；答复期限由本系统按工作日计算"),
]
BY_KEY = {c.key: c for c in COLUMNS}
PROJECT_KEYS = ("project_name", "project_code")
# The platform's own details, kept in the first timeline entry so staff can see where it came from.
NOTE_KEYS = ("source", "kind", "category", "company", "handler", "time_limit")


def _normalise_header(value) -> str:
    """Headers as platforms and people write them: spaces, a "*" or "：", half-width brackets."""
    text = re.sub(r"\s+", "", _cell_text(value)).strip("*＊:：")
    return text.replace("(", "（").replace(")", "）").replace("[", "（").replace("]", "）")


_SYNONYMS: dict[str, str] = {}
for _col in COLUMNS:
    for _name in (_col.header, *_col.synonyms):
        _SYNONYMS[_normalise_header(_name)] = _col.key


def _key_of(header: str) -> str | None:
    """The column a (normalised) header stands for: "联系电话（手机）" is 联系电话."""
    if header in _SYNONYMS:
        return _SYNONYMS[header]
    bare = re.sub(r"（[^）]*）|【[^】]*】", "", header)
    return _SYNONYMS.get(bare) if bare else None


# ---- the result --------------------------------------------------------------------------------

@dataclass
class ImportResult:
    """What an import did, or why it wrote nothing (`errors`: row, column header, reason)."""

    filename: str = ""
    file_format: str = ""
    rows: int = 0  # data rows read (blank rows not counted)
    created: int = 0
    skipped: int = 0  # already imported before: left as they are
    skipped_numbers: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)  # the ones created

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(Problem(row, column, message))

    def summary(self) -> str:
        text = f"本次导入 {self.created} 条新工单"
        if self.skipped:
            text += f"，{self.skipped} 条工单此前已导入，未作改动"
        return text


class CellError(Exception):
    """A cell's value cannot be used; the message says why in Chinese."""


# ---- cells -------------------------------------------------------------------------------------

def _text(value) -> str:
    """A cell as text. CSV exports often guard numbers from Excel as ="0717…" or '0717…: unwrap."""
    text = _cell_text(value)
    if isinstance(value, str):
        if m := re.fullmatch(r'="(.*)"', text, re.S):
            text = m.group(1).strip()
        text = text.lstrip("'\t").strip()
    return text


_DATETIME_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*(?:T|\s)?\s*(?:(上午|下午))?\s*(\d{1,2})\s*(?:[:：时点])\s*"
    r"(?:(\d{1,2})\s*分?\s*(?:[:：]?\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")


def _naive_datetime(value) -> datetime.datetime | None:
    """An Excel date-time (a cell, or its serial number when the format was lost) or text such as
    2026-11-03 09:15, 2026/11/3 9:15, 2026年11月3日 9时15分, 20261103091500."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return _naive_datetime(str(int(value)))
        if 20000 <= value < 80000:  # an Excel serial whose cell lost its format: 46329.385 is 2026-11-03 09:14
            return _naive_datetime(from_excel(round(value * 86400) / 86400))
        return None
    text = _text(value)
    m = _DATETIME_TEXT.fullmatch(text)
    if m:
        year, month, day, half, hour, minute, second = m.groups()
        hour = int(hour or 0)
        if half == "下午" and hour < 12:
            hour += 12
        parts = (year, month, day, hour, minute or 0, second or 0)
    elif m := _COMPACT.fullmatch(text):
        parts = tuple(g or 0 for g in m.groups())
    else:
        return None
    try:
        return datetime.datetime(*map(int, parts))
    except ValueError as exc:
        raise CellError(f"“{text}”不是有效的时间（没有这一天或这一时刻），请核对") from exc


def _received_at(value, now: datetime.datetime) -> datetime.datetime:
    if _text(value) == "":
        raise CellError("受理时间不能为空")
    moment = _naive_datetime(value)
    if moment is None:
        raise CellError(f"“{_text(value)}”不是可识别的时间；请写成 2026-11-03 09:15、2026/11/3 9:15 "
                        "或 2026年11月3日 9时15分，或使用 Excel 日期时间格式")
    if moment < EARLIEST:
        raise CellError(f"受理时间 {moment:%Y-%m-%d %H:%M} 早于 2000 年，请核对")
    aware = timezone.make_aware(moment, timezone.get_current_timezone())
    if aware > now + CLOCK_SKEW:
        raise CellError(f"受理时间 {moment:%Y-%m-%d %H:%M} 晚于当前时间，请核对年月日和时分")
    return aware


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "保密", "要求保密", "需要", "需要回复", "要求回复", "需回复"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "不保密", "不需要", "无需", "不需要回复", "无需回复", "不回复",
       "无", "非保密"}


def _yes_no(value, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text == "":
        return default
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise CellError(f"应填写“是”或“否”，当前为“{text}”")


# ---- reading the file --------------------------------------------------------------------------

class _Unreadable(Exception):
    """The upload is not a spreadsheet we can read; the message says what to do."""


_NOT_A_TABLE = ("文件无法读取：不是 Excel（.xlsx）或 CSV 格式的表格，或文件已损坏；"
                "请上传 12345 平台导出的 .xlsx 或 .csv 文件")
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"\x1f\x8b", b"7z\xbc\xaf", b"BM")


def _read_bytes(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _Unreadable(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请按受理时间拆分后分批导入")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _Unreadable(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请按受理时间拆分后分批导入")
    if not data.strip():
        raise _Unreadable("文件是空的；请上传 12345 平台导出的工单文件")
    return data


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise _Unreadable(_NOT_A_TABLE) from exc
    try:
        try:
            sheets = [ws for ws in wb.worksheets if ws.title != NOTES_TITLE] or wb.worksheets
            ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else sheets[0]
            # Files saved by platforms and scripts often carry a wrong "used range"; reading
            # without it returns every cell that is really there.
            ws.reset_dimensions()
            values = ws.iter_rows(values_only=True)
        except _UNREADABLE as exc:
            raise _Unreadable(_NOT_A_TABLE) from exc
        while True:
            try:
                row = next(values)
            except StopIteration:
                return
            except _UNREADABLE as exc:
                raise _Unreadable(_NOT_A_TABLE) from exc
            yield row
    finally:
        wb.close()


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding label) of a CSV in UTF-8 (BOM or not), GBK/GB18030 or UTF-16."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise _Unreadable(_NOT_A_TABLE) from exc
    if b"\x00" in data[:4096] or data.startswith(_BINARY_MAGIC):
        raise _Unreadable(_NOT_A_TABLE)
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: one decoder for all three.
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError as exc:
        raise _Unreadable("文件编码无法识别：CSV 文件请保存为 UTF-8 或 GBK 编码；"
                          "也可以用 Excel 打开后“另存为” .xlsx 再上传") from exc


def _csv_rows(text: str) -> Iterator[tuple]:
    # Comma, tab (Excel's "Unicode text") or semicolon, judged on the first lines (a title row
    # above the header may have none).
    head = "\n".join(text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS])
    delimiter = max(",\t;", key=head.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if head.count(delimiter) else ",")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unreadable(f"CSV 文件第 {reader.line_num} 行格式有误（{exc}）；"
                              "请用 Excel 打开后“另存为” .xlsx 再上传") from exc
        yield tuple(row)


def _open(upload, result: ImportResult) -> Iterator[tuple]:
    """The rows of the upload's data sheet, from row 1, whatever the format; `_Unreadable` if not a table."""
    data = _read_bytes(upload)
    name = str(getattr(upload, "name", "") or "").lower()
    if data.startswith(b"PK\x03\x04"):
        result.file_format = "Excel"
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _Unreadable("这是旧版 Excel（.xls）文件或设置了密码的 Excel 文件；请在 Excel 或 WPS 中"
                          "“另存为” .xlsx（不要设置密码）后上传")
    if name.endswith((".xlsx", ".xlsm")):
        raise _Unreadable(_NOT_A_TABLE)
    text, encoding = _decode(data)
    head = text.lstrip()[:1000].lower()
    if head.startswith("<") and ("<table" in head or "<html" in head or "<!doctype" in head):
        raise _Unreadable("这个文件实际上是网页（HTML）格式，只是扩展名为表格；请用 Excel 打开后“另存为” .xlsx 再上传")
    result.file_format = f"CSV，{encoding} 编码"
    return _csv_rows(text)


# ---- headers -----------------------------------------------------------------------------------

@dataclass
class _Header:
    row: int  # the row number of the header
    positions: dict[str, tuple[int, str]]  # key → (index, header as written)


def _match(values: tuple) -> dict[str, tuple[int, str]]:
    positions: dict[str, tuple[int, str]] = {}
    for idx, raw in enumerate(values):
        header = _normalise_header(raw)
        key = _key_of(header) if header else None
        if key is not None and key not in positions:
            positions[key] = (idx, header)
    return positions


def _header(rows: Iterator[tuple], result: ImportResult) -> _Header | None:
    """The header row and where each known column is, or None after recording what is wrong.

    The header is the first of the first rows that names at least two known columns (a title
    row above it names none); failing that, the first that names one, so that a file missing
    most columns is told which ones rather than that it has no header. `rows` is left at the
    first row after the header.
    """
    first: list[tuple] = []
    for values in rows:
        first.append(values)
        if len(_match(values)) >= 2 or len(first) >= HEADER_SEARCH_ROWS:
            break
    found = next((i for i, v in enumerate(first) if len(_match(v)) >= 2), None)
    if found is None:
        found = next((i for i, v in enumerate(first) if _match(v)), None)
    if found is None:
        if not any(_text(v) for values in first for v in values):
            result.add(0, "", "文件中的表格是空的；请上传 12345 平台导出的工单文件，或在下载的模板中填写后上传")
        else:
            result.add(1, "", f"没有找到表头：前 {HEADER_SEARCH_ROWS} 行中没有可识别的列名（如“工单编号”“受理时间”"
                              "“诉求内容”）；请使用下载的模板，或确认上传的是 12345 工单导出文件")
        return None
    number, values = found + 1, first[found]
    # With two or more known columns the header is the last row read, so `rows` continues right
    # after it; the one-column fallback always lacks required columns and stops below.
    positions = _match(values)
    for idx, raw in enumerate(values):
        header = _normalise_header(raw)
        if not header:
            continue
        key = _key_of(header)
        if key is None:
            result.ignored_columns.append(header)
        elif positions[key][0] != idx:
            result.ignored_columns.append(f"{header}（与“{positions[key][1]}”列重复）")
    missing = [BY_KEY[k].header for k in ("work_order_no", "received_at", "text") if k not in positions]
    if not any(k in positions for k in PROJECT_KEYS):
        missing.append("小区名称或项目编号（至少一列）")
    if missing:
        result.add(number, "、".join(missing),
                   f"缺少必填列：{'、'.join(missing)}。请使用下载的模板，或把表头改为模板中的列名"
                   f"（可识别的列名见模板的“{NOTES_TITLE}”）")
        return None
    return _Header(number, positions)


# ---- rows --------------------------------------------------------------------------------------

@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    headers: dict[str, str]  # key → header as written, for messages
    work_order_no: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    bad: bool = False

    def error(self, result: ImportResult, key: str, message: str) -> None:
        result.add(self.number, self.headers.get(key, BY_KEY[key].header), message)
        self.bad = True


def _work_order_no(value) -> str:
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise CellError("这个编号被 Excel 当成了数字，超过 15 位的数字末几位已经丢失；请把该列设为“文本”格式，"
                        "或从 12345 平台重新导出")
    number = _text(value)
    if not number:
        raise CellError("工单编号不能为空")
    limit = _LENGTHS.get("work_order_no", 40)
    if len(number) > limit:
        raise CellError(f"工单编号最多 {limit} 个字符，当前 {len(number)} 个，请核对")
    return number


def _read_rows(rows: Iterator[tuple], header: _Header, result: ImportResult) -> list[_Row] | None:
    headers = {key: h for key, (_, h) in header.positions.items()}
    out: list[_Row] = []
    for number, values in enumerate(rows, start=header.row + 1):
        if all(_text(v) == "" for v in values):
            continue
        if len(out) >= MAX_ROWS:
            result.errors[:] = [Problem(number, "", f"单次最多导入 {MAX_ROWS} 条工单，请按受理时间拆分后分批导入")]
            return None
        raw = {key: (values[idx] if idx < len(values) else None) for key, (idx, _) in header.positions.items()}
        out.append(_Row(number, raw, headers))
    result.rows = len(out)
    if not out:
        result.add(header.row + 1, "", "文件中只有表头，没有工单；请从表头下一行开始填写")
        return None
    return out


def _check_numbers(rows: list[_Row], result: ImportResult) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        try:
            row.work_order_no = _work_order_no(row.raw["work_order_no"])
        except CellError as exc:
            row.error(result, "work_order_no", str(exc))
            continue
        if row.work_order_no == EXAMPLE_NO:
            row.error(result, "work_order_no", "这是模板中的示例行，请删除或改写后再导入")
        elif row.work_order_no in seen:
            row.error(result, "work_order_no",
                      f"工单编号 {row.work_order_no} 与第 {seen[row.work_order_no]} 行重复；同一张工单只能出现一次")
        else:
            seen[row.work_order_no] = row.number


def _existing_numbers(numbers: list[str]) -> set[str]:
    """The work-order numbers already imported (by anyone: the number is unique city-wide)."""
    found: set[str] = set()
    for i in range(0, len(numbers), 2000):
        found.update(Complaint.objects.filter(work_order_no__in=numbers[i:i + 2000])
                     .values_list("work_order_no", flat=True))
    return found


def _check_cells(row: _Row, result: ImportResult, now: datetime.datetime) -> None:
    raw, data = row.raw, row.data
    try:
        data["received_at"] = _received_at(raw.get("received_at"), now)
    except CellError as exc:
        row.error(result, "received_at", str(exc))
    text = _text(raw.get("text"))
    if not text:
        row.error(result, "text", "诉求内容不能为空")
    elif len(text) > services.MAX_TEXT:
        row.error(result, "text", f"诉求内容过长（{len(text)} 字），最多 {services.MAX_TEXT} 字")
    data["text"] = text
    try:
        data["name"], _ = services.clean_contact(_text(raw.get("name")), "")
    except ComplaintError as exc:
        row.error(result, "name", exc.message)
    phone = _text(raw.get("phone"))
    try:
        _, data["phone"] = services.clean_contact("", phone)
    except ComplaintError as exc:
        message = exc.message
        if "*" in phone:
            message = f"联系电话“{phone}”已打码，无法用于回访；请从 12345 平台导出完整号码，或清空该单元格"
        elif isinstance(raw.get("phone"), int | float):
            message += "。该单元格是数字格式，座机区号开头的 0 会被 Excel 去掉；请把该列设为“文本”格式后重新输入"
        row.error(result, "phone", message)
    for key, default in (("confidential", False), ("wants_reply", True)):
        try:
            data[key] = _yes_no(raw.get(key), default)
        except CellError as exc:
            row.error(result, key, str(exc))
    address = _text(raw.get("address"))
    limit = _LENGTHS.get("address", 200)
    if len(address) > limit:
        row.error(result, "address", f"事发地址最多 {limit} 个字，当前 {len(address)} 个字，请精简")
    data["address"] = address


def _note(row: _Row) -> str:
    """The first timeline entry: the platform's details (no personal data: residents may read it)."""
    details = [f"{BY_KEY[k].header}：{v}" for k in NOTE_KEYS if (v := _text(row.raw.get(k)))]
    note = f"已收到 12345 热线工单（工单编号 {row.work_order_no}），我们将尽快受理。"
    return note + ("12345 平台信息：" + "；".join(details) + "。" if details else "")


class _Projects:
    """The projects the rows name, by code or exact name, with the actor's scope."""

    def __init__(self, rows: list[_Row], actor):
        codes = {_text(r.raw.get("project_code")).upper() for r in rows} - {""}
        names = {_text(r.raw.get("project_name")) for r in rows} - {""}
        found = list(Project.objects.filter(Q(code__in=codes) | Q(name__in=names))
                     .select_related("community__parent__parent"))
        self.in_scope = set(Project.objects.visible_to(actor).filter(pk__in=[p.pk for p in found])
                            .values_list("pk", flat=True))
        self.by_code = {p.code.upper(): p for p in found}
        self.by_name: dict[str, list[Project]] = {}
        for p in sorted(found, key=lambda p: p.code):
            self.by_name.setdefault(p.name, []).append(p)

    @staticmethod
    def _county(project: Project) -> str:
        county = project.community.parent.parent if project.community.parent else None
        return county.name if county else ""

    def _out_of_scope(self, project: Project, label: str) -> str:
        return (f"{label}（{self._county(project)}）不在您的管辖范围内；请删除这一行，"
                "或由小区所在县（市、区）住建部门导入")

    def resolve(self, row: _Row, result: ImportResult) -> Project | None:
        code = _text(row.raw.get("project_code")).upper()
        name = _text(row.raw.get("project_name"))
        key = "project_name" if "project_name" in row.headers else "project_code"
        if code:
            project = self.by_code.get(code)
            if project is None:
                row.error(result, "project_code", f"找不到项目编号“{code}”；请核对（见模板中的“小区项目编号表”）")
                return None
            if project.pk not in self.in_scope:
                row.error(result, "project_code", self._out_of_scope(project, f"项目编号 {code} 的小区“{project.name}”"))
                return None
            if name and name not in project.name and project.name not in name:
                row.error(result, "project_name",
                          f"项目编号 {code} 是“{project.name}”，与小区名称“{name}”不一致；请核对，或清空其中一项")
                return None
            return project
        if not name:
            row.error(result, key, "请填写小区名称或项目编号，以确定工单所属的小区")
            return None
        everywhere = self.by_name.get(name, [])
        mine = [p for p in everywhere if p.pk in self.in_scope]
        if len(mine) == 1:
            return mine[0]
        if len(mine) > 1:
            candidates = "、".join(f"{p.code}（{p.address}）" for p in mine[:10])
            row.error(result, "project_name",
                      f"小区名称“{name}”有 {len(mine)} 个同名项目：{candidates}；请在“项目编号”列填写其中一个")
            return None
        if everywhere:
            row.error(result, "project_name", self._out_of_scope(everywhere[0], f"小区“{name}”"))
            return None
        row.error(result, "project_name", f"找不到小区“{name}”，请填写项目编号（见模板中的“小区项目编号表”）")
        return None


# ---- the import --------------------------------------------------------------------------------

def import_work_orders(*, actor, upload) -> ImportResult:
    """Import a 12345 export: validate every row, then write all new work orders in one transaction.

    Orders whose number is already in the database are skipped and counted. Any error — a bad
    cell, an unknown project, a clash with a concurrent import at write time — means nothing is
    written, audit rows included. Raises NotAllowed when the actor may not import.
    """
    reason = rules.can_import(actor)
    if reason:
        raise NotAllowed(reason)
    result = ImportResult(filename=str(getattr(upload, "name", "") or "")[:200])
    try:
        rows_iter = _open(upload, result)
        try:
            header = _header(rows_iter, result)
            rows = _read_rows(rows_iter, header, result) if header is not None else None
        finally:
            close = getattr(rows_iter, "close", None)
            if close is not None:
                close()
    except _Unreadable as exc:
        result.errors[:] = [Problem(0, "", str(exc))]
        return result
    if rows is None:
        return result

    _check_numbers(rows, result)
    existing = _existing_numbers([r.work_order_no for r in rows if r.work_order_no])
    new: list[_Row] = []
    for row in rows:
        if row.work_order_no in existing:
            if not row.bad:  # a duplicate within the file is reported even when already imported
                result.skipped += 1
                result.skipped_numbers.append(row.work_order_no)
            continue
        new.append(row)
    now = timezone.now()
    projects = _Projects(new, actor)
    for row in new:
        _check_cells(row, result, now)
        row.data["project"] = projects.resolve(row, result)
    if result.errors:
        return _failed(result)

    # Classified before the transaction: the model holds no lock while it runs.
    suggestions = classify_many([row.data["text"] for row in new]) if new else []
    deadline_memo: dict = {}  # one calendar read per day of receipt, not per row
    try:
        with transaction.atomic():
            for row, suggestion in zip(new, suggestions, strict=True):
                d = row.data
                result.complaints.append(services._create(
                    actor=actor, channel=Channel.WORK_ORDER, received_at=d["received_at"],
                    work_order_no=row.work_order_no, name=d["name"], phone=d["phone"],
                    confidential=d["confidential"], wants_reply=d["wants_reply"], address=d["address"],
                    text=d["text"], project=d["project"], receive_note=_note(row), suggestion=suggestion,
                    deadline_memo=deadline_memo,
                ))
            result.created = len(new)
            note = f"12345 工单导入（{result.filename or '未命名文件'}）：{result.summary()}"
            if result.ignored_columns:
                note += f"；忽略的列：{'、'.join(result.ignored_columns)}"
            record(actor=actor, action=AuditAction.IMPORT, object_type="complaints",
                   object_repr=result.filename, note=note[:2000])
    except (IntegrityError, DataError):
        # Another import wrote one of these orders between our check and our insert: the
        # transaction is undone as a whole, and a retry skips what the other import wrote.
        result.add(0, "", "写入时与同时进行的另一次导入冲突，本次未写入任何数据；请重新导入"
                          "（已导入的工单会自动跳过）")
        return _failed(result)
    return result


def _failed(result: ImportResult) -> ImportResult:
    result.created = result.skipped = 0
    result.skipped_numbers = []
    result.complaints = []
    result.errors.sort(key=lambda p: p.row)
    return result


# ---- the template ------------------------------------------------------------------------------

def template_bytes(user=None) -> bytes:
    """The import template: headers, one example row, a 填写说明 sheet, and the user's projects."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    ws.append([c.example for c in COLUMNS])
    for i, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[letter].width = 60 if col.key == "text" else max(14, len(col.header) * 2 + 4)
        if col.text:
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
        if isinstance(col.example, datetime.datetime):
            ws.cell(row=2, column=i).number_format = "yyyy-mm-dd hh:mm"
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(NOTES_TITLE)
    notes.append(["列名", "必填", "也可识别的列名", "说明"])
    for col in COLUMNS:
        required = "是" if col.required else ("二选一" if col.key in PROJECT_KEYS else "否")
        notes.append([col.header, required, "、".join(col.synonyms), col.help])
    for line in (
        "",
        f"第 2 行是示例（工单编号 {EXAMPLE_NO}），导入前请删除或改写。带 * 的列必填；“小区名称”和“项目编号”至少填一项。",
        "也可以直接上传 12345 平台导出的 .xlsx 或 .csv 文件（UTF-8 或 GBK 编码）：按列名识别，列的顺序不限，"
        "无法识别的列会被忽略并在结果中列出。",
        "系统先检查每一行：只要有一行有错，就不会写入任何工单；请按错误清单改正后重新上传。",
        "同一张工单（按工单编号）只会登记一次：重复导入同一文件或时间段有重叠的文件时，已导入的工单自动跳过，不作修改。",
    ):
        notes.append([line])
    for letter, width in zip("ABCD", (14, 10, 40, 80), strict=True):
        notes.column_dimensions[letter].width = width

    if user is not None:
        table = wb.create_sheet("小区项目编号表")
        table.append(["项目编号", "小区名称", "县（市、区）", "地址"])
        projects = (Project.objects.visible_to(user).select_related("community__parent__parent")
                    .order_by("code"))
        for p in projects:
            table.append([p.code, p.name, _Projects._county(p), p.address])
        for letter, width in zip("ABCD", (16, 24, 14, 40), strict=True):
            table.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
