"""Bulk onboarding from XLSX: every row is checked first, and nothing is written unless all are valid.

Re-importing updates by credit code (companies) or project code (projects) instead of
duplicating. Errors name the Excel row, the column header and what to fix.

The list exports use the same column headers as these templates (see `exports.py`), so an
exported list can be corrected in Excel and imported back as it is: the few columns an export
adds for reading only (`Spec.read_only`) are recognised and ignored.

The whole import is one transaction: rows are written through the registry services (which
write the audit rows), and a failure on any row, even at write time, rolls back every row
written before it, audit rows included.
"""

import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DataError, IntegrityError, models, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from propwatch.accounts.permissions import Action, can
from propwatch.audit.models import AuditAction
from propwatch.audit.services import record
from propwatch.regions.models import Level, Region

from . import credit_code, phone_numbers, services
from .forms import communities_for
from .models import DISCLOSURE_FIELDS, DISCLOSURE_ITEMS, Company, Project, today

MAX_ROWS = 20000
MAX_HOUSEHOLDS = 100_000  # far above any single estate; a larger number is a typing error

# What a broken upload raises somewhere inside openpyxl, zipfile or the XML parser. Reading is
# lazy (read-only mode), so these can surface while iterating rows, not only when opening.
_UNREADABLE = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError,
               IndexError, EOFError, SyntaxError)  # SyntaxError covers xml.etree's ParseError


class CellError(Exception):
    """A cell's value cannot be used; the message says why in Chinese."""


