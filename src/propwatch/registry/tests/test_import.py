"""XLSX bulk import of companies and projects: validate every row, write all or nothing, update on re-import.

Files are built with openpyxl the way people fill them in Excel (numbers, Excel dates, text
dates, blank rows), imported through `run_import` as the service, and through /registry/import/
as a user would. Assertions are on what the user sees: the error list (row, column, reason), the
records on file afterwards and the audit trail.
"""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.regions.models import Level, Region
from propwatch.registry import credit_code, services
from propwatch.registry.imports import COMPANY_SPEC, run_import
from propwatch.registry.models import Company, Project
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

PILOT_CODE = "91350100M0001TGQXM"  # a real early pilot code that fails the check character
XILING_COMMUNITY = "420502001001"  # 西陵区 / 西陵街道 / 凤凰社区
WUJIAGANG_COMMUNITY = "420503001001"


# ---- building files ----------------------------------------------------------------------------

def xlsx(headers: list[str], rows: list[list | None], *, title: str = "Sheet") -> bytes:
    """A workbook whose first sheet has `headers` in row 1 and `rows` from row 2 (None = blank row)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row or [])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


COMPANY_HEADERS = ["企业名称*", "统一社会信用代码*", "备案编号", "法定代表人*", "联系电话*", "注册地址", "注册所在地",
                   "校验位例外说明"]


def company_row(name="宜昌清江物业服务有限公司", code=None, phone="13812341234", region="西陵区", reason="",
                legal="李四", filing="YCWY-001", address="宜昌市西陵区东山大道 9 号") -> list:
    code = code if code is not None else credit_code.make("91420502", "MA4A8C1X3")
    return [name, code, filing, legal, phone, address, region, reason]


PROJECT_HEADERS = ["项目编号", "项目名称*", "地址*", "所在街道（乡镇）", "所在社区*", "物业企业统一社会信用代码",
                   "合同开始日期", "合同结束日期", "户数"]


def project_row(name="清江花园", code="", street="", place=XILING_COMMUNITY, company="", start=None, end=None,
                households=320, address="宜昌市西陵区清江路 1 号") -> list:
    return [code, name, address, street, place, company, start, end, households]


def _wrong_check(first17: str) -> str:
    """A well-formed code whose 18th character is not the one the check computes."""
    right = credit_code.check_character(first17)
    return first17 + ("0" if right != "0" else "1")


def import_companies(actor, headers, rows):
    return run_import("companies", upload(xlsx(headers, rows)), actor=actor)


def import_projects(actor, headers, rows):
    return run_import("projects", upload(xlsx(headers, rows)), actor=actor)


def errors_at(result, row: int) -> list[tuple[str, str]]:
    return [(p.column, p.message) for p in result.errors if p.row == row]


# ---- companies ---------------------------------------------------------------------------------

def test_companies_are_created_with_normalised_values_and_audited(xiling_housing_staff):
    code_a = credit_code.make("91420502", "MA4A8C1X3")
    code_b = credit_code.make("91420503", "MA4A8C2X1")

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌清江物业服务有限公司", code_a, phone="+86 138-1234-1234"),
        company_row("宜昌长江物业服务有限公司", code_b.lower(), phone="0717-6221234", region="420503"),
    ])

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert result.summary() == "导入完成：新增 2 家企业，更新 0 家企业，0 行无变化"
    a, b = Company.objects.get(credit_code=code_a), Company.objects.get(credit_code=code_b)
    assert a.contact_phone == "13812341234" and a.region.name == "西陵区"
    assert b.name == "宜昌长江物业服务有限公司" and b.region.name == "伍家岗区"
    audit = AuditEvent.objects.filter(actor=xiling_housing_staff)
    assert audit.filter(action=AuditAction.CREATE, object_type="registry.company").count() == 2
    assert audit.get(action=AuditAction.IMPORT).note == result.summary()


def test_reimport_updates_by_credit_code_even_in_lower_case(xiling_housing_staff):
    company = CompanyFactory(name="宜昌旧名物业服务有限公司", contact_phone="13812341234")

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌新名物业服务有限公司", f"  {company.credit_code.lower()} ", phone="13999990000"),
    ])

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    assert Company.objects.filter(credit_code=company.credit_code).count() == 1
    company.refresh_from_db()
    assert (company.name, company.contact_phone) == ("宜昌新名物业服务有限公司", "13999990000")
    change = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(company.pk))
    assert change.after["name"] == "宜昌新名物业服务有限公司"


def test_identical_reimport_is_unchanged_and_touches_nothing(xiling_housing_staff):
    rows = [company_row("宜昌清江物业服务有限公司", credit_code.make("91420502", "MA4A8C1X3")),
            company_row("宜昌长江物业服务有限公司", credit_code.make("91420502", "MA4A8C2X1"))]
    assert import_companies(xiling_housing_staff, COMPANY_HEADERS, rows).ok
    stamps = dict(Company.objects.values_list("credit_code", "updated_at"))
    changes = AuditEvent.objects.exclude(action=AuditAction.IMPORT).count()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, rows)

    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert result.summary() == "导入完成：新增 0 家企业，更新 0 家企业，2 行无变化"
    assert dict(Company.objects.values_list("credit_code", "updated_at")) == stamps
    assert AuditEvent.objects.exclude(action=AuditAction.IMPORT).count() == changes


def test_bad_headers_are_listed_and_nothing_is_written(xiling_housing_staff, counts):
    before = counts()
    headers = ["企业名称", "统一信用代码", "法定代表人", "联系电话", "联系电话"]

    result = import_companies(xiling_housing_staff, headers, [["宜昌清江物业", "914205020000000000", "李四",
                                                               "13812341234", "13812341234"]])

    assert not result.ok
    messages = {(p.row, p.column): p.message for p in result.errors}
    assert "第 B 列的列名“统一信用代码”无法识别" in messages[(1, "统一信用代码")]
    assert "与第 D 列重复" in messages[(1, "联系电话")]
    assert messages[(1, "统一社会信用代码")] == "缺少必填列“统一社会信用代码”；请使用下载的模板"
    assert counts() == before


def test_duplicate_credit_codes_in_one_file_name_both_rows(xiling_housing_staff, counts):
    before = counts()
    code = credit_code.make("91420502", "MA4A8C1X3")

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌清江物业服务有限公司", code),
        company_row("宜昌长江物业服务有限公司", credit_code.make("91420502", "MA4A8C2X1")),
        company_row("宜昌清江物业（重复）", code.lower()),
    ])

    assert errors_at(result, 4) == [("统一社会信用代码", f"统一社会信用代码 {code} 与第 2 行重复；同一家企业只能出现一次，请合并或删除其中一行")]
    assert errors_at(result, 2) == errors_at(result, 3) == []
    assert counts() == before


def test_blank_required_cells_are_reported_per_cell(xiling_housing_staff, counts):
    before = counts()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row(),
        company_row("宜昌长江物业服务有限公司", code="", legal="", phone=""),
    ])

    assert errors_at(result, 3) == [
        ("统一社会信用代码", "“统一社会信用代码”为必填项，不能为空"),
        ("法定代表人", "“法定代表人”为必填项，不能为空"),
        ("联系电话", "“联系电话”为必填项，不能为空"),
    ]
    assert errors_at(result, 2) == []
    assert counts() == before


def test_every_invalid_cell_of_every_row_is_reported_at_once(xiling_housing_staff, counts):
    before = counts()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row(code="91420502MA4A8C1X3", phone="12345"),
        company_row("宜昌长江物业服务有限公司", credit_code.make("91420502", "MA4A8C2X1"), region="东湖区"),
        company_row("宜昌黄河物业服务有限公司", "91420502MA4A8C1XO3"),
    ])

    assert [p.row for p in result.errors] == [2, 2, 3, 4]
    row2 = dict(errors_at(result, 2))
    assert row2["统一社会信用代码"] == "统一社会信用代码应为 18 位，当前为 17 位"
    assert row2["联系电话"].startswith("电话号码格式不正确")
    assert errors_at(result, 3) == [("注册所在地", "找不到县（市、区）“东湖区”；请填写如“西陵区”的名称或 6 位区划代码（如 420502）")]
    assert "“O”" in dict(errors_at(result, 4))["统一社会信用代码"]
    assert counts() == before


def test_county_staff_get_the_check_digit_named_and_cannot_accept_it(xiling_housing_staff, counts):
    before = counts()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌试点物业服务有限公司", PILOT_CODE),
        company_row("宜昌试点二号物业服务有限公司", _wrong_check("91420502MA4A8C2X1"), reason="早期试点代码，已核实"),
    ])

    (col2, msg2), = errors_at(result, 2)
    (col3, msg3), = errors_at(result, 3)
    assert col2 == col3 == "统一社会信用代码"
    assert msg2.startswith("校验位不符：第 18 位为“M”，按前 17 位计算应为")
    assert "联系市住建局管理员确认例外" in msg2
    assert "校验位不符" in msg3 and "只有市级管理员可以确认例外代码" in msg3
    assert counts() == before


def test_city_admin_accepts_a_failing_code_with_the_reason_filled_in(city_admin):
    without_reason = import_companies(city_admin, COMPANY_HEADERS, [company_row("宜昌试点物业服务有限公司", PILOT_CODE)])
    assert dict(errors_at(without_reason, 2))["统一社会信用代码"].endswith("请在“校验位例外说明”列填写原因")

    result = import_companies(city_admin, COMPANY_HEADERS, [
        company_row("宜昌试点物业服务有限公司", PILOT_CODE, reason="早期试点代码，已向市场监管局核实"),
    ])

    assert result.ok, result.errors
    company = Company.objects.get(credit_code=PILOT_CODE)
    assert company.credit_code_override_reason == "早期试点代码，已向市场监管局核实"
    assert company.credit_code_override_by == city_admin


def test_county_staff_can_reimport_a_company_whose_exception_the_city_accepted(city_admin, xiling_housing_staff):
    row = company_row("宜昌试点物业服务有限公司", PILOT_CODE, reason="早期试点代码")
    assert import_companies(city_admin, COMPANY_HEADERS, [row]).ok

    same = import_companies(xiling_housing_staff, COMPANY_HEADERS, [row])
    blank_reason = import_companies(xiling_housing_staff, COMPANY_HEADERS, [row[:7] + [""]])
    new_phone = import_companies(xiling_housing_staff, COMPANY_HEADERS, [row[:4] + ["13700001111"] + row[5:]])

    assert (same.ok, same.unchanged, blank_reason.ok, blank_reason.unchanged) == (True, 1, True, 1)
    assert new_phone.ok and new_phone.updated == 1
    company = Company.objects.get(credit_code=PILOT_CODE)
    assert (company.contact_phone, company.credit_code_override_reason) == ("13700001111", "早期试点代码")


def test_numbers_typed_into_code_and_phone_columns(xiling_housing_staff, counts):
    # A valid code made of digits only: typed into a number cell, Excel (and openpyxl) keep 15
    # significant digits, so the file holds 9.14403001922038e17 and the last digits are gone.
    digits_only = 914403001922038216
    before = counts()

    lost = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌清江物业服务有限公司", digits_only),
        company_row("宜昌长江物业服务有限公司", credit_code.make("91420502", "MA4A8C2X1"), phone=7176221234),
    ])

    assert "超过 15 位的数字末几位已经丢失" in dict(errors_at(lost, 2))["统一社会信用代码"]
    assert "开头的 0 会被 Excel 去掉" in dict(errors_at(lost, 3))["联系电话"]
    assert counts() == before

    ok = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌清江物业服务有限公司", str(digits_only), phone=13812341234.0),
    ])

    assert ok.ok, ok.errors
    assert Company.objects.get(credit_code=str(digits_only)).contact_phone == "13812341234"


def test_community_and_project_codes_typed_as_numbers(xiling_housing_staff):
    # 12-digit community codes survive as numbers (420502001001.0); so do numeric project codes.
    result = import_projects(xiling_housing_staff, ["项目编号", "项目名称", "地址", "社区代码", "户数"], [
        [10001.0, "清江花园", "清江路 1 号", float(XILING_COMMUNITY), 320.0],
    ])

    assert result.ok, result.errors
    project = Project.objects.get(name="清江花园")
    assert (project.code, project.community.code, project.households) == ("10001", XILING_COMMUNITY, 320)


def test_a_company_of_another_county_cannot_be_changed_by_import(xiling_housing_staff, counts):
    # Registered in 伍家岗区 and managing nothing in 西陵区: out of 西陵区's scope.
    foreign = CompanyFactory(name="伍家岗物业服务有限公司", region=Region.objects.get(code="420503"))
    before = counts()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [company_row("改名", foreign.credit_code)])

    (column, message), = errors_at(result, 2)
    assert column == "统一社会信用代码" and "不在您的管辖范围内" in message
    foreign.refresh_from_db()
    assert foreign.name == "伍家岗物业服务有限公司"
    assert counts() == before


def test_too_long_text_is_refused_before_anything_is_written(xiling_housing_staff, counts):
    before = counts()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [company_row(), company_row(
        "宜昌长江物业服务有限公司", credit_code.make("91420502", "MA4A8C2X1"), legal="张" * 51)])

    assert errors_at(result, 3) == [("法定代表人", "“法定代表人”最多 50 个字，当前 51 个字，请精简")]
    assert counts() == before


def test_the_template_example_row_left_in_place_is_not_imported(xiling_housing_staff, counts):
    before = counts()
    example = [c.example for c in COMPANY_SPEC.columns]

    result = import_companies(xiling_housing_staff, [c.header for c in COMPANY_SPEC.columns], [example, company_row()])

    assert errors_at(result, 2) == [("", "第 2 行是模板中的示例，请删除或改写后再导入")]
    assert counts() == before


# ---- the file itself ---------------------------------------------------------------------------

UNREADABLE = "文件无法读取：不是有效的 .xlsx 文件或文件已损坏；请用 Excel 或 WPS 打开后“另存为”.xlsx 格式再上传"


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _broken_sheet_xml() -> bytes:
    good = zipfile.ZipFile(io.BytesIO(xlsx(COMPANY_HEADERS, [company_row()])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in good.namelist():
            z.writestr(name, b"<worksheet><sheetData><row r='1'>" if name.endswith("sheet1.xml") else good.read(name))
    return buffer.getvalue()


@pytest.mark.parametrize("content", [
    "企业名称,统一社会信用代码\n宜昌清江物业,914205020000000000\n".encode("gbk"),  # a CSV renamed .xlsx
    xlsx(COMPANY_HEADERS, [company_row()])[:300],  # truncated upload
    _zip_without_workbook(),  # a Word file renamed .xlsx
    _broken_sheet_xml(),  # a workbook whose sheet is corrupt (found only while reading rows)
], ids=["csv", "truncated", "docx", "corrupt-sheet"])
def test_a_file_that_is_not_a_readable_workbook_is_reported(xiling_housing_staff, counts, content):
    before = counts()

    result = run_import("companies", upload(content), actor=xiling_housing_staff)

    assert result.errors == [(0, "", UNREADABLE)]
    assert counts() == before


def test_an_empty_sheet_is_reported(xiling_housing_staff):
    buffer = io.BytesIO()
    Workbook().save(buffer)

    result = run_import("companies", upload(buffer.getvalue()), actor=xiling_housing_staff)

    assert result.errors == [(0, "", "文件中的工作表是空的；请在下载的模板中填写后上传")]


def test_a_file_with_only_headers_is_reported(xiling_housing_staff):
    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [None, None])

    assert result.errors == [(2, "", "文件中只有表头，没有数据行；请从第 2 行开始填写")]


def test_a_header_row_that_is_not_on_row_one_is_reported(xiling_housing_staff):
    result = import_companies(xiling_housing_staff, [], [COMPANY_HEADERS, company_row()])

    assert result.errors == [(1, "", "第 1 行应为列名，但这一行是空的；请使用下载的模板，不要删除表头")]


def test_a_company_file_uploaded_as_projects_says_so(xiling_housing_staff):
    result = import_projects(xiling_housing_staff, COMPANY_HEADERS, [company_row()])

    assert result.errors == [(1, "", "这是“物业服务企业”的文件，请在“导入内容”中选择“物业服务企业”后重新上传")]


def test_row_numbers_are_excel_row_numbers_across_blank_rows(xiling_housing_staff):
    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row(), None, None, company_row("宜昌长江物业服务有限公司", "", legal="王五"),
    ])

    assert [(p.row, p.column) for p in result.errors] == [(5, "统一社会信用代码")]


def test_the_data_sheet_is_found_by_name_when_the_notes_come_first(xiling_housing_staff):
    wb = load_workbook(io.BytesIO(xlsx(COMPANY_HEADERS, [company_row()], title="物业服务企业")))
    wb.create_sheet("说明", 0).append(["这是说明页"])
    buffer = io.BytesIO()
    wb.save(buffer)

    result = run_import("companies", upload(buffer.getvalue()), actor=xiling_housing_staff)

    assert result.ok and result.created == 1, result.errors


def test_only_housing_bureaus_may_import(street_officer, counts):
    before = counts()

    result = import_companies(street_officer, COMPANY_HEADERS, [company_row()])

    assert result.errors == [(0, "", "您的角色无权批量导入")]
    assert counts() == before


# ---- projects ----------------------------------------------------------------------------------

def test_projects_are_created_with_excel_and_text_dates_and_float_numbers(xiling_housing_staff):
    company = CompanyFactory()

    result = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园", company=company.credit_code, start=datetime.datetime(2024, 1, 1), end="2026/12/31",
                    households=320.0),
        project_row("长江花园", company=company.credit_code, start="2024年3月1日", end=20270228, households="1,200户",
                    street="西陵街道", place="凤凰社区"),
        project_row("黄河花园", company=company.credit_code, start=45352, end="2027.3.1 00:00:00", households=""),
    ])

    assert result.ok, result.errors
    projects = {p.name: p for p in Project.objects.filter(name__in=["清江花园", "长江花园", "黄河花园"])}
    assert (projects["清江花园"].contract_start, projects["清江花园"].contract_end) == (
        datetime.date(2024, 1, 1), datetime.date(2026, 12, 31))
    assert projects["清江花园"].households == 320
    assert (projects["长江花园"].contract_start, projects["长江花园"].contract_end) == (
        datetime.date(2024, 3, 1), datetime.date(2027, 2, 28))
    assert projects["长江花园"].households == 1200 and projects["长江花园"].community.code == XILING_COMMUNITY
    assert projects["黄河花园"].contract_start == datetime.date(2024, 3, 1)  # Excel serial 45352
    assert (projects["黄河花园"].contract_end, projects["黄河花园"].households) == (datetime.date(2027, 3, 1), 0)
    # Codes were given automatically, in the county's sequence.
    assert sorted(p.code for p in projects.values()) == ["420502-00001", "420502-00002", "420502-00003"]


def test_bad_dates_and_numbers_name_the_cell(xiling_housing_staff, counts):
    before = counts()

    result = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园", start="2024-02-30"),
        project_row("长江花园", start="明年一月", households=320.5),
        project_row("黄河花园", households="三百"),
    ])

    assert errors_at(result, 2) == [("合同开始日期", "“2024-02-30”不是有效的日期（没有这一天），请核对年月日")]
    assert errors_at(result, 3) == [("合同开始日期", "“明年一月”不是有效的日期，请填写如 2024-01-31 的日期"),
                                    ("户数", "户数应为整数，当前为“320.5”")]
    assert errors_at(result, 4) == [("户数", "户数应为不小于 0 的整数，当前为“三百”")]
    assert counts() == before


def test_contract_rules_are_checked_per_row(xiling_housing_staff, counts):
    company = CompanyFactory()
    before = counts()

    result = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园", company=company.credit_code, start="2024-01-01", end="2023-12-31"),
        project_row("长江花园", company=company.credit_code),
        project_row("黄河花园", company=credit_code.make("91420502", "MA4A8C9X9")),
    ])

    assert errors_at(result, 2) == [("合同结束日期", "合同结束日期不能早于开始日期")]
    assert errors_at(result, 3) == [("合同开始日期", "有物业服务企业时请填写合同开始日期")]
    (column, message), = errors_at(result, 4)
    assert column == "物业企业统一社会信用代码" and "尚未登记；请先导入企业" in message
    assert counts() == before


def test_unknown_and_out_of_scope_communities(xiling_housing_staff, counts):
    before = counts()

    result = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园", place="不存在社区"),
        project_row("长江花园", place="420502999999"),
        project_row("黄河花园", place=WUJIAGANG_COMMUNITY),
        project_row("淮河花园", place=""),
    ])

    assert errors_at(result, 2) == [("所在社区", "找不到社区“不存在社区”；请填写准确的社区名称或 12 位社区代码（见模板中的“社区代码表”）")]
    assert errors_at(result, 3) == [("所在社区", "找不到社区“420502999999”；请填写准确的社区名称或 12 位社区代码（见模板中的“社区代码表”）")]
    wujiagang = community(WUJIAGANG_COMMUNITY)
    place = f"伍家岗区{wujiagang.parent.name}{wujiagang.name}"
    assert errors_at(result, 4) == [("所在社区", f"社区“{place}”不在您的管辖范围内，不能在此登记项目")]
    assert errors_at(result, 5) == [("所在社区", "请填写所在社区（名称或 12 位社区代码）")]
    assert counts() == before


def test_a_community_name_used_by_two_streets_needs_the_street(xiling_housing_staff, counts):
    # The demo invents community names per street; 凤凰社区 exists in two streets of 西陵区.
    phoenix = Region.objects.filter(level=Level.COMMUNITY, name="凤凰社区", path__contains="/420502/")
    assert {c.parent.name for c in phoenix} == {"西陵街道", "葛洲坝街道"}
    before = counts()

    ambiguous = import_projects(xiling_housing_staff, PROJECT_HEADERS, [project_row("清江花园", place="凤凰社区")])
    wrong_street = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园", place="凤凰社区", street="学院街道")])

    assert errors_at(ambiguous, 2) == [("所在社区", "社区“凤凰社区”有重名（西陵区西陵街道凤凰社区、西陵区葛洲坝街道凤凰社区）；"
                                                  "请填写“所在街道（乡镇）”或 12 位社区代码加以区分")]
    (column, message), = errors_at(wrong_street, 2)
    assert column == "所在街道（乡镇）" and message.startswith("“学院街道”下没有“凤凰社区”")
    assert counts() == before

    by_street = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园", place="凤凰社区", street="葛洲坝街道")])

    assert by_street.ok, by_street.errors
    assert Project.objects.get(name="清江花园").community.parent.name == "葛洲坝街道"


def test_a_name_shared_with_another_county_resolves_to_the_users_own(xiling_housing_staff):
    # A community name found once in 西陵区 and again in another county: the importer's own
    # territory decides, so the 西陵区 officer need not write the street.
    xiling = Region.objects.filter(level=Level.COMMUNITY, path__contains="/420502/")
    elsewhere = Region.objects.filter(level=Level.COMMUNITY).exclude(path__contains="/420502/")
    name = next(n for n in sorted(set(xiling.values_list("name", flat=True)))
                if xiling.filter(name=n).count() == 1 and elsewhere.filter(name=n).exists())

    result = import_projects(xiling_housing_staff, PROJECT_HEADERS, [project_row("清江花园", place=name)])

    assert result.ok, result.errors
    assert Project.objects.get(name="清江花园").community == xiling.get(name=name)


def test_community_code_and_names_must_agree(xiling_housing_staff, counts):
    headers = ["项目名称", "地址", "县（市、区）", "所在街道(乡镇)", "所在社区", "社区代码"]  # half-width brackets
    before = counts()

    result = import_projects(xiling_housing_staff, headers, [
        ["清江花园", "清江路 1 号", "西陵区", "西陵街道", "凤凰社区", XILING_COMMUNITY],
        ["长江花园", "长江路 1 号", "西陵区", "学院街道", "", XILING_COMMUNITY],
    ])

    assert errors_at(result, 3) == [("所在街道（乡镇）", f"“学院街道”与社区代码 {XILING_COMMUNITY}（西陵区西陵街道凤凰社区）"
                                                       "不一致；请核对，或清空其中一项")]
    assert errors_at(result, 2) == []
    assert counts() == before


def test_future_disclosure_dates_are_refused(xiling_housing_staff, counts):
    before = counts()
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)

    result = import_projects(xiling_housing_staff, [*PROJECT_HEADERS, "收费项目、标准和方式公示日期"], [
        [*project_row("清江花园"), tomorrow]])

    assert errors_at(result, 2) == [("收费项目、标准和方式公示日期",
                                     f"公示日期 {tomorrow:%Y-%m-%d} 晚于今天；请填写实际公示完成的日期")]
    assert counts() == before


def test_reimport_updates_by_project_code_in_any_case_and_identical_rows_are_unchanged(xiling_housing_staff):
    company = CompanyFactory()
    project = ProjectFactory(code="YC-A-001", name="清江花园", company=company, households=300,
                             contract_start=datetime.date(2020, 1, 1), contract_end=None)
    same = project_row("清江花园", code="yc-a-001", company=company.credit_code, start=datetime.date(2020, 1, 1),
                       households=300.0, address=project.address)

    unchanged = import_projects(xiling_housing_staff, PROJECT_HEADERS, [same])
    assert unchanged.ok and (unchanged.created, unchanged.updated, unchanged.unchanged) == (0, 0, 1)
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()

    changed = import_projects(xiling_housing_staff, PROJECT_HEADERS, [same[:8] + [450]])

    assert changed.ok and (changed.created, changed.updated) == (0, 1)
    assert Project.objects.filter(name="清江花园").count() == 1
    project.refresh_from_db()
    assert project.households == 450
    assert AuditEvent.objects.get(action=AuditAction.UPDATE).after == {"households": 450}


def test_a_project_imported_without_code_is_updated_with_the_code_it_was_given(xiling_housing_staff):
    assert import_projects(xiling_housing_staff, PROJECT_HEADERS, [project_row("清江花园")]).ok
    code = Project.objects.get(name="清江花园").code

    again = import_projects(xiling_housing_staff, PROJECT_HEADERS, [project_row("清江花园", households=999)])
    (column, message), = errors_at(again, 2)
    assert column == "项目名称" and f"如要更新该项目，请在“项目编号”列填写 {code}" in message

    with_code = import_projects(xiling_housing_staff, PROJECT_HEADERS, [project_row("清江花园", code=code,
                                                                                    households=999)])

    assert with_code.ok and with_code.updated == 1
    assert list(Project.objects.filter(name="清江花园").values_list("code", "households")) == [(code, 999)]


def test_new_codes_in_the_file_never_collide_with_automatic_ones(xiling_housing_staff):
    result = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园"), project_row("长江花园", code="420502-00001"),
    ])

    assert result.ok, result.errors
    assert dict(Project.objects.values_list("name", "code")) == {"长江花园": "420502-00001", "清江花园": "420502-00002"}


def test_duplicate_project_codes_and_out_of_scope_projects(xiling_housing_staff, counts):
    foreign = ProjectFactory(code="WJG-001", name="伍家岗花园", community=community(WUJIAGANG_COMMUNITY))
    before = counts()

    result = import_projects(xiling_housing_staff, PROJECT_HEADERS, [
        project_row("清江花园", code="XL-001"), project_row("长江花园", code="xl-001"),
        project_row("伍家岗花园", code="WJG-001"),
    ])

    assert errors_at(result, 3) == [("项目编号", "项目编号 XL-001 与第 2 行重复；同一个项目只能出现一次")]
    assert errors_at(result, 4) == [("项目编号", "项目编号 WJG-001 的项目不在您的管辖范围内，不能通过导入修改")]
    foreign.refresh_from_db()
    assert foreign.community.code == WUJIAGANG_COMMUNITY
    assert counts() == before


# ---- one transaction ---------------------------------------------------------------------------

def test_a_bad_last_row_writes_nothing(xiling_housing_staff, counts):
    existing = CompanyFactory(name="宜昌旧名物业服务有限公司")
    before = counts()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌新名物业服务有限公司", existing.credit_code),
        *[company_row(f"宜昌物业{i}号有限公司", credit_code.make("91420502", f"MA4A8C{i:03d}")) for i in range(5)],
        company_row("宜昌末行物业服务有限公司", credit_code.make("91420502", "MA4A8CYYY"), phone="110"),
    ])

    assert [p.row for p in result.errors] == [8]
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before
    existing.refresh_from_db()
    assert existing.name == "宜昌旧名物业服务有限公司"


def test_a_failure_while_writing_the_last_row_undoes_every_row_and_its_audit(xiling_housing_staff, counts,
                                                                            monkeypatch):
    # Every row is valid when checked; the last one then fails at write time, as when another user
    # registers the same code a moment earlier. The rows already written, and their audit rows,
    # must all go.
    existing = CompanyFactory(name="宜昌旧名物业服务有限公司")
    before = counts()
    real_create = services.create_company

    def create_then_conflict(*, actor, data, override_reason=""):
        if data["name"] == "宜昌末行物业服务有限公司":
            raise ValidationError({"credit_code": f"统一社会信用代码 {data['credit_code']} 已登记，请勿重复录入"})
        return real_create(actor=actor, data=data, override_reason=override_reason)

    monkeypatch.setattr(services, "create_company", create_then_conflict)
    last_code = credit_code.make("91420502", "MA4A8CYYY")

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row("宜昌新名物业服务有限公司", existing.credit_code),
        company_row("宜昌清江物业服务有限公司", credit_code.make("91420502", "MA4A8C1X3")),
        company_row("宜昌末行物业服务有限公司", last_code),
    ])

    assert result.errors == [(4, "统一社会信用代码", f"统一社会信用代码 {last_code} 已登记，请勿重复录入")]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert counts() == before
    existing.refresh_from_db()
    assert existing.name == "宜昌旧名物业服务有限公司"
