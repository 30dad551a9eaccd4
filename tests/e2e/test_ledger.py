"""A problem goes through the ledger pages from registration (登记) to close-out (销号).

A street officer registers and assigns it, the property company rectifies it, and someone other
than the submitter verifies and closes it or sends it back. Every page is the real one, clicked
through in chromium; the database is only read to learn the number and the deadline to expect.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from propwatch.ledger.choices import State
from propwatch.ledger.models import Problem
from propwatch.registry.models import Project

OFFICER = "陈静"  # xiling_street's name: the company must never read it
OFFICER_OFFICE = "西陵街道办事处"
COMPANY = "宜昌江城物业服务有限公司"
DESCRIPTION = "小区3号楼一楼公共门厅被改作快递驿站，堵塞消防通道，住户多次反映无人处理。"
RECTIFICATION = "已清除门厅内快递货架，恢复消防通道并张贴告示，驿站迁至小区外商铺。"
SELF_VERIFY_REFUSED = "整改提交人不能核验自己提交的整改，请由其他人员核验"
# Pixels between the problem number in the heading and the state badge after it.
_GAP_AFTER_NUMBER = """() => {
  const number = document.querySelector("h2.page-title .font-monospace");
  return number.nextElementSibling.getBoundingClientRect().left - number.getBoundingClientRect().right;
}"""


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path):
    # Uploaded evidence goes to a throw-away folder, not to var/media.
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}}


@pytest.fixture(autouse=True)
def _more_projects_in_the_street(personas):
    """Two more projects of another company in 西陵街道, so the project search has something to narrow."""
    from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

    other = CompanyFactory(name="宜昌楚天物业有限公司")
    ProjectFactory(company=other, name="西陵花园北苑", community=community("420502001002"))
    ProjectFactory(company=other, name="西陵一路小区", community=community("420502001001"))


@pytest.fixture
def photos(tmp_path):
    """photos(name, colour) → the path of a small real PNG, as a phone would hand it over."""
    from PIL import Image

    folder = tmp_path / "photos"
    folder.mkdir()

    def make(name: str, colour: tuple[int, int, int]) -> str:
        path = folder / name
        Image.new("RGB", (160, 120), colour).save(path, "PNG")
        return str(path)

    return make


def _signed_in(open_web, username: str):
    web = open_web()
    # The irreversible steps ask "确认…？" in the browser; the person answers yes.
    web.page.on("dialog", lambda dialog: dialog.accept())
    web.login(username)
    return web


def _assert_clean(web, *, refused: str = "") -> None:
    """No request left the server, and no console error or error response, except the one refused
    POST when `refused` names it (chromium logs a 403 document to the console as well)."""
    assert web.foreign_requests() == []
    if refused:
        assert web.failed_responses == [f"403 {web.base_url}{refused}"]
        assert web.console_errors == ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]
    else:
        assert web.failed_responses == []
        assert web.console_errors == []


def _expected_deadline(problem: Problem) -> str:
    """The deadline as the pages print it: the day (an end-of-day deadline) or day and time."""
    local = timezone.localtime(problem.deadline)
    return f"{local:%Y-%m-%d}" if f"{local:%H:%M}" == "23:59" else f"{local:%Y-%m-%d %H:%M}"


def _choose_department(select, name: str) -> None:
    """Pick the one option that names the department (the option also shows the department's kind)."""
    option = select.locator("option", has_text=name)
    expect(option).to_have_count(1)
    select.select_option(value=option.get_attribute("value"))


def _state_badge(page):
    return page.locator("h2.page-title .badge").first


def _open_ledger(web):
    page = web.page
    page.get_by_role("list", name="主导航").get_by_role("link", name="问题台账").click()
    expect(page.locator("h2.page-title")).to_have_text("问题台账")


def _timeline(page):
    return page.locator(".card", has_text="办理过程").locator(".timeline-list > li")


def _register(web, photos, *, assign_on_create: bool, screenshot: str) -> Problem:
    """The street officer fills in the registration page for 江城西陵花园 and returns the problem."""
    page = web.page
    _open_ledger(web)
    page.locator(".page-header").get_by_role("link", name="登记问题").click()
    expect(page.locator("h2.page-title")).to_have_text("登记问题")

    # The project is found by typing part of its name: htmx swaps in the matching options
    # (only the street's own projects are offered, never 西坝小区 of another street).
    search, project_select = page.get_by_label("搜索小区"), page.locator("#id_project")
    options = project_select.locator("option")
    expect(options).to_have_count(3)
    # (sorted here: the page orders by name, and SQLite and PostgreSQL collate Chinese differently)
    assert sorted(options.all_inner_texts()) == ["江城西陵花园 · 西陵区西陵街道", "西陵一路小区 · 西陵区西陵街道",
                                                 "西陵花园北苑 · 西陵区西陵街道"]
    search.fill("花园")
    expect(options).to_have_count(2)
    assert sorted(options.all_inner_texts()) == ["江城西陵花园 · 西陵区西陵街道", "西陵花园北苑 · 西陵区西陵街道"]
    project_select.select_option(label="江城西陵花园 · 西陵区西陵街道")
    # Typing on narrows the list further and keeps the project already picked.
    search.fill("江城")
    expect(options).to_have_text(["江城西陵花园 · 西陵区西陵街道"])
    expect(project_select).to_have_value(str(Project.objects.get(name="江城西陵花园").pk))

    page.get_by_label("问题来源").select_option(label="投诉举报")
    expect(page.get_by_label("发现日期")).to_have_value(f"{timezone.localdate():%Y-%m-%d}")
    expect(page.get_by_label("办理层级")).to_have_value("street")
    page.get_by_label("2. 违规利用共用部位").check()
    page.get_by_label("问题描述").fill(DESCRIPTION)
    page.get_by_label("现场照片或材料").set_input_files(photos("门厅现场.png", (200, 60, 40)))
    if assign_on_create:
        _choose_department(page.get_by_label("整改责任单位"), OFFICER_OFFICE)
    web.screenshot(screenshot)
    with page.expect_navigation():
        page.get_by_role("button", name="登记", exact=True).click()

    problem = Problem.objects.get(description=DESCRIPTION)
    expect(page.get_by_role("alert").first).to_contain_text(f"已登记问题 {problem.number}")
    assert page.url == f"{web.base_url}/ledger/problems/{problem.pk}/"
    expect(page.locator("h2.page-title .font-monospace")).to_have_text(problem.number)
    assert re.fullmatch(r"420502-\d{4}-\d{6}", problem.number)
    # The heading is a flex box, where a plain space collapses: the badge needs its own margin.
    assert page.evaluate(_GAP_AFTER_NUMBER) >= 4
    assert (problem.focus, problem.source, problem.project.name) == (2, "complaint", "江城西陵花园")
    return problem


def _start_and_submit(web, photos, problem: Problem, note: str, photo: str) -> None:
    page = web.page
    page.locator("#action-start").get_by_role("button", name="开始整改").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"{problem.number}：已开始整改")
    expect(_state_badge(page)).to_have_text("整改中")

    submit = page.locator("#action-submit")
    submit.get_by_label("整改情况").fill(note)
    submit.get_by_label("整改佐证材料").set_input_files(photos(photo, (40, 150, 80)))
    submit.get_by_role("button", name="提交整改").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"{problem.number}：已提交整改，等待核验")
    expect(_state_badge(page)).to_have_text("待核验")