class Problem(NamedTuple):
    """One error: the Excel row (0 when it concerns the whole file), the column header, what to fix."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    required: bool = False
    parse: Callable[[Any], Any] = str
    example: object = ""
    help: str = ""
    text: bool = False  # the template formats the column as text, so Excel keeps codes as typed


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str
    noun: str  # counted noun for the summary: 家企业 / 个项目
    model: type[models.Model]
    columns: list[Col]
    # Headers the export adds for reading (a name next to a code, a derived status): accepted
    # on import and ignored, so an export can be imported back unchanged.
    read_only: tuple[str, ...] = ()
    # Keys that identify the template's example row, so an example left in place is not imported.
    example_keys: tuple[str, ...] = ()

    def header_of(self, key: str) -> str:
        return next((c.header for c in self.columns if c.key == key), key)


@dataclass
class ImportResult:
    kind: str
    errors: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(Problem(row, column, message))

    def summary(self) -> str:
        noun = SPECS[self.kind].noun
        return f"导入完成：新增 {self.created} {noun}，更新 {self.updated} {noun}，{self.unchanged} 行无变化"


# ---- cell parsers ------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        value = value.date()
    return str(value).strip()


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)


def _date(value) -> datetime.date | None:
    """An Excel date, or text such as 2024-01-31, 2024/1/31, 2024年1月31日, 2024.1.31, 20240131."""
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number in a date column: 20240131 typed without separators, or an Excel date whose
        # cell lost its date format (the serial number, 45322 for 2024-01-31).
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return _date(str(int(value)))
        if 1 <= value < 2958466:
            day = from_excel(value)
            day = day.date() if isinstance(day, datetime.datetime) else day
            if 1950 <= day.year <= 2100:
                return day
        raise CellError(f"“{_text(value)}”不是日期，请填写如 2024-01-31 的日期")
    text = _text(value)
    m = _DATE_TEXT.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        raise CellError(f"“{text}”不是有效的日期，请填写如 2024-01-31 的日期")
    try:
        return datetime.date(*map(int, m.groups()))
    except ValueError as exc:
        raise CellError(f"“{text}”不是有效的日期（没有这一天），请核对年月日") from exc


def _households(value) -> int:
    if value is None or _text(value) == "":
        return 0
    if isinstance(value, float) and not value.is_integer():
        raise CellError(f"户数应为整数，当前为“{value:g}”")
    text = _text(value).replace(",", "").replace("，", "").replace("户", "").strip()
    if not text.isdigit():
        raise CellError(f"户数应为不小于 0 的整数，当前为“{_text(value)}”")
    number = int(text)
    if number > MAX_HOUSEHOLDS:
        raise CellError(f"户数 {number} 超出合理范围（不超过 {MAX_HOUSEHOLDS}），请核对")
    return number


_EXCEL_DIGITS_LOST = (
    "这个代码被 Excel 当成了数字，超过 15 位的数字末几位已经丢失；"
    "请把该列设为“文本”格式后重新输入完整的 18 位代码"
)


def _credit_code(value) -> str:
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise CellError(_EXCEL_DIGITS_LOST)
    return credit_code.clean(_text(value))


def _code(value) -> str:
    return _text(value).upper()


def _phone(value) -> str:
    number, error = phone_numbers.validate(_text(value))
    if error:
        if isinstance(value, int | float):
            error += "。该单元格是数字格式，座机区号开头的 0 会被 Excel 去掉；请把该列设为“文本”格式后重新输入"
        raise CellError(error)
    return number


COMPANY_SPEC = Spec("companies", "物业服务企业", "家企业", Company, [
    Col("企业名称", "name", True, _text, "宜昌示例物业服务有限公司"),
    Col("统一社会信用代码", "credit_code", True, _credit_code, "91350100M000100Y43",
        "18 位，字母大写；重复导入时以此更新已登记的企业", text=True),
    Col("备案编号", "filing_no", False, _text, "YCWY-2021-001", text=True),
    Col("法定代表人", "legal_representative", True, _text, "张三"),
    Col("联系电话", "contact_phone", True, _phone, "0717-6221234", "手机 11 位或带区号的座机", text=True),
    Col("注册地址", "address", False, _text, "宜昌市西陵区东山大道 1 号"),
    Col("注册所在地", "region", False, _text, "西陵区", "县（市、区）名称或 6 位区划代码"),
    Col("校验位例外说明", "override_reason", False, _text, "",
        "代码未通过校验位检查但经核实真实（如早期试点代码）时填写原因；仅市级管理员可确认"),
], read_only=("在管项目数",), example_keys=("name", "credit_code"))

PROJECT_SPEC = Spec("projects", "物业项目", "个项目", Project, [
    Col("项目编号", "code", False, _code, "", "留空则新增并自动编号；填写已有编号则更新该项目", text=True),
    Col("项目名称", "name", True, _text, "示例花园"),
    Col("地址", "address", True, _text, "宜昌市西陵区示例路 8 号"),
    Col("县（市、区）", "county", False, _text, "西陵区", "社区名称有重名时用于区分"),
    Col("所在街道（乡镇）", "street", False, _text, "西陵街道", "社区名称有重名时用于区分"),
    Col("所在社区", "community", False, _text, "凤凰社区", "社区名称或 12 位社区代码；与“社区代码”至少填一项"),
    Col("社区代码", "community_code", False, _code, "420502001001",
        "12 位社区代码（见“社区代码表”）；填写后以此为准", text=True),
    Col("物业企业统一社会信用代码", "company", False, _credit_code, "91350100M000100Y43",
        "企业须已登记（先导入企业）；留空表示无物业服务企业", text=True),
    Col("合同开始日期", "contract_start", False, _date, datetime.date(2024, 1, 1), "有物业服务企业时必填"),
    Col("合同结束日期", "contract_end", False, _date, datetime.date(2026, 12, 31), "留空表示长期有效"),
    Col("户数", "households", False, _households, 320),
    *[Col(f"{label}公示日期", f, False, _date, None, "该事项公示完成的日期；未公示留空")
      for f, label in DISCLOSURE_ITEMS],
], read_only=("物业服务企业", "专业化物业管理"), example_keys=("name", "address"))

SPECS = {s.kind: s for s in (COMPANY_SPEC, PROJECT_SPEC)}


def _normalise_header(value) -> str:
    """Headers as people retype them: trailing *, half-width brackets, stray spaces."""
    text = re.sub(r"\s+", "", _text(value)).rstrip("*＊")
    return text.replace("(", "（").replace(")", "）")


# ---- the template ------------------------------------------------------------------------------

def template_bytes(spec: Spec, user=None) -> bytes:
    """The import template: headers, one example row, notes, and (for projects) the communities
    the user may import into with their codes."""
    wb = Workbook()
    ws = wb.active
    ws.title = spec.title
    ws.append([c.header + ("*" if c.required else "") for c in spec.columns])
    ws.append([c.example for c in spec.columns])
    for i, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[letter].width = max(14, len(col.header) * 2 + 2)
        if col.text:
            # Codes typed into a text column stay as typed (no lost digits, no lost leading 0).
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
        if isinstance(col.example, datetime.date):
            ws.cell(row=2, column=i).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for col in spec.columns:
        notes.append([col.header, "是" if col.required else "否", col.help])
    notes.append([])
    notes.append(["第 2 行是示例，导入前请删除或改写。带 * 的列必填。日期写成 2024-01-31。"])
    notes.append(["从本系统导出的列表可以直接修改后导入；导出文件中的“" + "”“".join(spec.read_only)
                  + "”列仅供查看，导入时忽略。"])
    notes.column_dimensions["A"].width = 30
    notes.column_dimensions["C"].width = 70
    if spec is PROJECT_SPEC and user is not None:
        codes = wb.create_sheet("社区代码表")
        codes.append(["县（市、区）", "街道（乡镇）", "社区", "社区代码"])
        for c in communities_for(user).select_related("parent__parent").order_by("path"):
            codes.append([c.parent.parent.name, c.parent.name, c.name, c.code])
        for letter, width in zip("ABCD", (14, 16, 16, 16), strict=True):
            codes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- reading -----------------------------------------------------------------------------------

@dataclass
class Row:
    number: int  # the Excel row number
    data: dict[str, Any]
    bad: set[str] = field(default_factory=set)  # keys whose cell already has an error


def _max_lengths(spec: Spec) -> dict[str, int]:
    lengths = {}
    for col in spec.columns:
        try:
            f = spec.model._meta.get_field(col.key)
        except FieldDoesNotExist:
            continue
        if isinstance(f, models.CharField) and f.max_length:
            lengths[col.key] = f.max_length
    return lengths


def _sheet(wb, spec: Spec):
    """The sheet named like the template's, else the first one."""
    return wb[spec.title] if spec.title in wb.sheetnames else wb.worksheets[0]


