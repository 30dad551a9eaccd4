"""Bulk onboarding from XLSX: every row is checked first, and nothing is written unless all are valid.

Re-importing updates by credit code (companies) or project code (projects) instead of
duplicating. Errors name the Excel row, the column header and what to fix.
"""

import datetime
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from propwatch.accounts import scoping
from propwatch.accounts.permissions import Action, can
from propwatch.audit.models import AuditAction
from propwatch.audit.services import record, snapshot
from propwatch.regions.models import Level, Region

from . import credit_code, phone_numbers, services
from .models import DISCLOSURE_ITEMS, Company, Project

MAX_ROWS = 20000


class CellError(Exception):
    """A cell's value cannot be used; the message says why in Chinese."""


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    required: bool = False
    parse: Callable = str
    example: object = ""
    help: str = ""


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str
    columns: list[Col]
    key_header: str


@dataclass
class ImportResult:
    kind: str
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        noun = "家企业" if self.kind == "companies" else "个项目"
        return f"导入完成：新增 {self.created} {noun}，更新 {self.updated} {noun}，{self.unchanged} 行无变化"


# ---- cell parsers ------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not m:
        raise CellError(f"“{text}”不是有效日期，请写成 2024-01-31 的格式")
    try:
        return datetime.date(*map(int, m.groups()))
    except ValueError as exc:
        raise CellError(f"“{text}”不是有效日期") from exc


def _households(value) -> int:
    if value in (None, ""):
        return 0
    text = _text(value).replace(",", "").replace("户", "")
    if not text.isdigit():
        raise CellError(f"户数应为不小于 0 的整数，当前为“{_text(value)}”")
    return int(text)


def _credit_code(value) -> str:
    return credit_code.clean(_text(value))


def _phone(value) -> str:
    number, error = phone_numbers.validate(_text(value))
    if error:
        raise CellError(error)
    return number


COMPANY_SPEC = Spec("companies", "物业服务企业", [
    Col("企业名称", "name", True, _text, "宜昌示例物业服务有限公司"),
    Col("统一社会信用代码", "credit_code", True, _credit_code, "91350100M000100Y43", "18 位；重复导入时以此更新"),
    Col("备案编号", "filing_no", False, _text, "YCWY-2021-001"),
    Col("法定代表人", "legal_representative", True, _text, "张三"),
    Col("联系电话", "contact_phone", True, _phone, "0717-6221234", "手机或带区号座机"),
    Col("注册地址", "address", False, _text, "宜昌市西陵区东山大道 1 号"),
    Col("注册所在地", "region", False, _text, "西陵区", "县（市、区）名称或 6 位代码"),
    Col("校验位例外说明", "override_reason", False, _text, "", "代码未通过校验但确认真实时填写（仅市级管理员）"),
], "统一社会信用代码")

PROJECT_SPEC = Spec("projects", "物业项目", [
    Col("项目编号", "code", False, _text, "", "留空则新增并自动编号；填写已有编号则更新该项目"),
    Col("项目名称", "name", True, _text, "示例花园"),
    Col("地址", "address", True, _text, "宜昌市西陵区示例路 8 号"),
    Col("所在街道（乡镇）", "street", False, _text, "西陵街道", "社区名称有重名时用于区分"),
    Col("所在社区", "community", True, _text, "420502001001", "12 位社区代码或社区名称"),
    Col("物业企业统一社会信用代码", "company", False, _credit_code, "91350100M000100Y43", "企业须已登记；留空表示无物业"),
    Col("合同开始日期", "contract_start", False, _date, datetime.date(2024, 1, 1)),
    Col("合同结束日期", "contract_end", False, _date, datetime.date(2026, 12, 31), "留空表示长期有效"),
    Col("户数", "households", False, _households, 320),
    *[Col(f"{label}公示日期", f, False, _date, None, "未公示留空") for f, label in DISCLOSURE_ITEMS],
], "项目编号")

SPECS = {s.kind: s for s in (COMPANY_SPEC, PROJECT_SPEC)}


def template_bytes(spec: Spec) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = spec.title
    ws.append([c.header + ("*" if c.required else "") for c in spec.columns])
    ws.append([c.example for c in spec.columns])
    for i, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[cell.column_letter].width = max(14, len(col.header) * 2 + 2)
        if isinstance(col.example, datetime.date):
            ws.cell(row=2, column=i).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for col in spec.columns:
        notes.append([col.header, "是" if col.required else "否", col.help])
    notes.append([])
    notes.append(["第 2 行为示例，导入前请删除或改写。带 * 的列必填。日期写成 2024-01-31。"])
    notes.column_dimensions["A"].width = 30
    notes.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- reading -----------------------------------------------------------------------------------