def _thumbnails_loaded(page) -> list[bool]:
    """Whether each timeline image really arrived (decoded with a width), after scrolling to them."""
    images = page.locator(".timeline-list img")
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.timeline-list img')].every(i => i.complete)")
    return images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")


def test_street_officer_registers_company_rectifies_officer_closes(personas, open_web, photos):
    # Given the 西陵街道 officer registers a focus-2 problem at 江城西陵花园 with a photo,
    officer = _signed_in(open_web, "xiling_street")
    page = officer.page
    problem = _register(officer, photos, assign_on_create=False, screenshot="ledger-flow-0-create-filled")
    expect(_state_badge(page)).to_have_text("已登记")
    expect(page.locator("dd", has_text="尚未交办")).to_be_visible()

    # and assigns it to its own office with the assign form of the problem page,
    assign = page.locator("#action-assign")
    _choose_department(assign.get_by_label("整改责任单位"), OFFICER_OFFICE)
    assign.get_by_label("说明").fill("请物业企业五个工作日内清理门厅")
    # The note comes after the department it explains, as on every other form of the page.
    assert assign.locator("select, input:not([type=hidden]), textarea").evaluate_all(
        "els => els.map(e => e.name)") == ["department", "person", "note"]
    assign.get_by_role("button", name="交办").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"{problem.number}：已交办")
    expect(_state_badge(page)).to_have_text("已交办")
    problem.refresh_from_db()
    assert problem.state == State.ASSIGNED and problem.responsible_department.name == OFFICER_OFFICE
    deadline = _expected_deadline(problem)
    info = page.locator(".card", has_text="问题信息")
    expect(info.locator("dt:text-is('整改责任单位') + dd")).to_have_text(OFFICER_OFFICE)
    expect(info.locator("dt:text-is('整改期限') + dd")).to_contain_text(deadline)
    expect(_timeline(page).locator("strong")).to_have_text(["登记", "交办"])
    officer.screenshot("ledger-flow-1-registered-and-assigned")
    _assert_clean(officer)

    # When the company user opens the ledger, the problem is listed with its deadline;
    company = _signed_in(open_web, "company_demo")
    cpage = company.page
    _open_ledger(company)
    expect(cpage.locator("h2.page-title + div")).to_have_text("本企业所管项目的问题及整改期限")
    row = cpage.locator("table tbody tr", has_text=problem.number)
    expect(row).to_have_count(1)
    # (a deadline past the last year the calendar knows carries a 待定 badge)
    expect(row.locator("td").last).to_have_text(deadline + (" 待定" if problem.deadline_provisional else ""))
    expect(row).to_contain_text("已交办")
    expect(row).to_contain_text("江城西陵花园")
    assert OFFICER not in cpage.content()
    company.screenshot("ledger-flow-2-company-list")

    # it opens the problem, starts the rectification and submits it with a note and a photo;
    row.get_by_role("link", name=problem.number).click()
    expect(cpage.locator("h2.page-title .font-monospace")).to_have_text(problem.number)
    cinfo = cpage.locator(".card", has_text="问题信息")
    expect(cinfo.locator("dt:text-is('登记') + dd")).to_contain_text(OFFICER_OFFICE)
    expect(cinfo.locator("dt:text-is('整改期限') + dd")).to_contain_text(deadline)
    assert OFFICER not in cpage.content()
    _start_and_submit(company, photos, problem, RECTIFICATION, "整改后门厅.png")

    # and it can neither verify nor send back its own work, and never reads the officer's name:
    # every event is signed by a department only.
    expect(cpage.locator("#action-close")).to_have_count(0)
    expect(cpage.locator("#action-send_back")).to_have_count(0)
    expect(_timeline(cpage).locator("strong")).to_have_text(["登记", "交办", "开始整改", "提交整改"])
    expect(_timeline(cpage).locator(":scope > .small.text-secondary")).to_have_text(
        [OFFICER_OFFICE, OFFICER_OFFICE, COMPANY, COMPANY])
    assert OFFICER not in cpage.content()
    company.screenshot("ledger-flow-3-company-submitted")
    _assert_clean(company)

    # Then the street officer (not the submitter) verifies and closes it (销号),
    page.reload()
    expect(_state_badge(page)).to_have_text("待核验")
    expect(info.locator("dt:text-is('整改情况') + dd")).to_contain_text(RECTIFICATION)
    close = page.locator("#action-close")
    close.get_by_label("说明").fill("现场复查：门厅已清空，消防通道畅通")
    close.get_by_label("核验材料").set_input_files(photos("复查照片.png", (40, 80, 200)))
    close.get_by_role("button", name="核验销号").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"{problem.number}：已核验销号")

    # and the page shows 已销号 with the whole timeline and each step's photo.
    expect(_state_badge(page)).to_have_text("已销号")
    timeline = _timeline(page)
    expect(timeline.locator("strong")).to_have_text(["登记", "交办", "开始整改", "提交整改", "核验销号"])
    expect(timeline.nth(3)).to_contain_text(RECTIFICATION)
    expect(timeline.nth(4)).to_contain_text("现场复查：门厅已清空，消防通道畅通")
    expect(timeline.nth(4)).to_contain_text(f"{OFFICER_OFFICE} {OFFICER}")
    for step, alt in ((0, "发现问题：门厅现场.png"), (3, "整改材料：整改后门厅.png"), (4, "核验材料：复查照片.png")):
        expect(timeline.nth(step).locator("img")).to_have_attribute("alt", alt)
    expect(timeline.locator("img")).to_have_count(3)
    assert _thumbnails_loaded(page) == [True, True, True]
    expect(info.locator("dt:text-is('销号情况') + dd")).to_contain_text(f"核验人 {OFFICER}")
    expect(page.get_by_text("当前没有需要您办理的操作。")).to_be_visible()
    problem.refresh_from_db()
    assert problem.state == State.CLOSED and problem.closed_by.username == "xiling_street"
    assert problem.submitted_by.username == "company_demo"
    officer.screenshot("ledger-flow-4-closed-timeline")
    _assert_clean(officer)

    # The company sees the close-out too, still without the officer's name.
    cpage.reload()
    expect(_state_badge(cpage)).to_have_text("已销号")
    expect(_timeline(cpage).locator("strong")).to_have_text(["登记", "交办", "开始整改", "提交整改", "核验销号"])
    expect(cinfo.locator("dt:text-is('销号情况') + dd")).to_have_text(re.compile(r"^已销号（[\d\- :]+）$"))
    assert _thumbnails_loaded(cpage) == [True, True, True]
    assert OFFICER not in cpage.content()
    _assert_clean(company)