class _Unreadable(Exception):
    """The upload is not a readable XLSX workbook."""


def _iter_values(upload, spec: Spec) -> Iterator[tuple]:
    """The cell values of the data sheet, row by row from row 1; `_Unreadable` for a broken file."""
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise _Unreadable from exc
    try:
        try:
            ws = _sheet(wb, spec)
            # Files saved by other programs (WPS, scripts) often carry a wrong "used range";
            # reading without it returns every cell that is really there.
            ws.reset_dimensions()
            values = ws.iter_rows(values_only=True)
        except _UNREADABLE as exc:
            raise _Unreadable from exc
        while True:
            try:
                row = next(values)
            except StopIteration:
                return
            except _UNREADABLE as exc:
                raise _Unreadable from exc
            yield row
    finally:
        wb.close()


def _check_headers(spec: Spec, raw_headers: tuple, result: ImportResult) -> dict[str, int] | None:
    """{header: position}, or None after recording what is wrong with the header row."""
    headers = [_normalise_header(h) for h in raw_headers]
    if not any(headers):
        result.add(1, "", "第 1 行应为列名，但这一行是空的；请使用下载的模板，不要删除表头")
        return None
    known = {c.header for c in spec.columns}
    present = set(headers)
    if not present & known:
        other = next((s for s in SPECS.values() if s is not spec and present & {c.header for c in s.columns}), None)
        if other is not None:
            result.add(1, "", f"这是“{other.title}”的文件，请在“导入内容”中选择“{other.title}”后重新上传")
        else:
            result.add(1, "", f"第 1 行没有可识别的列名；请使用下载的“{spec.title}”导入模板")
        return None
    positions: dict[str, int] = {}
    for idx, h in enumerate(headers):
        if not h:
            continue
        where = f"第 {get_column_letter(idx + 1)} 列"
        if h in spec.read_only:
            continue
        if h not in known:
            result.add(1, h, f"{where}的列名“{h}”无法识别；请改为模板中的列名，或删除这一列")
        elif h in positions:
            result.add(1, h, f"{where}的列名“{h}”与第 {get_column_letter(positions[h] + 1)} 列重复，请删除其中一列")
        else:
            positions[h] = idx
    for col in spec.columns:
        if col.required and col.header not in positions:
            result.add(1, col.header, f"缺少必填列“{col.header}”；请使用下载的模板")
    if spec is PROJECT_SPEC and not {"所在社区", "社区代码"} & set(positions):
        result.add(1, "所在社区", "缺少“所在社区”列（或“社区代码”列），无法确定项目所在的社区")
    return None if result.errors else positions


def _is_example(spec: Spec, data: dict) -> bool:
    examples = {c.key: c.example for c in spec.columns}
    return all(k in data and _text(data[k]) == _text(examples[k]) for k in spec.example_keys)


