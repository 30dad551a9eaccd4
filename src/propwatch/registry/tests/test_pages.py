"""Registering and editing companies and projects through the pages, as a county officer would."""

import datetime
import re

import pytest
from django.urls import reverse

from propwatch.audit.models import AuditEvent
from propwatch.regions.models import Region
from propwatch.registry.models import Company, Project

from .factories import CompanyFactory, ProjectFactory, community

PILOT_CODE = "91350100M0001TGQXM"
NEW_CODE = "91310110666007217T"


def company_post(**overrides):
    data = {
        "name": "宜昌西陵安居物业服务有限公司", "credit_code": NEW_CODE, "filing_no": "YCWY-2023-101",
        "legal_representative": "黄海", "contact_phone": "+86 139 1234 5678", "address": "宜昌市西陵区解放路 3 号",
        "region": str(Region.objects.get(code="420502").pk), "override_reason": "",
    }
    return data | overrides


def project_post(owner: Company | None, **overrides):
    data = {
        "code": "", "name": "安居花园", "address": "宜昌市西陵区西陵一路 12 号",
        "community": str(community("420502001001").pk), "company": owner.credit_code if owner else "",
        "contract_start": "2024-03-01", "contract_end": "2027-02-28", "households": "480",
    }
    return data | overrides


def field_errors(html: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', html)


@pytest.fixture
def staff_client(client_for, xiling_housing_staff):
    return client_for(xiling_housing_staff)


# ---- companies ---------------------------------------------------------------------------------

def test_county_staff_registers_a_company_and_sees_it(staff_client):
    response = staff_client.post(reverse("registry:company_create"), company_post(), follow=True)
    company = Company.objects.get(credit_code=NEW_CODE)
    assert response.redirect_chain == [(reverse("registry:company_detail", args=[company.pk]), 302)]
    page = response.content.decode()
    assert "已登记“宜昌西陵安居物业服务有限公司”" in page
    assert NEW_CODE in page and "13912345678" in page  # the phone is shown as stored: normalised
    assert company.contact_phone == "13912345678"


def test_a_failed_check_digit_is_shown_in_chinese_and_nothing_is_saved(staff_client):
    response = staff_client.post(reverse("registry:company_create"), company_post(credit_code=PILOT_CODE))
    assert response.status_code == 200
    page = response.content.decode()
    assert "请按下方提示修改后再保存。" in page
    assert field_errors(page) == ["校验位不符：第 18 位为“M”，按前 17 位计算应为“1”"]
    # The county cannot override, so the form does not offer the exception box at all.
    assert 'name="override_reason"' not in page
    assert not Company.objects.exists()


def test_a_county_officer_cannot_smuggle_an_override_reason_in(staff_client):
    response = staff_client.post(reverse("registry:company_create"),
                                 company_post(credit_code=PILOT_CODE, override_reason="我确认"))
    assert field_errors(response.content.decode()) == [
        "校验位不符：第 18 位为“M”，按前 17 位计算应为“1”。只有市级管理员可以确认例外代码"]
    assert not Company.objects.exists()


def test_the_city_admin_accepts_a_pilot_code_with_a_reason_on_the_page(client_for, city_admin):
    admin = client_for(city_admin)
    form = admin.get(reverse("registry:company_create")).content.decode()
    assert 'name="override_reason"' in form
    refused = admin.post(reverse("registry:company_create"), company_post(credit_code=PILOT_CODE))
    assert "请填写例外说明后保存" in field_errors(refused.content.decode())[0]
    assert not Company.objects.exists()

    response = admin.post(reverse("registry:company_create"),
                          company_post(credit_code=PILOT_CODE, override_reason="早期试点代码，已核对执照"), follow=True)
    page = response.content.decode()
    assert "已确认" in page and "早期试点代码，已核对执照" in page and f"（{city_admin.display_name}）" in page
    assert Company.objects.get().credit_code_override_by == city_admin


def test_a_duplicate_credit_code_is_refused_on_the_page(staff_client):
    CompanyFactory(credit_code=NEW_CODE)
    response = staff_client.post(reverse("registry:company_create"), company_post(credit_code=NEW_CODE.lower()))
    assert response.status_code == 200
    [error] = field_errors(response.content.decode())
    assert error == f"统一社会信用代码 {NEW_CODE} 已登记，请勿重复录入"
    assert Company.objects.count() == 1


def test_county_staff_edits_a_company_and_the_change_shows_in_its_history(staff_client, xiling_housing_staff):
    company = CompanyFactory(legal_representative="张三")
    data = company_post(name=company.name, credit_code=company.credit_code, legal_representative="李四",
                        contact_phone=company.contact_phone, filing_no="", address="")
    response = staff_client.post(reverse("registry:company_edit", args=[company.pk]), data, follow=True)
    page = response.content.decode()
    assert f"已保存“{company.name}”" in page
    assert "法定代表人：张三 → 李四" in page
    company.refresh_from_db()
    assert company.legal_representative == "李四"
    event = AuditEvent.objects.get(object_type="registry.company", object_id=str(company.pk))
    assert event.actor == xiling_housing_staff
    assert event.before == {"legal_representative": "张三"} and event.after == {"legal_representative": "李四"}


def test_an_edit_with_a_bad_phone_keeps_the_old_values(staff_client):
    company = CompanyFactory(contact_phone="13812341234")
    data = company_post(name="改了名字", credit_code=company.credit_code, contact_phone="123")
    response = staff_client.post(reverse("registry:company_edit", args=[company.pk]), data)
    assert "电话号码格式不正确" in field_errors(response.content.decode())[0]
    company.refresh_from_db()
    assert company.name != "改了名字" and company.contact_phone == "13812341234"
    assert not AuditEvent.objects.filter(object_type="registry.company").exists()


def test_another_countys_officer_cannot_open_the_edit_page(client_for, wujiagang_housing_staff):
    company = CompanyFactory(region=Region.objects.get(code="420502"))
    other = client_for(wujiagang_housing_staff)
    assert other.get(reverse("registry:company_edit", args=[company.pk])).status_code == 404
    response = other.post(reverse("registry:company_edit", args=[company.pk]),
                          company_post(credit_code=company.credit_code, name="被改了"))
    assert response.status_code == 404
    company.refresh_from_db()
    assert company.name != "被改了"


def test_a_read_only_role_gets_403_on_the_company_form(client_for, police_officer):
    police = client_for(police_officer)
    assert police.get(reverse("registry:company_create")).status_code == 403
    assert police.post(reverse("registry:company_create"), company_post()).status_code == 403
    assert not Company.objects.exists()


# ---- projects ----------------------------------------------------------------------------------

def test_county_staff_registers_a_project_and_gets_the_next_county_code(staff_client):
    company = CompanyFactory()
    response = staff_client.post(reverse("registry:project_create"), project_post(company), follow=True)
    project = Project.objects.get()
    assert response.redirect_chain == [(reverse("registry:project_detail", args=[project.pk]), 302)]
    page = response.content.decode()
    assert "已登记“安居花园”（编号 420502-00001）" in page
    assert "专业化物业管理" in page and company.name in page
    assert (project.company, project.contract_start) == (company, datetime.date(2024, 3, 1))

    staff_client.post(reverse("registry:project_create"), project_post(company, name="安居花园二期"))
    assert Project.objects.get(name="安居花园二期").code == "420502-00002"


def test_a_contract_ending_before_it_starts_is_shown_in_chinese_and_nothing_is_saved(staff_client):
    response = staff_client.post(reverse("registry:project_create"),
                                 project_post(CompanyFactory(), contract_start="2024-03-01", contract_end="2024-02-01"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "合同结束日期不能早于开始日期" in page
    assert "project_contract_end_after_start" not in page  # no database constraint names for users
    assert not Project.objects.exists()


def test_a_company_without_a_contract_start_is_refused(staff_client):
    response = staff_client.post(reverse("registry:project_create"), project_post(CompanyFactory(), contract_start=""))
    assert field_errors(response.content.decode()) == ["有物业服务企业时请填写合同开始日期"]
    assert not Project.objects.exists()


def test_an_unknown_company_code_is_named_in_the_error(staff_client):
    response = staff_client.post(reverse("registry:project_create"),
                                 project_post(None, company="914403001922038216"))
    assert field_errors(response.content.decode()) == [
        "未找到统一社会信用代码为 914403001922038216 的企业，请先在“物业企业”中登记"]
    assert not Project.objects.exists()


def test_a_community_of_another_county_cannot_be_chosen(staff_client):
    response = staff_client.post(reverse("registry:project_create"),
                                 project_post(None, community=str(community("420503001001").pk)))
    assert response.status_code == 200
    assert "选择一个有效的选项" in field_errors(response.content.decode())[0]
    assert not Project.objects.exists()


def test_county_staff_edits_a_project(staff_client):
    project = ProjectFactory(community=community("420502001001"), households=300)
    data = project_post(project.company, code=project.code, name=project.name, address=project.address,
                        contract_start="2020-01-01", contract_end="2030-12-31", households="360")
    response = staff_client.post(reverse("registry:project_edit", args=[project.pk]), data, follow=True)
    page = response.content.decode()
    assert f"已保存“{project.name}”" in page and "户数：300 → 360" in page
    project.refresh_from_db()
    assert project.households == 360


def test_a_failed_project_edit_changes_nothing(staff_client):
    project = ProjectFactory(community=community("420502001001"), households=300)
    data = project_post(project.company, code=project.code, name="", households="999")
    response = staff_client.post(reverse("registry:project_edit", args=[project.pk]), data)
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    project.refresh_from_db()
    assert project.households == 300 and project.name != ""


def test_company_registered_out_of_scope_says_where_it_went(client_for, xiling_housing_staff):
    from propwatch.regions.models import Region
    from propwatch.registry import credit_code
    from propwatch.registry.models import Company

    response = client_for(xiling_housing_staff).post("/registry/companies/new/", {
        "name": "伍家岗新物业公司", "credit_code": credit_code.make("91420503", "MA4B7C2X1"),
        "legal_representative": "王五", "contact_phone": "13812341234",
        "region": Region.objects.get(code="420503").pk}, follow=True)
    assert Company.objects.filter(name="伍家岗新物业公司").exists()
    assert response.status_code == 200 and "不在您的管辖范围内" in response.content.decode()
