"""Signing in with a wrong password, and reaching for a record outside one's scope."""

from playwright.sync_api import expect

from propwatch.registry.models import Company, Project


def test_wrong_password_shows_the_chinese_error_on_the_login_page(personas, web):
    page = web.page

    # When a person signs in with the wrong password,
    web.login("xiling_housing", password="Wrong-pass-2026")

    # then the login page comes back with the Chinese error and the user name kept,
    assert page.url == web.base_url + "/accounts/login/"
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。连续输错多次后账号将被暂时锁定。")
    expect(page.get_by_label("用户名")).to_have_value("xiling_housing")
    expect(page.get_by_label("密码")).to_have_value("")
    expect(page.get_by_role("list", name="主导航")).to_have_count(0)
    web.screenshot("login-wrong-password")

    # and the right password still gets in.
    web.login("xiling_housing")
    assert page.url == web.base_url + "/"
    expect(page.locator("h2.page-title")).to_have_text("西陵区住房和城乡建设局")
    assert web.foreign_requests() == [] and web.console_errors == []


def test_a_project_outside_the_scope_shows_the_chinese_404_page(personas, web):
    # Given a project and a company that exist only in 伍家岗区,
    elsewhere = Project.objects.get(name="大公桥小区")
    other_company = Company.objects.get(name="伍家岗安居物业有限公司")
    page = web.page
    web.login("xiling_housing")

    for path in (f"/registry/projects/{elsewhere.pk}/", f"/registry/projects/{elsewhere.pk}/edit/",
                 f"/registry/companies/{other_company.pk}/"):
        # when the 西陵区 officer opens its address directly,
        response = web.goto(path)

        # then it gets the Chinese "not found" page, inside the normal layout, and nothing about the record.
        assert response.status == 404, path
        expect(page.locator("h2.page-title")).to_have_text("页面不存在")
        expect(page.locator(".empty-header")).to_have_text("404")
        expect(page.get_by_text("您访问的页面不存在，或不在您的管辖范围内。")).to_be_visible()
        expect(page.get_by_role("link", name="返回首页")).to_be_visible()
        body = page.locator("body").inner_text()
        assert "大公桥" not in body and "伍家岗安居" not in body and "Page not found" not in body
        assert page.title() == "页面不存在 · 物业专项整治监管平台"
    web.screenshot("project-out-of-scope-404")

    # The same address works for the officer whose county the project is in.
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    web.login("wujiagang_housing")
    assert web.goto(f"/registry/projects/{elsewhere.pk}/").status == 200
    expect(page.locator("h2.page-title")).to_contain_text("大公桥小区")


def test_the_auditor_reads_the_trail_of_a_failed_login_and_a_disclosure_change(personas, open_web):
    import datetime

    from propwatch.registry import services

    # Given someone mistyped the 西陵区 officer's password, and the officer then recorded a disclosure,
    open_web().login("xiling_housing", password="Wrong-pass-2026")
    project = Project.objects.get(name="西坝小区")
    services.update_disclosure(actor=personas["xiling_housing"], project=project,
                               items={"disclosed_services_on": datetime.date(2025, 3, 1)})

    # when the auditor opens the audit log from the navigation,
    web = open_web()
    page = web.page
    web.login("auditor")
    page.get_by_role("list", name="主导航").get_by_role("link", name="审计日志").click()
    expect(page.locator("h2.page-title")).to_have_text("审计日志")

    # then both are there, newest first, the change spelled with the field's Chinese name.
    rows = page.locator("table tbody tr")
    change = rows.filter(has_text="登记公示情况")
    expect(change).to_contain_text("李晓燕")
    expect(change).to_contain_text("服务内容公示日期：（空） → 2025-03-01")
    expect(change).not_to_contain_text("disclosed_")
    failed = rows.filter(has_text="登录失败")
    expect(failed).to_contain_text("用户名：xiling_housing")
    assert "Wrong-pass-2026" not in page.content()  # the typed password is never stored
    web.screenshot("audit-log")
    assert web.foreign_requests() == [] and web.failed_responses == [] and web.console_errors == []