def _read_rows(spec: Spec, upload, result: ImportResult) -> list[Row] | None:
    """The data rows with their parsed cells (cell errors recorded), or None when the file as a
    whole cannot be used (unreadable, no header row, unknown columns, no data)."""
    rows: list[Row] = []
    values_iter = _iter_values(upload, spec)
    try:
        header_row = next(values_iter, None)
        if header_row is None:
            result.add(0, "", "文件中的工作表是空的；请在下载的模板中填写后上传")
            return None
        positions = _check_headers(spec, header_row, result)
        if positions is None:
            return None
        columns = [c for c in spec.columns if c.header in positions]
        lengths = _max_lengths(spec)
        for row_no, values in enumerate(values_iter, start=2):
            if all(_text(v) == "" for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                result.errors[:] = [Problem(row_no, "", f"单次最多导入 {MAX_ROWS} 行，请把文件拆分后分批导入")]
                return None
            row = _parse_row(row_no, values, columns, positions, lengths, result)
            if _is_example(spec, row.data):
                result.add(row_no, "", f"第 {row_no} 行是模板中的示例，请删除或改写后再导入")
                continue
            rows.append(row)
    except _Unreadable:
        result.errors[:] = [Problem(0, "", "文件无法读取：不是有效的 .xlsx 文件或文件已损坏；"
                                           "请用 Excel 或 WPS 打开后“另存为”.xlsx 格式再上传")]
        return None
    finally:
        values_iter.close()
    if not rows and not result.errors:
        result.add(2, "", "文件中只有表头，没有数据行；请从第 2 行开始填写")
        return None
    return rows


def _parse_row(row_no: int, values: tuple, columns: list[Col], positions: dict[str, int],
               lengths: dict[str, int], result: ImportResult) -> Row:
    row = Row(row_no, {})
    for col in columns:
        pos = positions[col.header]
        raw = values[pos] if pos < len(values) else None
        if col.required and _text(raw) == "":
            result.add(row_no, col.header, f"“{col.header}”为必填项，不能为空")
            row.bad.add(col.key)
            continue
        try:
            value = col.parse(raw)
        except CellError as exc:
            result.add(row_no, col.header, str(exc))
            row.bad.add(col.key)
            continue
        limit = lengths.get(col.key)
        if limit and isinstance(value, str) and len(value) > limit:
            result.add(row_no, col.header, f"“{col.header}”最多 {limit} 个字，当前 {len(value)} 个字，请精简")
            row.bad.add(col.key)
            continue
        row.data[col.key] = value
    return row


def _add_service_errors(result: ImportResult, spec: Spec, row: Row, exc: ValidationError,
                        messages_for: Callable[[str, list[str]], list[str]] | None = None) -> None:
    """A service's field errors, attributed to the row's columns; a cell already reported is skipped."""
    if not hasattr(exc, "error_dict"):
        for m in exc.messages:
            result.add(row.number, "", m)
        return
    for fld, msgs in exc.message_dict.items():
        if fld in row.bad:
            continue
        if messages_for is not None:
            msgs = messages_for(fld, msgs)
        result.errors.extend(Problem(row.number, spec.header_of(fld), m) for m in msgs)


def _changed(obj: models.Model, cleaned: dict[str, Any], fields: list[str]) -> bool:
    """Whether writing `cleaned` would change `obj` (foreign keys compared by id, without a query)."""
    for f in fields:
        if f not in cleaned:
            continue
        model_field = obj._meta.get_field(f)
        if model_field.is_relation:
            current, new = getattr(obj, model_field.attname), getattr(cleaned[f], "pk", cleaned[f])
        else:
            current, new = getattr(obj, f), cleaned[f]
        if current != new:
            return True
    return False


# ---- companies ---------------------------------------------------------------------------------

@dataclass
class _Plan:
    row: Row
    obj: models.Model | None  # None: create
    data: dict[str, Any]
    reason: str = ""
    changed: bool = True


def _counties_by_text(texts: set[str]) -> dict[str, Region]:
    qs = Region.objects.filter(level__in=[Level.CITY, Level.COUNTY]).filter(
        models.Q(code__in=texts) | models.Q(name__in=texts))
    found: dict[str, Region] = {}
    for region in qs:
        found.setdefault(region.code, region)
        found.setdefault(region.name, region)
    return found


def _credit_code_messages(actor, reason: str):
    """The service's credit-code messages, rewritten for a spreadsheet (no form to "save")."""
    may_override = can(actor, Action.OVERRIDE_CREDIT_CODE)

    def rewrite(fld: str, msgs: list[str]) -> list[str]:
        if fld != "credit_code":
            return msgs
        out = []
        for m in msgs:
            if "校验位不符" in m:
                check = m.split("。")[0]
                if may_override:
                    m = f"{check}。请核对代码；如确认代码真实（如早期试点代码），请在“校验位例外说明”列填写原因"
                elif reason:
                    m = f"{check}。只有市级管理员可以确认例外代码；请核对代码，或请市住建局管理员导入这一行"
                else:
                    m = f"{check}。请核对代码；如确认代码真实（如早期试点代码），请联系市住建局管理员确认例外"
            out.append(m)
        return out

    return rewrite


def _plan_companies(rows: list[Row], actor, result: ImportResult) -> list[_Plan]:
    spec = COMPANY_SPEC
    codes = {r.data["credit_code"] for r in rows if r.data.get("credit_code")}
    existing = {c.credit_code: c for c in Company.objects.filter(credit_code__in=codes).select_related("region")}
    visible = set(Company.objects.visible_to(actor).filter(credit_code__in=codes).values_list("pk", flat=True))
    regions = _counties_by_text({r.data["region"] for r in rows if r.data.get("region")})
    seen: dict[str, int] = {}
    plans = []
    for row in rows:
        data = dict(row.data)
        errors_before = len(result.errors)
        code = data.get("credit_code", "")
        company = existing.get(code) if code else None
        if code:
            if code in seen:
                result.add(row.number, spec.header_of("credit_code"),
                           f"统一社会信用代码 {code} 与第 {seen[code]} 行重复；同一家企业只能出现一次，请合并或删除其中一行")
                row.bad.add("credit_code")
            else:
                seen[code] = row.number
            if company is not None and company.pk not in visible:
                result.add(row.number, spec.header_of("credit_code"),
                           f"统一社会信用代码 {code} 的企业已由其他地区登记，不在您的管辖范围内，不能通过导入修改；"
                           "如需更新请联系市住建局")
                row.bad.add("credit_code")
        if "region" in data:
            text = data.pop("region")
            data["region"] = regions.get(text) if text else None
            if text and data["region"] is None:
                result.add(row.number, spec.header_of("region"),
                           f"找不到县（市、区）“{text}”；请填写如“西陵区”的名称或 6 位区划代码（如 420502）")
                row.bad.add("region")
        reason = data.pop("override_reason", "")
        merged = ({f: getattr(company, f) for f in services.COMPANY_FIELDS} | data) if company else data
        try:
            cleaned = services.clean_company_data(
                merged, actor=actor, override_reason=reason or (company.credit_code_override_reason if company else ""),
                company=company,
            )
        except ValidationError as exc:
            _add_service_errors(result, spec, row, exc, _credit_code_messages(actor, reason))
        if len(result.errors) > errors_before:
            continue
        changed = company is None or _changed(company, cleaned, [*services.COMPANY_FIELDS,
                                                                 "credit_code_override_reason"])
        plans.append(_Plan(row, company, data, reason, changed))
    return plans


def _write_company(plan: _Plan, actor) -> None:
    if plan.obj is None:
        services.create_company(actor=actor, data=plan.data, override_reason=plan.reason)
    else:
        services.update_company(actor=actor, company=plan.obj, data=plan.data, override_reason=plan.reason)


# ---- projects ----------------------------------------------------------------------------------

def _place(community: Region) -> str:
    return f"{community.parent.parent.name}{community.parent.name}{community.name}"


class _Communities:
    """The communities the rows name (by code or name), with the user's scope."""

    def __init__(self, rows: list[Row], actor):
        texts = set()
        for r in rows:
            texts.update(_text(r.data.get(k)) for k in ("community", "community_code"))
        texts.discard("")
        qs = Region.objects.filter(level=Level.COMMUNITY).filter(
            models.Q(code__in=texts) | models.Q(name__in=texts)).select_related("parent__parent")
        in_scope = set(communities_for(actor).filter(pk__in=qs.values("pk")).values_list("pk", flat=True))
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        for c in qs.order_by("path"):
            self.by_code[c.code] = c
            self.by_name.setdefault(c.name, []).append(c)
        self.in_scope = in_scope

    @staticmethod
    def _is(region: Region, text: str) -> bool:
        return text in (region.name, region.code)

    def resolve(self, row: Row, result: ImportResult) -> Region | None:
        """The row's community, or None after recording why not (on the column to fix)."""
        data = row.data
        county, street = data.get("county", ""), data.get("street", "")
        name, code = data.get("community", ""), data.get("community_code", "")
        header = PROJECT_SPEC.header_of
        if "community" in row.bad or "community_code" in row.bad:
            return None
        if code:
            community = self.by_code.get(code)
            if community is None:
                result.add(row.number, header("community_code"),
                           f"找不到社区代码“{code}”；请填写 12 位社区代码（见模板中的“社区代码表”）")
                return None
            for key, text, region in (("community", name, community), ("street", street, community.parent),
                                      ("county", county, community.parent.parent)):
                if text and not self._is(region, text):
                    result.add(row.number, header(key),
                               f"“{text}”与社区代码 {code}（{_place(community)}）不一致；请核对，或清空其中一项")
                    return None
        elif not name:
            result.add(row.number, header("community"), "请填写所在社区（名称或 12 位社区代码）")
            return None
        elif name in self.by_code:
            community = self.by_code[name]
        else:
            everywhere = self.by_name.get(name, [])
            if not everywhere:
                result.add(row.number, header("community"),
                           f"找不到社区“{name}”；请填写准确的社区名称或 12 位社区代码（见模板中的“社区代码表”）")
                return None
            matches = [c for c in everywhere if (not street or self._is(c.parent, street))
                       and (not county or self._is(c.parent.parent, county))]
            if not matches:
                where = "、".join(_place(c) for c in everywhere[:5])
                given = "“" + "”“".join(t for t in (county, street) if t) + "”"
                result.add(row.number, header("street" if street else "county"),
                           f"{given}下没有“{name}”；该名称的社区位于：{where}。请核对街道（乡镇）或县（市、区）")
                return None
            # Names repeat across streets and counties: among the matches, the user's own territory
            # decides; only a name that is still ambiguous there needs the street or the code.
            mine = [c for c in matches if c.pk in self.in_scope]
            if not mine:
                where = "、".join(_place(c) for c in matches[:5])
                result.add(row.number, header("community"),
                           f"社区“{name}”（{where}）不在您的管辖范围内，不能在此登记项目")
                return None
            if len(mine) > 1:
                where = "、".join(_place(c) for c in mine[:5])
                result.add(row.number, header("community"),
                           f"社区“{name}”有重名（{where}）；请填写“所在街道（乡镇）”或 12 位社区代码加以区分")
                return None
            community = mine[0]
        if community.pk not in self.in_scope:
            result.add(row.number, header("community_code" if code else "community"),
                       f"社区“{_place(community)}”不在您的管辖范围内，不能在此登记项目")
            return None
        return community


def _plan_projects(rows: list[Row], actor, result: ImportResult) -> list[_Plan]:
    spec = PROJECT_SPEC
    communities = _Communities(rows, actor)
    codes = {r.data["code"] for r in rows if r.data.get("code")}
    existing = {p.code: p for p in Project.objects.filter(code__in=codes).select_related("community", "company")}
    visible = set(Project.objects.visible_to(actor).filter(code__in=codes).values_list("pk", flat=True))
    company_codes = {r.data["company"] for r in rows if r.data.get("company")}
    companies = {c.credit_code: c for c in Company.objects.filter(credit_code__in=company_codes)}
    # A row without a code creates a project; one that repeats an existing project's name in the
    # same community is almost always that project imported again, so it is refused with its code.
    uncoded_names = {r.data["name"] for r in rows if not r.data.get("code") and r.data.get("name")}
    named = {(p.community_id, p.name): p.code
             for p in Project.objects.filter(name__in=uncoded_names).only("code", "name", "community_id")}
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[int, str], int] = {}
    on = today()
    plans = []
    for row in rows:
        data = dict(row.data)
        errors_before = len(result.errors)
        code = data.get("code", "")
        project = existing.get(code) if code else None
        if code:
            if code in seen_codes:
                result.add(row.number, spec.header_of("code"),
                           f"项目编号 {code} 与第 {seen_codes[code]} 行重复；同一个项目只能出现一次")
            else:
                seen_codes[code] = row.number
            if project is not None and project.pk not in visible:
                result.add(row.number, spec.header_of("code"),
                           f"项目编号 {code} 的项目不在您的管辖范围内，不能通过导入修改")
        community = communities.resolve(row, result)
        for key in ("county", "street", "community_code"):
            data.pop(key, None)
        data.pop("community", None)
        if community is not None:
            data["community"] = community
        else:
            row.bad.add("community")  # resolve() has said why
        if "company" in data:
            company_code = data["company"]
            data["company"] = companies.get(company_code) if company_code else None
            if company_code and data["company"] is None and "company" not in row.bad:
                result.add(row.number, spec.header_of("company"),
                           f"统一社会信用代码为 {company_code} 的企业尚未登记；请先导入企业，或核对代码")
                row.bad.add("company")
        for f in DISCLOSURE_FIELDS:
            if data.get(f) and data[f] > on:
                result.add(row.number, spec.header_of(f), f"公示日期 {data[f]:%Y-%m-%d} 晚于今天；请填写实际公示完成的日期")
                row.bad.add(f)
        if not code and community is not None and data.get("name"):
            key = (community.pk, data["name"])
            if key in named:
                result.add(row.number, spec.header_of("name"),
                           f"{_place(community)}已有同名项目“{data['name']}”（项目编号 {named[key]}）；"
                           f"如要更新该项目，请在“项目编号”列填写 {named[key]}")
            elif key in seen_names:
                result.add(row.number, spec.header_of("name"),
                           f"与第 {seen_names[key]} 行是同一社区的同名项目；请删除重复行或区分项目名称")
            else:
                seen_names[key] = row.number
        merged = ({f: getattr(project, f) for f in services.PROJECT_FIELDS} | data) if project else data
        try:
            cleaned = services.clean_project_data(merged)
        except ValidationError as exc:
            _add_service_errors(result, spec, row, exc)
        if len(result.errors) > errors_before:
            continue
        if code:
            data["code"] = code
        changed = project is None or _changed(project, cleaned, [*services.PROJECT_FIELDS, *DISCLOSURE_FIELDS])
        plans.append(_Plan(row, project, data, changed=changed))
    # Rows with a code are written first, so a new project that gets an automatic code can never
    # take a code that a later row of the same file asks for.
    plans.sort(key=lambda p: not p.data.get("code"))
    return plans


