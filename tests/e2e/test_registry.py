"""A county housing officer keeps the registry: companies, projects, their disclosure checklist."""

import re

from playwright.sync_api import expect

from propwatch.registry import credit_code
from propwatch.registry.models import Company, Project

from .conftest import PHONE

# A valid code whose 13th character is a zero, and the same code mistyped with the letter O.
GOOD_CODE = credit_code.make("91420502", "MA4B0K7Q5")
TYPO_CODE = GOOD_CODE[:12] + "O" + GOOD_CODE[13:]
# Pixels between the end of a heading's leading text and the element that follows it.
_GAP_AFTER_TITLE = """() => {
  const h = document.querySelector("h2.page-title"), text = document.createRange();
  text.selectNodeContents(h.firstChild);
  return h.firstElementChild.getBoundingClientRect().left - text.getBoundingClientRect().right;
}"""
DISCLOSURE_DATES = {
    "企业备案信息": "2025-03-01",
    "服务内容": "2025-03-01",
    "收费项目、标准和方式": "2025-03-02",
    "投诉电话及投诉报修方式": "2025-03-02",
    "公共收益收支": "2025-03-05",
    "特种设备维保单位及联系方式": "2025-03-06",
}


def test_county_officer_registers_a_company_and_a_project_and_records_its_disclosure(personas, web):
    assert GOOD_CODE[12] == "0" and credit_code.validate(GOOD_CODE).ok
    page = web.page
    web.login("xiling_housing")

    # Given the officer opens the company register from the navigation and starts a new company,
    page.get_by_role("list", name="主导航").get_by_role("link", name="物业企业").click()
    page.get_by_role("link", name="登记企业").click()
    expect(page.locator("h2.page-title")).to_have_text("登记物业服务企业")

    # when the credit code is typed with the letter O where a zero belongs,
    page.get_by_label("企业名称", exact=True).fill("宜昌峡江物业服务有限公司")
    page.get_by_label("统一社会信用代码", exact=True).fill(TYPO_CODE)
    page.get_by_label("法定代表人", exact=True).fill("胡卫东")
    page.get_by_label("联系电话", exact=True).fill("0717-6221234")
    page.get_by_label("注册地址", exact=True).fill("宜昌市西陵区夷陵大道 58 号")
    page.get_by_label("注册所在地", exact=True).select_option(label="西陵区")
    page.get_by_role("button", name="保存").click()

    # then the form comes back with a Chinese error that names the character and its position,
    code_field = page.get_by_label("统一社会信用代码", exact=True)
    expect(code_field).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".invalid-feedback")).to_have_text(
        "第 13 位字符“O”不允许出现在统一社会信用代码中（是否应为“0”？）")
    expect(page.locator(".alert-danger")).to_have_text("请按下方提示修改后再保存。")
    expect(page.get_by_label("企业名称", exact=True)).to_have_value("宜昌峡江物业服务有限公司")
    web.screenshot("company-form-credit-code-error")
    assert not Company.objects.filter(name="宜昌峡江物业服务有限公司").exists()

    # and once corrected, the company is saved and its detail page shows it.
    code_field.fill(GOOD_CODE)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h2.page-title")).to_have_text("宜昌峡江物业服务有限公司")
    expect(page.get_by_role("alert")).to_contain_text("已登记“宜昌峡江物业服务有限公司”")
    expect(page.locator("dd.font-monospace")).to_have_text(GOOD_CODE)
    company = Company.objects.get(credit_code=GOOD_CODE)
    assert page.url == f"{web.base_url}/registry/companies/{company.pk}/"
    web.screenshot("company-detail")

    # Given the officer registers a project in a 西陵区 community managed by that company,
    page.get_by_role("list", name="主导航").get_by_role("link", name="物业项目").click()
    page.get_by_role("link", name="登记项目").click()
    expect(page.locator("h2.page-title")).to_have_text("登记物业项目")
    community = page.get_by_label("所在社区", exact=True)
    # (only communities of the officer's own county are offered)
    assert all(label.startswith("西陵区 / ") for label in community.locator("option").all_inner_texts()[1:])
    page.get_by_label("项目名称", exact=True).fill("峡江明珠小区")
    page.get_by_label("地址", exact=True).fill("宜昌市西陵区学院街道江南路 8 号")
    community.select_option(label="西陵区 / 学院街道 / 江南社区")
    page.get_by_label("物业服务企业（统一社会信用代码）", exact=True).fill(GOOD_CODE.lower())
    page.get_by_label("合同开始日期", exact=True).fill("2024-01-01")
    page.get_by_label("合同结束日期", exact=True).fill("2028-12-31")
    page.get_by_label("户数", exact=True).fill("420")
    page.get_by_role("button", name="保存").click()

    # then its detail page shows it under the new company, not yet fully disclosed.
    expect(page.get_by_role("alert")).to_contain_text("已登记“峡江明珠小区”（编号 420502-00001）")
    project = Project.objects.get(name="峡江明珠小区")
    assert project.company == company and project.code == "420502-00001"
    assert page.url == f"{web.base_url}/registry/projects/{project.pk}/"
    expect(page.get_by_role("link", name="宜昌峡江物业服务有限公司")).to_be_visible()
    expect(page.get_by_text("未全部公示")).to_be_visible()

    # When the officer records the date each of the six items went up,
    page.get_by_role("link", name="登记公示情况").click()
    expect(page.locator("h2.page-title")).to_have_text("登记公示情况：峡江明珠小区")
    for label, date in DISCLOSURE_DATES.items():
        page.get_by_label(label, exact=True).fill(date)
    web.screenshot("project-disclosure-form")
    page.get_by_role("button", name="保存").click()

    # then the project is marked fully disclosed, with every date and the day it became complete.
    expect(page.get_by_role("alert")).to_contain_text("已保存公示情况")
    expect(page.locator(".card-actions .badge")).to_have_text(["专业化物业管理", "已全部公示"])
    expect(page.get_by_text("未全部公示")).to_have_count(0)
    checklist = page.locator(".card", has_text="公示情况（整治重点五）")
    for label, date in DISCLOSURE_DATES.items():
        expect(checklist.locator(".list-group-item", has_text=label)).to_contain_text(f"✓ {date}")
    expect(page.get_by_text("首次全部公示：2025-03-06")).to_be_visible()
    expect(page.locator("h2.page-title")).to_have_text("峡江明珠小区 420502-00001")
    # The heading is a flex box, where a plain space collapses: the code needs its own margin.
    assert page.evaluate(_GAP_AFTER_TITLE) >= 4
    # The change history names each field in Chinese, in the form's order, never by attribute name.
    changes = page.locator(".card", has_text="修改记录").locator("li")
    expect(changes).to_have_text([
        "企业备案信息公示日期：（空） → 2025-03-01", "服务内容公示日期：（空） → 2025-03-01",
        "收费项目、标准和方式公示日期：（空） → 2025-03-02", "投诉电话及投诉报修方式公示日期：（空） → 2025-03-02",
        "公共收益收支公示日期：（空） → 2025-03-05", "特种设备维保单位公示日期：（空） → 2025-03-06",
        "首次全部公示日期：（空） → 2025-03-06",
    ])
    web.screenshot("project-detail-disclosed")

    # And the company's page lists the project it now manages.
    page.get_by_role("link", name="宜昌峡江物业服务有限公司").click()
    expect(page.locator("h2.page-title")).to_have_text("宜昌峡江物业服务有限公司")
    expect(page.get_by_role("link", name="峡江明珠小区")).to_be_visible()
    assert web.foreign_requests() == [] and web.failed_responses == [] and web.console_errors == []