def _read_rows(spec: Spec, upload, result: ImportResult) -> list[tuple[int, dict]]:
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        result.errors.append((0, "", "文件无法读取：不是有效的 .xlsx 文件，请用 Excel 另存为 .xlsx 后重试"))
        return []
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None)
    if not header_row:
        result.errors.append((1, "", "第一行应为列名，文件是空的；请使用下载的模板"))
        return []
    headers = [_text(h).rstrip("*").strip() for h in header_row]
    known = {c.header: c for c in spec.columns}
    for idx, h in enumerate(headers):
        if h and h not in known:
            result.errors.append((1, h, f"无法识别的列名“{h}”，请使用模板中的列名"))
        elif h and headers.index(h) != idx:
            result.errors.append((1, h, f"列名“{h}”重复出现"))
    for col in spec.columns:
        if col.required and col.header not in headers:
            result.errors.append((1, col.header, f"缺少必填列“{col.header}”"))
    if result.errors:
        return []
    positions = {h: i for i, h in enumerate(headers) if h}
    parsed = []
    for row_no, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        if len(parsed) >= MAX_ROWS:
            result.errors.append((row_no, "", f"单次最多导入 {MAX_ROWS} 行，请拆分文件"))
            break
        data = {}
        for col in spec.columns:
            if col.header not in positions:
                continue
            pos = positions[col.header]
            raw = values[pos] if pos < len(values) else None
            if col.required and _text(raw) == "":
                result.errors.append((row_no, col.header, f"“{col.header}”为必填项，不能为空"))
                continue
            try:
                data[col.key] = col.parse(raw)
            except CellError as exc:
                result.errors.append((row_no, col.header, str(exc)))
        parsed.append((row_no, data))
    if not parsed and not result.errors:
        result.errors.append((2, "", "文件中没有数据行"))
    return parsed


# ---- companies ---------------------------------------------------------------------------------

def _resolve_county(text: str) -> Region | None:
    if not text:
        return None
    qs = Region.objects.filter(level__in=[Level.CITY, Level.COUNTY])
    return qs.filter(code=text).first() or qs.filter(name=text).first()


def _import_companies(rows, actor, result: ImportResult) -> None:
    codes = [d.get("credit_code", "") for _, d in rows]
    existing = {c.credit_code: c for c in Company.objects.filter(credit_code__in=codes)}
    visible = set(Company.objects.visible_to(actor).filter(credit_code__in=codes).values_list("pk", flat=True))
    seen: dict[str, int] = {}
    plans = []
    for row_no, data in rows:
        code = data.get("credit_code", "")
        if code in seen:
            result.errors.append((row_no, "统一社会信用代码", f"与第 {seen[code]} 行的统一社会信用代码重复"))
            continue
        seen[code] = row_no
        if "region" in data:
            name = data.pop("region")
            data["region"] = _resolve_county(name)
            if name and data["region"] is None:
                result.errors.append((row_no, "注册所在地", f"找不到县（市、区）“{name}”"))
                continue
        reason = data.pop("override_reason", "")
        company = existing.get(code)
        if company is not None and company.pk not in visible:
            result.errors.append((row_no, "统一社会信用代码", "该企业已登记，但不在您的管辖范围内，不能更新"))
            continue
        try:
            services.clean_company_data(
                {f: getattr(company, f) for f in services.COMPANY_FIELDS} | data if company else data,
                actor=actor, override_reason=reason or (company.credit_code_override_reason if company else ""),
            )
        except ValidationError as exc:
            for fld, msgs in exc.message_dict.items():
                header = next((c.header for c in COMPANY_SPEC.columns if c.key == fld), fld)
                result.errors.extend((row_no, header, m) for m in msgs)
            continue
        plans.append((row_no, company, data, reason))
    if result.errors:
        return
    for _row_no, company, data, reason in plans:
        if company is None:
            services.create_company(actor=actor, data=data, override_reason=reason)
            result.created += 1
        else:
            before = snapshot(company)
            company = services.update_company(actor=actor, company=company, data=data, override_reason=reason)
            _count_update(result, before, snapshot(company))


def _count_update(result: ImportResult, before: dict, after: dict) -> None:
    if before != after:
        result.updated += 1
    else:
        result.unchanged += 1


