"""XLSX import seen from its edges: exports that re-import unchanged, and the import page itself."""

import datetime
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.regions.models import Region
from propwatch.registry import credit_code, imports, services
from propwatch.registry.imports import COMPANY_SPEC, PROJECT_SPEC, run_import
from propwatch.registry.models import Company, Project
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory

from .test_import import (
    COMPANY_HEADERS,
    PILOT_CODE,
    PROJECT_HEADERS,
    UNREADABLE,
    WUJIAGANG_COMMUNITY,
    XILING_COMMUNITY,
    company_row,
    import_companies,
    import_projects,
    project_row,
    upload,
    xlsx,
)

# ---- round trip: an export imports back unchanged ----------------------------------------------

def test_a_project_export_imports_back_unchanged_and_edits_update(client_for, xiling_housing_staff):
    company = CompanyFactory()
    ProjectFactory(name="清江花园", company=company, disclosed_fees_on=datetime.date(2024, 5, 1))
    ProjectFactory(name="长江花园", company=None, contract_start=None, contract_end=None,
                   community=Region.objects.get(code="420502005002"))  # 葛洲坝街道凤凰社区: a repeated name
    assert import_projects(xiling_housing_staff, PROJECT_HEADERS, [project_row("黄河花园")]).ok
    client = client_for(xiling_housing_staff)

    export = client.get(reverse("registry:project_list"), {"export": "xlsx"}).content
    result = run_import("projects", upload(export, "物业项目-导出.xlsx"), actor=xiling_housing_staff)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)

    wb = load_workbook(io.BytesIO(export))
    ws = wb.active
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[headers.index("项目名称")].value == "黄河花园":
            row[headers.index("户数")].value = 480
    buffer = io.BytesIO()
    wb.save(buffer)

    edited = run_import("projects", upload(buffer.getvalue()), actor=xiling_housing_staff)

    assert edited.ok and (edited.created, edited.updated, edited.unchanged) == (0, 1, 2)
    assert Project.objects.get(name="黄河花园").households == 480
    assert Project.objects.count() == 3


def test_a_company_export_imports_back_unchanged(client_for, city_admin, xiling_housing_staff):
    CompanyFactory(name="宜昌清江物业服务有限公司", filing_no="YCWY-1", address="东山大道 1 号")
    services.create_company(actor=city_admin, override_reason="早期试点代码", data={
        "name": "宜昌试点物业服务有限公司", "credit_code": PILOT_CODE, "legal_representative": "王五",
        "contact_phone": "0717-6221234", "region": Region.objects.get(code="420502")})
    export = client_for(xiling_housing_staff).get(reverse("registry:company_list"), {"export": "xlsx"}).content

    result = run_import("companies", upload(export), actor=xiling_housing_staff)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_every_export_header_is_understood_by_the_importer():
    from propwatch.registry.exports import COMPANY_COLUMNS, PROJECT_COLUMNS

    for spec, columns in ((COMPANY_SPEC, COMPANY_COLUMNS), (PROJECT_SPEC, PROJECT_COLUMNS)):
        known = {c.header for c in spec.columns} | set(spec.read_only)
        assert [c.header for c in columns if c.header not in known] == []
        # Every column the template asks for comes back in the export.
        assert {c.header for c in spec.columns} <= {c.header for c in columns}


# ---- through the page --------------------------------------------------------------------------