def _filter_control_heights(page) -> list[float]:
    return page.locator("form.filters").locator("input:not([type=hidden]), select, button").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)")


def _rows(page):
    """(name, households) of each row of the project table, in order."""
    rows = page.locator("table tbody tr")
    return [(r.locator("td").nth(1).inner_text().strip(), int(r.locator("td").nth(5).inner_text()))
            for r in rows.all()]


def test_project_list_filters_sorts_and_paginates(personas, web):
    from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

    # Given 30 more projects in 西陵区: 18 in 西陵街道 and 12 in 学院街道, each with its own size,
    company = CompanyFactory(name="宜昌滨江物业有限公司")
    for i in range(30):
        ProjectFactory(company=company, name=f"滨江花园{i + 1}期", households=100 + 7 * i,
                       community=community("420502001002" if i < 18 else "420502002001"))
    in_scope = Project.objects.filter(community__path__contains="/420502/")
    total = in_scope.count()
    assert total == 32
    page = web.page
    web.login("xiling_housing")
    page.get_by_role("list", name="主导航").get_by_role("link", name="物业项目").click()
    footer = page.locator(".card-footer")
    expect(footer).to_contain_text(f"第 1–25 条，共 {total} 条")
    expect(page.get_by_text("伍家岗")).to_have_count(0)  # the other county's projects are not listed
    # Every control of the filter row has one height, so their labels line up.
    heights = _filter_control_heights(page)
    assert len(heights) >= 6 and len(set(heights)) == 1, heights

    # When the officer picks a street, the list narrows to it at once (the select submits itself).
    with page.expect_navigation():
        page.get_by_label("街道（乡镇）").select_option(label="学院街道")
    assert "street=420502002" in page.url
    expect(footer).to_have_text("共 12 条")
    assert len(_rows(page)) == 12
    assert all("学院街道" in t for t in page.locator("table tbody tr td:nth-child(3)").all_inner_texts())

    # A search within the street narrows it further.
    page.get_by_label("搜索").fill("滨江花园2")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    assert sorted(name for name, _ in _rows(page)) == sorted(f"滨江花园{n}期" for n in range(20, 30))
    page.get_by_role("link", name="清除筛选").first.click()
    expect(footer).to_contain_text(f"共 {total} 条")

    # When the officer clicks the 户数 column header, rows sort by size, smallest first;
    page.get_by_role("columnheader", name="户数").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="户数")).to_have_attribute("aria-sort", "ascending")
    sizes = sorted(in_scope.values_list("households", flat=True))
    assert [h for _, h in _rows(page)] == sizes[:25]
    # a second click reverses the order,
    page.get_by_role("columnheader", name="户数").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="户数")).to_have_attribute("aria-sort", "descending")
    first_page = _rows(page)
    assert [h for _, h in first_page] == sizes[::-1][:25]
    web.screenshot("project-list-sorted")

    # and the next page continues in the same order without repeating a row.
    with page.expect_navigation():
        page.get_by_role("link", name="下一页").click()
    assert "sort=-households" in page.url and "page=2" in page.url
    expect(footer).to_contain_text(f"第 26–{total} 条，共 {total} 条")
    second_page = _rows(page)
    assert [h for _, h in second_page] == sizes[::-1][25:]
    assert not {n for n, _ in first_page} & {n for n, _ in second_page}
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    with page.expect_navigation():
        page.locator(".pagination").get_by_role("link", name="首页").click()
    assert _rows(page) == first_page
    assert web.foreign_requests() == [] and web.failed_responses == [] and web.console_errors == []