# ---- projects ----------------------------------------------------------------------------------

def _community_lookup(actor):
    qs = Region.objects.filter(level=Level.COMMUNITY).select_related("parent")
    path = None if actor.is_superuser else scoping.region_path(actor)
    by_code, by_name = {}, {}
    for c in qs:
        in_scope = path is None and actor.is_superuser or (path is not None and c.path.startswith(path))
        by_code[c.code] = (c, in_scope)
        by_name.setdefault(c.name, []).append((c, in_scope))
    return by_code, by_name


def _import_projects(rows, actor, result: ImportResult) -> None:
    by_code, by_name = _community_lookup(actor)
    codes = [d.get("code") for _, d in rows if d.get("code")]
    existing = {p.code: p for p in Project.objects.filter(code__in=codes)}
    visible = set(Project.objects.visible_to(actor).filter(code__in=codes).values_list("pk", flat=True))
    company_codes = {d.get("company") for _, d in rows if d.get("company")}
    companies = {c.credit_code: c for c in Company.objects.filter(credit_code__in=company_codes)}
    seen: dict[str, int] = {}
    plans = []
    for row_no, data in rows:
        errors_before = len(result.errors)
        code = (data.get("code") or "").upper()
        data["code"] = code
        if code:
            if code in seen:
                result.errors.append((row_no, "项目编号", f"与第 {seen[code]} 行的项目编号重复"))
            seen[code] = row_no
        project = existing.get(code) if code else None
        if project is not None and project.pk not in visible:
            result.errors.append((row_no, "项目编号", "该项目不在您的管辖范围内，不能更新"))
        street = data.pop("street", "")
        text = data.pop("community", "")
        community = None
        if text in by_code:
            community, in_scope = by_code[text]
        else:
            matches = [m for m in by_name.get(text, []) if not street or m[0].parent.name == street]
            if len(matches) == 1:
                community, in_scope = matches[0]
            elif len(matches) > 1:
                result.errors.append((row_no, "所在社区", f"社区“{text}”有重名，请填写所在街道或 12 位社区代码"))
            else:
                result.errors.append((row_no, "所在社区", f"找不到社区“{text}”，请填写 12 位社区代码或准确的社区名称"))
        if community is not None and not in_scope:
            result.errors.append((row_no, "所在社区", f"社区“{community.name}”不在您的管辖范围内"))
        data["community"] = community
        if data.get("company"):
            company = companies.get(data["company"])
            if company is None:
                result.errors.append((row_no, "物业企业统一社会信用代码",
                                      f"企业 {data['company']} 尚未登记，请先导入企业"))
            data["company"] = company
        elif "company" in data:
            data["company"] = None
        if len(result.errors) > errors_before:
            continue
        merged = ({f: getattr(project, f) for f in services.PROJECT_FIELDS} | data) if project else data
        try:
            services.clean_project_data(merged)
        except ValidationError as exc:
            for fld, msgs in exc.message_dict.items():
                header = next((c.header for c in PROJECT_SPEC.columns if c.key == fld), fld)
                result.errors.extend((row_no, header, m) for m in msgs)
            continue
        plans.append((row_no, project, data))
    if result.errors:
        return
    for _row_no, project, data in plans:
        if project is None:
            services.create_project(actor=actor, data=data)
            result.created += 1
        else:
            before = snapshot(project)
            project = services.update_project(actor=actor, project=project, data=data)
            _count_update(result, before, snapshot(project))


def run_import(kind: str, upload, *, actor) -> ImportResult:
    """Validate every row, then write all of them in one transaction, or none."""
    spec = SPECS[kind]
    result = ImportResult(kind)
    if not can(actor, Action.IMPORT_REGISTRY):
        result.errors.append((0, "", "您的角色无权批量导入"))
        return result
    rows = _read_rows(spec, upload, result)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            (_import_companies if kind == "companies" else _import_projects)(rows, actor, result)
            if result.errors:
                raise _Rollback
            record(actor=actor, action=AuditAction.IMPORT, object_type=f"registry.{kind}",
                   object_repr=getattr(upload, "name", ""), note=result.summary())
    except _Rollback:
        result.created = result.updated = result.unchanged = 0
    except ValidationError as exc:
        # A rule that only the write itself could check (a race with another user): nothing is kept.
        result.created = result.updated = result.unchanged = 0
        result.errors.append((0, "", "；".join(exc.messages)))
    return result


class _Rollback(Exception):
    pass