def _write_project(plan: _Plan, actor) -> None:
    if plan.obj is None:
        services.create_project(actor=actor, data=plan.data)
    else:
        services.update_project(actor=actor, project=plan.obj, data=plan.data)


# ---- the import --------------------------------------------------------------------------------

class _Rollback(Exception):
    pass


_STEPS = {"companies": (_plan_companies, _write_company), "projects": (_plan_projects, _write_project)}


def run_import(kind: str, upload, *, actor) -> ImportResult:
    """Validate every row, then write all of them in one transaction, or none."""
    spec = SPECS[kind]
    plan, write = _STEPS[kind]
    result = ImportResult(kind)
    if not can(actor, Action.IMPORT_REGISTRY):
        result.add(0, "", "您的角色无权批量导入")
        return result
    rows = _read_rows(spec, upload, result)
    if rows is None:
        return result
    try:
        with transaction.atomic():
            # Rows whose cells had errors are still checked against the database (duplicates,
            # communities, scope), so one upload lists everything there is to fix.
            plans = plan(rows, actor, result)
            if result.errors:
                raise _Rollback
            for p in plans:
                if not p.changed:
                    result.unchanged += 1
                    continue
                try:
                    write(p, actor)
                except ValidationError as exc:
                    # A rule only the write could check, e.g. another user registered the same code
                    # a moment ago: the row is named and every row written before it is undone.
                    _add_service_errors(result, spec, p.row, exc)
                    raise _Rollback from exc
                except (IntegrityError, DataError) as exc:
                    result.add(p.row.number, "", "写入时与其他用户同时进行的修改冲突，本次未写入任何数据；请稍后重新导入")
                    raise _Rollback from exc
                if p.obj is None:
                    result.created += 1
                else:
                    result.updated += 1
            record(actor=actor, action=AuditAction.IMPORT, object_type=f"registry.{kind}",
                   object_repr=str(getattr(upload, "name", ""))[:200], note=result.summary())
    except _Rollback:
        result.created = result.updated = result.unchanged = 0
        result.errors.sort(key=lambda p: p.row)
    return result
