"""The ledger export: the office layout (问题台账清单), the page's filters, the audit row, the cost."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.ledger import services
from propwatch.ledger.choices import Level, Source, State
from propwatch.ledger.exports import HEADERS, TITLE
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

from .factories import png_upload, register

NUMBER = re.compile(r"编号 (\d{6}-\d{4}-\d{6})")


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def problems(city_admin, xiling_housing_staff, company_user):
    """西陵区: an open one, an overdue one and a closed one; 伍家岗区: one more."""
    county = xiling_housing_staff
    fresh = register(city_admin, ProjectFactory(name="凤凰花园", community=community("420502001001"),
                                                company=CompanyFactory(name="凤凰物业有限公司")),
                     focus=2, responsible_department=county.department, responsible_person="李科长")
    late = register(city_admin, ProjectFactory(name="江南小区", community=community("420502002001")), focus=3,
                    found_on=days_ago(40), source=Source.COMPLAINT)
    closed = register(city_admin, company_user.department.company.projects.get(name="江城西陵花园"), focus=6,
                      found_on=days_ago(40), responsible_department=county.department)
    closed = services.start_rectification(actor=company_user, problem=closed, version=closed.version)
    closed = services.submit_rectification(actor=company_user, problem=closed, version=closed.version,
                                           note="已退还多收电费", files=[png_upload()])
    closed = services.close_problem(actor=county, problem=closed, version=closed.version)
    other = register(city_admin, ProjectFactory(name="大公桥小区", community=community("420503001001")), focus=5,
                     level=Level.COUNTY)
    return {"fresh": fresh, "late": late, "closed": closed, "other": other}


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment;" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).active


def data_rows(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(min_row=4, values_only=True) if any(v not in (None, "") for v in row)]


def exported_numbers(ws) -> list[str]:
    return [NUMBER.search(row[4]).group(1) for row in data_rows(ws)]


def test_the_export_is_in_the_office_layout(client_for, xiling_housing_staff, problems):
    ws = workbook(client_for(xiling_housing_staff).get(reverse("ledger:problem_list"),
                                                       {"export": "xlsx", "sort": "number"}))

    # Title merged across the table, the exporting office on the second line, the header on the third.
    assert ws["A1"].value == TITLE
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:I1", "A2:I2"}
    assert ws["A2"].value.startswith("填报单位：西陵区住房和城乡建设局")
    assert "共 3 条" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["序号", "问题来源", "小区", "物业企业", "问题描述", "整改责任单位/责任人",
                                        "整改期限", "整改情况", "销号情况"] == HEADERS
    # Printed as an official form: landscape, one page wide, the header on every page, framed cells.
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$3:$3"
    assert ws.freeze_panes == "A4"
    assert all(c.border.left.style == "thin" and c.border.bottom.style == "thin" for c in ws[4])

    rows = {NUMBER.search(r[4]).group(1): r for r in data_rows(ws)}
    assert [r[0] for r in data_rows(ws)] == [1, 2, 3]
    fresh, late, closed = (rows[problems[k].number] for k in ("fresh", "late", "closed"))
    assert fresh[1:4] == ("巡查检查", "凤凰花园", "凤凰物业有限公司")
    assert fresh[4].startswith("小区入口被商户占用经营\n")
    assert fresh[5] == "西陵区住房和城乡建设局 / 李科长"
    assert fresh[6] == f"{timezone.localtime(problems['fresh'].deadline):%Y-%m-%d}"
    assert (fresh[7], fresh[8]) == ("已交办", "未销号")
    assert late[1] == "投诉举报" and late[5] == "未交办"
    assert late[7] == "已登记（已逾期）"
    assert closed[7] == "已销号：已退还多收电费"
    assert closed[8] == f"已销号（{timezone.localtime(problems['closed'].closed_at):%Y-%m-%d}）"


@pytest.mark.parametrize("params", [
    {}, {"county": "420502"}, {"overdue": "yes"}, {"state": "open"}, {"state": State.CLOSED},
    {"company_q": "凤凰物业"}, {"level": Level.COUNTY, "county": "420503"},
], ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "all")
def test_the_export_holds_exactly_the_rows_of_the_filtered_page(client_for, city_admin, problems, params):
    client = client_for(city_admin)
    page = {p.number for p in client.get(reverse("ledger:problem_list"), params).context["page"].object_list}

    ws = workbook(client.get(reverse("ledger:problem_list"), params | {"export": "xlsx"}))

    assert sorted(exported_numbers(ws)) == sorted(page)
    assert page  # each case selects something, so an empty export cannot pass


def test_the_export_follows_the_page_sort(client_for, city_admin, problems):
    client = client_for(city_admin)
    page = [p.number for p in client.get(reverse("ledger:problem_list"), {"sort": "-deadline"})
            .context["page"].object_list]

    assert exported_numbers(workbook(client.get(reverse("ledger:problem_list"),
                                                {"sort": "-deadline", "export": "xlsx"}))) == page


def test_the_export_is_audited_with_its_filters(client_for, xiling_housing_staff, problems):
    client_for(xiling_housing_staff).get(reverse("ledger:problem_list"), {"overdue": "yes", "export": "xlsx"})

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.object_type, event.object_repr, event.actor) == ("ledger", "问题台账", xiling_housing_staff)
    assert "overdue=yes" in event.note


def test_a_company_exports_only_its_own_problems(client_for, company_user, problems):
    ws = workbook(client_for(company_user).get(reverse("ledger:problem_list"), {"export": "xlsx"}))

    assert exported_numbers(ws) == [problems["closed"].number]


def test_text_that_looks_like_a_formula_stays_text(client_for, city_admin):
    services.register_problem(actor=city_admin, project=ProjectFactory(name="=HYPERLINK(\"http://x\")"), focus=2,
                              description="=1+1", source=Source.MEDIA, found_on=timezone.localdate())

    ws = workbook(client_for(city_admin).get(reverse("ledger:problem_list"), {"export": "xlsx"}))

    assert ws["C4"].value == "=HYPERLINK(\"http://x\")" and ws["C4"].data_type == "s"
    assert ws["E4"].data_type == "s"


def test_an_export_over_the_ceiling_is_refused_not_cut_short(client_for, city_admin, problems, settings):
    settings.EXPORT_MAX_ROWS = 2

    response = client_for(city_admin).get(reverse("ledger:problem_list"), {"export": "xlsx"}, follow=True)

    assert response["Content-Type"].startswith("text/html")
    assert any("超过单次导出上限（2 条）" in str(m) for m in response.context["messages"])
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_export_costs_the_same_for_3n_rows_as_for_n(client_for, city_admin):
    client = client_for(city_admin)
    client.get(reverse("ledger:problem_list"), {"export": "xlsx"})

    def add(n: int) -> None:
        for _ in range(n):
            register(city_admin, ProjectFactory(), responsible_department=city_admin.department,
                     responsible_person="王五")

    def export_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            ws = workbook(client.get(reverse("ledger:problem_list"), {"export": "xlsx"}))
        return len(queries), len(data_rows(ws))

    add(4)
    queries_n, rows_n = export_queries()
    add(8)
    queries_3n, rows_3n = export_queries()

    assert (rows_n, rows_3n) == (4, 12)
    assert queries_3n == queries_n
    assert queries_n <= 12


def test_the_line_under_the_title_names_the_filters_in_words(client_for, city_admin, problems):
    ws = workbook(client_for(city_admin).get(reverse("ledger:problem_list"), {
        "county": "420502", "state": "open", "focus": "3", "export": "xlsx"}))

    assert ws["A2"].value.endswith("筛选：县（市、区）：西陵区；状态：未销号（全部）；整治重点：泄露信息、骚扰恐吓")
    assert exported_numbers(ws) == [problems["late"].number]