def _error_table(html: str) -> list[tuple[str, str, str]]:
    table = re.search(r'id="import-errors".*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, "no error table on the page"
    cells = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td></tr>", table.group(1), re.S)
    return [tuple(unescape(c).strip() for c in row) for row in cells]


def test_page_lists_errors_by_row_column_and_reason(client_for, xiling_housing_staff, counts):
    client = client_for(xiling_housing_staff)  # signing in writes its own audit row
    before = counts()
    content = xlsx(COMPANY_HEADERS, [company_row(), company_row("宜昌长江物业服务有限公司", PILOT_CODE)])

    response = client.post(reverse("registry:import"), {
        "kind": "companies", "file": upload(content, "企业.xlsx")})

    assert response.status_code == 200
    html = response.content.decode()
    assert "发现 1 处问题，未写入任何数据" in html
    (row, column, reason), = _error_table(html)
    assert (row, column) == ("第 3 行", "统一社会信用代码")
    assert reason.startswith("校验位不符：第 18 位为“M”")
    assert counts() == before


def test_page_reports_an_unreadable_file_and_a_wrong_extension(client_for, xiling_housing_staff):
    client = client_for(xiling_housing_staff)

    corrupt = client.post(reverse("registry:import"), {"kind": "companies", "file": upload(b"garbage", "企业.xlsx")})
    xls = client.post(reverse("registry:import"), {"kind": "companies", "file": upload(b"garbage", "企业.xls")})

    assert _error_table(corrupt.content.decode()) == [("整个文件", "—", UNREADABLE)]
    assert "只支持 .xlsx 格式的 Excel 文件" in xls.content.decode()


def test_page_imports_and_redirects_with_the_summary(client_for, xiling_housing_staff):
    client = client_for(xiling_housing_staff)
    content = xlsx(PROJECT_HEADERS, [project_row("清江花园"), project_row("长江花园", households=88)])

    response = client.post(reverse("registry:import"), {"kind": "projects", "file": upload(content)}, follow=True)

    assert response.redirect_chain == [(reverse("registry:project_list"), 302)]
    html = response.content.decode()
    assert "导入完成：新增 2 个项目，更新 0 个项目，0 行无变化" in html
    assert "清江花园" in html and "长江花园" in html
    audit = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert (audit.actor, audit.object_type) == (xiling_housing_staff, "registry.projects")


def test_the_template_lists_the_users_communities_and_is_refused_as_it_is(client_for, xiling_housing_staff, counts):
    client = client_for(xiling_housing_staff)

    response = client.get(reverse("registry:import_template", args=["projects"]))

    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["物业项目", "填写说明", "社区代码表"]
    assert [c.value.rstrip("*") for c in wb["物业项目"][1]] == [c.header for c in PROJECT_SPEC.columns]
    codes = {row[3] for row in wb["社区代码表"].iter_rows(min_row=2, values_only=True)}
    assert XILING_COMMUNITY in codes and WUJIAGANG_COMMUNITY not in codes
    before = counts()

    untouched = client.post(reverse("registry:import"), {"kind": "projects", "file": upload(response.content)})

    assert _error_table(untouched.content.decode()) == [("第 2 行", "—", "第 2 行是模板中的示例，请删除或改写后再导入")]
    assert counts() == before


def test_the_filled_in_company_template_imports(client_for, xiling_housing_staff):
    client = client_for(xiling_housing_staff)
    wb = load_workbook(io.BytesIO(client.get(reverse("registry:import_template", args=["companies"])).content))
    ws = wb["物业服务企业"]
    for cell, value in zip(ws[2], company_row(), strict=False):
        cell.value = value
    buffer = io.BytesIO()
    wb.save(buffer)

    response = client.post(reverse("registry:import"), {"kind": "companies", "file": upload(buffer.getvalue())})

    assert response.status_code == 302
    assert Company.objects.filter(name="宜昌清江物业服务有限公司").exists()


@pytest.mark.parametrize(("name", "args"), [("registry:import", []), ("registry:import_template", ["companies"])])
def test_the_import_pages_are_refused_to_those_who_may_not_import(client_for, street_officer, police_officer, name,
                                                                   args):
    url = reverse(name, args=args)
    assert client_for(street_officer).get(url).status_code == 403
    assert client_for(police_officer).get(url).status_code == 403


def test_an_unknown_template_kind_is_not_found(client_for, xiling_housing_staff):
    assert client_for(xiling_housing_staff).get(reverse("registry:import_template", args=["users"])).status_code == 404


def test_a_file_over_the_row_limit_is_refused_whole(xiling_housing_staff, counts, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    before = counts()

    result = import_companies(xiling_housing_staff, COMPANY_HEADERS, [
        company_row(f"宜昌{i}号物业服务有限公司", credit_code.make("91420502", f"MA4A8C{i:03d}")) for i in range(4)])

    assert result.errors == [(5, "", "单次最多导入 3 行，请把文件拆分后分批导入")]
    assert counts() == before
