"""A hotline complaint through the staff pages: intake, the classifier's advice, acceptance into
the ledger, the audited reveal of the caller, and what the property company then sees.

The caller's name and phone must appear only where the street officer asks for them; the company
reads the problem the complaint opened and nothing of the caller.
"""

import pytest
from playwright.sync_api import expect

from propwatch.audit.models import AuditEvent
from propwatch.complaints.models import Complaint

CALLER, PHONE = "黄秀英", "13971712345"
TEXT = ("来电人反映：江城西陵花园物业以其拖欠物业费为由，从昨天起把她家的水停了，家中有老人和婴儿，"
        "要求物业立即恢复供水。")


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}}


def test_hotline_complaint_from_intake_to_the_ledger(open_web, personas):
    web = open_web()
    web.page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: the officer says yes
    web.login("xiling_street")
    page = web.page
    page.get_by_role("list", name="主导航").get_by_role("link", name="投诉举报").click()
    expect(page.locator("h2.page-title")).to_have_text("投诉举报")
    web.screenshot("complaints-01-empty-list")

    # Intake: the officer types part of the estate's name and picks it, then the call's details.
    page.locator(".page-header").get_by_role("link", name="登记投诉").click()
    page.get_by_label("搜索小区").fill("江城")
    expect(page.locator("#id_project option", has_text="江城西陵花园")).to_have_count(1)
    page.locator("#id_project").select_option(label=page.locator("#id_project option", has_text="江城西陵花园")
                                               .inner_text().strip())
    page.locator("#id_channel").select_option("hotline")
    page.get_by_label("诉求内容").fill(TEXT)
    page.get_by_label("投诉人姓名").fill(CALLER)
    page.get_by_label("联系电话").fill(PHONE)
    web.screenshot("complaints-02-intake-form")
    page.get_by_role("button", name="登记", exact=True).click()

    # The complaint page: masked caller, the classifier's suggestion with the words behind it.
    expect(page.locator(".alert-success")).to_contain_text("已登记投诉")
    complainant = page.locator("#complainant")
    expect(complainant).to_contain_text("139****2345")
    expect(complainant).not_to_contain_text(PHONE)
    expect(page.get_by_text("判断依据")).to_be_visible()
    complaint = Complaint.objects.get()
    assert complaint.suggested_focus == 1, complaint.suggestion_keywords
    web.screenshot("complaints-03-received")

    # Accept with the suggested classification: a ledger problem assigned to the street office.
    accept = page.locator("form[action$='/accept/']")
    expect(accept.locator("select[name=focus]")).to_have_value("1")
    accept.get_by_role("button", name="受理").click()
    expect(page.locator(".alert-success")).to_contain_text("已受理，台账问题")
    complaint.refresh_from_db()
    problem = complaint.problem
    expect(page.get_by_role("link", name=problem.number)).to_be_visible()

    # The audited reveal: the officer asks, the page shows the caller once, the audit log has it.
    page.get_by_role("button", name="查看完整信息").click()
    expect(complainant).to_contain_text(CALLER)
    expect(complainant).to_contain_text(PHONE)
    assert AuditEvent.objects.filter(action="reveal", object_id=str(complaint.pk)).count() == 1
    web.screenshot("complaints-04-accepted-revealed")
    assert web.foreign_requests() == []
    assert web.console_errors == []

    # The company reads the problem it must rectify, and nothing of who called.
    company = open_web()
    company.login("company_demo")
    company.goto(f"/ledger/problems/{problem.pk}/")
    expect(company.page.locator("dl")).to_contain_text("停了")
    body = company.page.content()
    assert CALLER not in body and PHONE not in body and "139****2345" not in body
    assert company.goto(f"/complaints/{complaint.pk}/").status == 403
    company.screenshot("complaints-05-company-problem")