def test_the_submitter_cannot_verify_their_own_rectification(personas, open_web, photos):
    # Given the street officer registers a problem, assigning its own office on the same page,
    officer = _signed_in(open_web, "xiling_street")
    page = officer.page
    problem = _register(officer, photos, assign_on_create=True, screenshot="ledger-self-verify-0-create-and-assign")
    expect(_state_badge(page)).to_have_text("已交办")
    expect(_timeline(page).locator("strong")).to_have_text(["登记", "交办"])

    # and, as the responsible office, starts and submits the rectification itself,
    _start_and_submit(officer, photos, problem, "街道已组织拆除门厅货架。", "街道整改.png")

    # then the page offers it no way to verify its own work and says who must,
    expect(page.locator("#action-close")).to_have_count(0)
    expect(page.locator("#action-send_back")).to_have_count(0)
    expect(page.locator(".alert-info")).to_have_text("您提交的整改正在等待核验；核验须由其他人员进行。")
    officer.screenshot("ledger-self-verify-1-submitter-waits")

    # and a verification posted anyway (a stale or hand-made form) is refused in Chinese, changing nothing.
    problem.refresh_from_db()
    with page.expect_navigation():
        page.evaluate("""([url, version]) => {
            const form = document.createElement("form");
            form.method = "post"; form.action = url;
            const add = (name, value) => {
                const input = document.createElement("input");
                input.type = "hidden"; input.name = name; input.value = value; form.append(input);
            };
            add("csrfmiddlewaretoken", document.querySelector("input[name=csrfmiddlewaretoken]").value);
            add("version", version); add("note", "自己核验");
            document.body.append(form); form.submit();
        }""", [f"/ledger/problems/{problem.pk}/close/", problem.version])
    refusal = page.locator(".alert-danger")
    expect(refusal.locator(".alert-title")).to_have_text("“核验销号”未完成")
    expect(refusal).to_contain_text(SELF_VERIFY_REFUSED)
    expect(_state_badge(page)).to_have_text("待核验")
    officer.screenshot("ledger-self-verify-2-refused")
    problem.refresh_from_db()
    assert problem.state == State.AWAITING_VERIFICATION and problem.closed_by is None
    _assert_clean(officer, refused=f"/ledger/problems/{problem.pk}/close/")

    # When the county housing officer opens it, the close form is there, and closing works.
    county = _signed_in(open_web, "xiling_housing")
    cpage = county.page
    _open_ledger(county)
    cpage.locator("table tbody tr", has_text=problem.number).get_by_role("link", name=problem.number).click()
    expect(_state_badge(cpage)).to_have_text("待核验")
    cpage.locator("#action-close").get_by_role("button", name="核验销号").click()
    expect(cpage.get_by_role("alert").first).to_contain_text(f"{problem.number}：已核验销号")
    expect(_state_badge(cpage)).to_have_text("已销号")
    timeline = _timeline(cpage)
    expect(timeline.locator("strong")).to_have_text(["登记", "交办", "开始整改", "提交整改", "核验销号"])
    expect(timeline.nth(3)).to_contain_text(f"{OFFICER_OFFICE} {OFFICER}")
    expect(timeline.nth(4)).to_contain_text("西陵区住房和城乡建设局 李晓燕")
    expect(timeline.nth(4)).to_contain_text("核验通过，予以销号")
    assert _thumbnails_loaded(cpage) == [True, True]
    expect(cpage.locator("dt:text-is('销号情况') + dd")).to_contain_text("核验人 李晓燕")
    problem.refresh_from_db()
    assert problem.state == State.CLOSED and problem.closed_by.username == "xiling_housing"
    county.screenshot("ledger-self-verify-3-county-closed")
    _assert_clean(county)


