"""XLSX export of the registry lists: the rows of every page, in the page's order, audited, refused
to those who may not export, and a bounded number of queries however long the list is."""

import datetime
import io
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from propwatch.accounts import permissions
from propwatch.accounts.permissions import Action
from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.regions.models import Region
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

XILING_COMMUNITY = "420502001001"
XUEYUAN_COMMUNITY = "420502002001"  # 西陵区 / 学院街道
WUJIAGANG_COMMUNITY = "420503001001"


def sheet(response) -> list[dict]:
    """The export's data rows as {header: value}."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def rows_of_every_page(client, url: str, params: dict, key: str) -> list[str]:
    """`key` (project code, credit code) of each row shown on every page of the list, in order."""
    seen, page = [], 1
    while True:
        response = client.get(url, {**params, "page": page})
        assert response.status_code == 200
        html = unescape(response.content.decode())
        shown = [getattr(obj, key) for obj in response.context["page"].object_list]
        assert all(value in html for value in shown)
        seen += shown
        if page >= response.context["page"].paginator.num_pages:
            return seen
        page += 1


@pytest.fixture
def small_pages(settings):
    settings.PAGE_SIZE = 4


@pytest.fixture
def projects(yichang):
    """Projects in 西陵区 that the filter below keeps or drops, with tied households, and a
    matching one in 伍家岗区 that a 西陵区 user must never get."""
    for i in range(9):
        ProjectFactory(name=f"清江花园{i}期", households=[100, 300, 300, 200, 300, 50, 300, 120, 300][i],
                       community=community(XILING_COMMUNITY if i % 2 else XUEYUAN_COMMUNITY))
    ProjectFactory(name="长江小区", households=999)  # does not match the search
    ProjectFactory(name="清江花园（伍家岗）", households=5000, community=community(WUJIAGANG_COMMUNITY))


def test_project_export_has_the_rows_of_every_page_in_the_same_order(client_for, xiling_housing_staff, projects,
                                                                   small_pages):
    client = client_for(xiling_housing_staff)
    url = reverse("registry:project_list")
    params = {"q": "清江花园", "county": "420502", "sort": "-households"}

    shown = rows_of_every_page(client, url, params, "code")
    exported = sheet(client.get(url, {**params, "export": "xlsx", "page": 2}))

    assert len(shown) == 9  # three pages of 4, 4 and 1
    assert [row["项目编号"] for row in exported] == shown
    households = [row["户数"] for row in exported]
    assert households == sorted(households, reverse=True)
    assert "清江花园（伍家岗）" not in {row["项目名称"] for row in exported}


def test_project_export_follows_the_street_filter_and_another_sort(client_for, xiling_housing_staff, projects,
                                                                  small_pages):
    client = client_for(xiling_housing_staff)
    url = reverse("registry:project_list")
    params = {"street": "420502001", "sort": "name"}

    shown = rows_of_every_page(client, url, params, "code")
    exported = sheet(client.get(url, {**params, "export": "xlsx"}))

    assert [row["项目编号"] for row in exported] == shown
    assert {row["所在街道（乡镇）"] for row in exported} == {"西陵街道"}
    assert len(shown) == 5  # the four odd-numbered 清江花园 and 长江小区


def test_company_export_has_the_rows_of_every_page_in_the_same_order(client_for, xiling_housing_staff, small_pages):
    xiling = Region.objects.get(code="420502")
    for i in range(7):
        company = CompanyFactory(name=f"宜昌{i}号物业服务有限公司", region=xiling)
        for _ in range(i % 3):
            ProjectFactory(company=company)
    CompanyFactory(name="伍家岗物业服务有限公司", region=Region.objects.get(code="420503"))
    client = client_for(xiling_housing_staff)
    url = reverse("registry:company_list")
    params = {"q": "物业服务", "sort": "-projects"}

    shown = rows_of_every_page(client, url, params, "credit_code")
    exported = sheet(client.get(url, {**params, "export": "xlsx"}))

    assert len(shown) == 7
    assert [row["统一社会信用代码"] for row in exported] == shown
    assert [row["在管项目数"] for row in exported] == sorted((i % 3 for i in range(7)), reverse=True)


def test_export_writes_typed_cells(client_for, xiling_housing_staff):
    ProjectFactory(code="XL-1", contract_start=datetime.date(2021, 3, 1), contract_end=None, households=320,
                   disclosed_fees_on=datetime.date(2024, 5, 6))

    (row,) = sheet(client_for(xiling_housing_staff).get(reverse("registry:project_list"), {"export": "xlsx"}))

    assert row["合同开始日期"] == datetime.datetime(2021, 3, 1)  # an Excel date, not text
    assert row["收费项目、标准和方式公示日期"] == datetime.datetime(2024, 5, 6)
    assert row["户数"] == 320 and row["合同结束日期"] is None
    assert (row["所在社区"], row["社区代码"], row["专业化物业管理"]) == ("凤凰社区", XILING_COMMUNITY, "是")


def test_text_that_looks_like_a_formula_is_exported_as_text(client_for, xiling_housing_staff):
    CompanyFactory(name='=HYPERLINK("http://example.invalid","点此")', region=Region.objects.get(code="420502"))

    response = client_for(xiling_housing_staff).get(reverse("registry:company_list"), {"export": "xlsx"})

    cell = load_workbook(io.BytesIO(response.content)).active["A2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://example.invalid","点此")'


def test_export_is_audited_with_its_filters(client_for, xiling_housing_staff, projects):
    client = client_for(xiling_housing_staff)

    client.get(reverse("registry:project_list"), {"q": "清江花园", "export": "xlsx"})

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.object_type, event.object_repr) == (xiling_housing_staff, "projects", "物业项目")
    assert "q=" in event.note and "export=xlsx" in event.note


def test_export_is_refused_to_a_user_without_the_export_permission(client_for, police_officer, projects,
                                                                   monkeypatch):
    # No role in today's table may read the registry but not export it; the export must still
    # check its own permission, so the rule is narrowed for this test.
    monkeypatch.setitem(permissions.RULES, Action.EXPORT, lambda user: False)
    client = client_for(police_officer)
    url = reverse("registry:project_list")

    page = client.get(url)
    export = client.get(url, {"export": "xlsx"})

    assert page.status_code == 200 and "导出 Excel" not in page.content.decode()
    assert export.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_export_needs_a_signed_in_user_with_an_active_department(client, client_for, xiling_housing_staff,
                                                                projects):
    url = reverse("registry:project_list")
    assert client.get(url, {"export": "xlsx"}).status_code == 302  # to the login page
    department = xiling_housing_staff.department
    department.is_active = False
    department.save()

    assert client_for(xiling_housing_staff).get(url, {"export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_list_over_the_export_limit_is_refused_not_cut_short(client_for, xiling_housing_staff, projects,
                                                               settings):
    settings.EXPORT_MAX_ROWS = 8
    client = client_for(xiling_housing_staff)
    url = reverse("registry:project_list")

    too_many = client.get(url, {"q": "清江花园", "sort": "name", "export": "xlsx"}, follow=True)

    assert too_many.redirect_chain[0][0] == f"{url}?q=%E6%B8%85%E6%B1%9F%E8%8A%B1%E5%9B%AD&sort=name"
    assert "符合条件的记录超过单次导出上限（8 条），请缩小筛选范围后分批导出" in too_many.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()

    narrower = sheet(client.get(url, {"q": "清江花园", "street": "420502002", "export": "xlsx"}))

    assert len(narrower) == 5


@pytest.mark.parametrize("url_name", ["registry:project_list", "registry:company_list"])
def test_export_queries_do_not_grow_with_the_rows(client_for, xiling_housing_staff, url_name):
    client = client_for(xiling_housing_staff)
    xiling = Region.objects.get(code="420502")
    url = reverse(url_name)
    params = {"q": "花园" if url_name == "registry:project_list" else "物业", "export": "xlsx"}

    def add(n):
        for _ in range(n):
            ProjectFactory(name="测试花园", company=CompanyFactory(region=xiling))

    def export_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = sheet(client.get(url, params))
        return len(queries), len(rows)

    add(3)
    queries_small, rows_small = export_queries()
    add(30)
    queries_large, rows_large = export_queries()

    assert (rows_small, rows_large) == (3, 33)
    assert queries_large == queries_small
    assert queries_small <= 12