def test_project_list_is_usable_on_a_phone(personas, open_web):
    web = open_web(viewport=PHONE)
    page = web.page
    web.login("xiling_street")
    page.goto(web.base_url + "/registry/projects/")
    expect(page.locator("h2.page-title")).to_have_text("物业项目")
    web.screenshot("phone-project-list")

    # The page itself never scrolls sideways (a wide table scrolls inside its own box),
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # On a phone the main menu is folded behind one button, so the content starts near the top;
    # tapping it opens the menu.
    menu = page.get_by_role("list", name="主导航")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="展开菜单").click()
    expect(menu.get_by_role("link", name="物业企业")).to_be_visible()
    web.screenshot("phone-menu-open")
    # the filter button, the navigation and the first project's link are on screen and usable.
    for target in (page.get_by_role("button", name="筛选"),
                   page.get_by_role("list", name="主导航").get_by_role("link", name="物业企业"),
                   page.get_by_role("link", name="江城西陵花园")):
        box = target.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], target
    # The filter controls share one height a thumb can hit, and a project code never breaks in two.
    heights = _filter_control_heights(page)
    assert len(set(heights)) == 1 and heights[0] >= 36, heights
    code_lines = page.locator("table tbody td.font-monospace").first.evaluate(
        "td => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; }")
    assert code_lines == 1
    page.get_by_role("link", name="江城西陵花园").click()
    expect(page.locator("h2.page-title")).to_contain_text("江城西陵花园")
    web.screenshot("phone-project-detail")