def test_verification_sends_the_rectification_back_with_a_reason(personas, open_web, photos):
    # Given a problem the street officer registered and assigned, which the company submitted,
    officer = _signed_in(open_web, "xiling_street")
    problem = _register(officer, photos, assign_on_create=True, screenshot="ledger-send-back-0-create-and-assign")
    company = _signed_in(open_web, "company_demo")
    cpage = company.page
    company.goto(f"/ledger/problems/{problem.pk}/")
    _start_and_submit(company, photos, problem, "已口头提醒驿站搬离。", "提醒记录.png")

    # when the officer finds the work not done and sends it back with a reason,
    page = officer.page
    page.reload()
    expect(_state_badge(page)).to_have_text("待核验")
    reason = "现场复查：货架仍在门厅，消防通道未恢复，请彻底清理后重新提交。"
    back = page.locator("#action-send_back")
    back.get_by_label("原因").fill(reason)
    back.get_by_role("button", name="退回整改").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"{problem.number}：已退回整改")
    expect(_state_badge(page)).to_have_text("整改中")
    _assert_clean(officer)

    # then the company sees the problem back in 整改中, the reason in the timeline,
    _open_ledger(company)
    row = cpage.locator("table tbody tr", has_text=problem.number)
    expect(row).to_contain_text("整改中")
    row.get_by_role("link", name=problem.number).click()
    expect(_state_badge(cpage)).to_have_text("整改中")
    timeline = _timeline(cpage)
    expect(timeline.locator("strong")).to_have_text(["登记", "交办", "开始整改", "提交整改", "退回整改"])
    sent_back = timeline.nth(4)
    expect(sent_back).to_contain_text("待核验 → 整改中")
    expect(sent_back).to_contain_text(reason)
    expect(sent_back).to_contain_text(OFFICER_OFFICE)
    assert OFFICER not in cpage.content()
    # and may submit again (start is not offered twice).
    expect(cpage.locator("#action-start")).to_have_count(0)
    expect(cpage.locator("#action-submit")).to_be_visible()
    problem.refresh_from_db()
    assert problem.state == State.RECTIFYING
    company.screenshot("ledger-send-back-1-company-sees-reason")
    _assert_clean(company)
