"""The audit trail: every write, login and failed login, and the page that shows them."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from propwatch.accounts import services as account_services
from propwatch.accounts.tests.factories import DepartmentFactory, officer
from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.audit.services import record
from propwatch.regions.models import Region
from propwatch.registry import services as registry_services
from propwatch.registry.models import Company, today
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

TEST_PASSWORD = "Test-pass-2026"
NEW_CODE = "91310110666007217T"


def only_event(**lookup) -> AuditEvent:
    [event] = AuditEvent.objects.filter(**lookup)
    return event


def everything_written(event: AuditEvent) -> str:
    """All the text an audit row holds, for "this secret is nowhere in it" checks."""
    return json.dumps([event.actor_name, event.object_repr, event.note, event.before, event.after],
                      ensure_ascii=False, default=str)


def company_data(**overrides):
    data = {
        "name": "宜昌夷陵物业服务有限公司", "credit_code": NEW_CODE, "filing_no": "", "legal_representative": "赵强",
        "contact_phone": "13912345678", "address": "宜昌市西陵区东山大道 9 号",
        "region": Region.objects.get(code="420502"),
    }
    return data | overrides


# ---- registry writes ---------------------------------------------------------------------------

def test_a_company_registered_on_the_page_records_who_when_where_and_what(client_for, xiling_housing_staff):
    page = client_for(xiling_housing_staff)
    started = timezone.now()
    page.post(reverse("registry:company_create"), {
        "name": "宜昌夷陵物业服务有限公司", "credit_code": NEW_CODE, "legal_representative": "赵强",
        "contact_phone": "139-1234-5678", "region": str(Region.objects.get(code="420502").pk),
    }, REMOTE_ADDR="10.8.1.23")
    company = Company.objects.get(credit_code=NEW_CODE)

    event = only_event(object_type="registry.company")
    assert event.action == AuditAction.CREATE
    assert event.actor == xiling_housing_staff and event.actor_name == xiling_housing_staff.display_name
    assert event.ip == "10.8.1.23"
    assert started <= event.at <= timezone.now()
    assert (event.object_id, event.object_repr) == (str(company.pk), "宜昌夷陵物业服务有限公司")
    assert event.before is None
    assert event.after["credit_code"] == NEW_CODE and event.after["contact_phone"] == "13912345678"
    assert event.after["region_id"] == company.region_id
    assert "created_at" not in event.after and "updated_at" not in event.after

    # The address belongs to that request only: a write made afterwards outside a request has none.
    registry_services.update_company(actor=xiling_housing_staff, company=company, data={"address": "新址"})
    assert only_event(object_type="registry.company", action=AuditAction.UPDATE).ip is None


def test_a_company_update_keeps_only_the_changed_fields(xiling_housing_staff, wujiagang_housing_staff):
    company = registry_services.create_company(actor=xiling_housing_staff, data=company_data())
    registry_services.update_company(actor=wujiagang_housing_staff, company=company, data={
        "legal_representative": "钱峰", "contact_phone": "+86 137 0000 1111", "address": company.address,
        "region": Region.objects.get(code="420503"),
    })
    event = only_event(object_type="registry.company", action=AuditAction.UPDATE)
    assert event.actor == wujiagang_housing_staff
    assert event.ip is None  # written outside a request: no address to record
    assert event.before == {"legal_representative": "赵强", "contact_phone": "13912345678",
                            "region_id": Region.objects.get(code="420502").pk}
    assert event.after == {"legal_representative": "钱峰", "contact_phone": "13700001111",
                           "region_id": Region.objects.get(code="420503").pk}
    # People read the fields by their Chinese names.
    assert event.changes() == [("法定代表人", "赵强", "钱峰"), ("联系电话", "13912345678", "13700001111"),
                               ("注册所在地", event.before["region_id"], event.after["region_id"])]


def test_a_save_that_changes_nothing_writes_no_row(client_for, xiling_housing_staff):
    company = registry_services.create_company(actor=xiling_housing_staff, data=company_data())
    registry_services.update_company(actor=xiling_housing_staff, company=company,
                                      data=company_data(contact_phone="139 1234 5678"))
    page = client_for(xiling_housing_staff)
    response = page.post(reverse("registry:company_edit", args=[company.pk]), {
        "name": company.name, "credit_code": company.credit_code.lower(), "filing_no": "",
        "legal_representative": "赵强", "contact_phone": "13912345678", "address": company.address,
        "region": str(company.region_id),
    })
    assert response.status_code == 302
    assert list(AuditEvent.objects.filter(object_type="registry.company").values_list("action", flat=True)) == [
        AuditAction.CREATE]


def test_project_create_and_update_are_audited(xiling_housing_staff):
    company = CompanyFactory()
    project = registry_services.create_project(actor=xiling_housing_staff, data={
        "name": "夷陵花园", "address": "宜昌市西陵区东山大道 10 号", "community": community("420502001001"),
        "company": company, "contract_start": datetime.date(2024, 1, 1), "contract_end": None, "households": 200,
    })
    created = only_event(object_type="registry.project", action=AuditAction.CREATE)
    assert created.object_id == str(project.pk) and created.object_repr == "夷陵花园"
    assert created.after["code"] == "420502-00001" and created.after["company_id"] == company.pk
    assert created.after["contract_start"] == "2024-01-01" and created.after["contract_end"] is None

    registry_services.update_project(actor=xiling_housing_staff, project=project,
                                     data={"contract_end": datetime.date(2026, 12, 31), "households": 200})
    updated = only_event(object_type="registry.project", action=AuditAction.UPDATE)
    assert (updated.before, updated.after) == ({"contract_end": None}, {"contract_end": "2026-12-31"})

    registry_services.update_project(actor=xiling_housing_staff, project=project, data={"households": 200})
    assert AuditEvent.objects.filter(object_type="registry.project").count() == 2


def test_a_disclosure_check_on_the_page_is_audited_with_its_address(client_for, street_officer):
    project = ProjectFactory(community=community("420502001001"))
    day = today() - datetime.timedelta(days=3)
    client_for(street_officer).post(reverse("registry:project_disclosure", args=[project.pk]),
                                    {"disclosed_fees_on": day.isoformat()}, REMOTE_ADDR="172.16.5.9")
    event = only_event(object_type="registry.project")
    assert (event.action, event.note, event.ip) == (AuditAction.UPDATE, "登记公示情况", "172.16.5.9")
    assert event.actor == street_officer
    assert (event.before, event.after) == ({"disclosed_fees_on": None}, {"disclosed_fees_on": day.isoformat()})


# ---- account writes ----------------------------------------------------------------------------

def test_user_create_update_and_password_reset_are_audited_without_the_password(city_admin):
    dept = DepartmentFactory(name="西陵区住房和城乡建设局", region=Region.objects.get(code="420502"))
    user = account_services.create_user(actor=city_admin, username="li_xiaoyan", password="Qingjiang-2026!", data={
        "display_name": "李晓燕", "department": dept, "role": "staff", "phone": "13800001111", "email": "",
        "is_active": True,
    })
    created = only_event(object_type="accounts.user", action=AuditAction.CREATE, object_id=str(user.pk))
    assert created.actor == city_admin
    assert created.after == {"username": "li_xiaoyan", "display_name": "李晓燕", "department_id": dept.pk,
                             "role": "staff", "phone": "13800001111", "is_active": True, "email": ""}

    account_services.update_user(actor=city_admin, user=user, data={"role": "leader", "display_name": "李晓燕"})
    updated = only_event(object_type="accounts.user", action=AuditAction.UPDATE, object_id=str(user.pk), note="")
    assert (updated.before, updated.after) == ({"role": "staff"}, {"role": "leader"})

    # Saving the same values again is not a change.
    account_services.update_user(actor=city_admin, user=user, data={"role": "leader"})
    assert AuditEvent.objects.filter(object_id=str(user.pk), action=AuditAction.UPDATE, note="").count() == 1

    old_hash = stored_hash(user)
    account_services.set_password(actor=city_admin, user=user, password="Xiling-new-2027")
    reset = only_event(object_type="accounts.user", object_id=str(user.pk), note="重置密码")
    assert reset.actor == city_admin and reset.action == AuditAction.UPDATE
    new_hash = stored_hash(user)
    assert new_hash != old_hash
    for event in AuditEvent.objects.filter(object_id=str(user.pk)):
        written = everything_written(event)
        for secret in (old_hash, new_hash, "Qingjiang-2026!", "Xiling-new-2027"):
            assert secret not in written


def stored_hash(user) -> str:
    user.refresh_from_db()
    return user.password


# ---- sign-in events ----------------------------------------------------------------------------

def test_login_logout_and_failed_login_are_audited_with_the_address(client, xiling_housing_staff):
    login = reverse("accounts:login")
    client.post(login, {"username": xiling_housing_staff.username, "password": "wrong-Pass-1"},
                REMOTE_ADDR="192.168.10.7")
    client.post(login, {"username": xiling_housing_staff.username, "password": TEST_PASSWORD},
                REMOTE_ADDR="192.168.10.8")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="192.168.10.9")

    failed, logged_in, logged_out = AuditEvent.objects.order_by("at", "id")
    assert failed.action == AuditAction.LOGIN_FAILED and failed.ip == "192.168.10.7"
    assert failed.actor is None and failed.actor_name == xiling_housing_staff.username
    assert xiling_housing_staff.username in failed.note
    assert "wrong-Pass-1" not in everything_written(failed)
    assert (logged_in.action, logged_in.actor, logged_in.ip) == (AuditAction.LOGIN, xiling_housing_staff,
                                                                 "192.168.10.8")
    assert (logged_out.action, logged_out.actor, logged_out.ip) == (AuditAction.LOGOUT, xiling_housing_staff,
                                                                    "192.168.10.9")


def test_a_failed_login_for_a_name_that_does_not_exist_keeps_the_typed_name(client, yichang):
    client.post(reverse("accounts:login"), {"username": "nobody_here", "password": "Secret-guess-9"},
                REMOTE_ADDR="10.0.0.5")
    event = only_event(action=AuditAction.LOGIN_FAILED)
    assert (event.actor_name, event.object_repr, event.ip) == ("nobody_here", "nobody_here", "10.0.0.5")
    assert "Secret-guess-9" not in everything_written(event)


def test_a_forwarded_address_is_only_believed_when_configured(settings, xiling_housing_staff):
    login = reverse("accounts:login")
    creds = {"username": xiling_housing_staff.username, "password": TEST_PASSWORD}
    Client().post(login, creds, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    settings.TRUST_X_FORWARDED_FOR = True
    Client().post(login, creds, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8, 10.0.0.1")
    assert list(AuditEvent.objects.filter(action=AuditAction.LOGIN).order_by("id").values_list("ip", flat=True)) == [
        "10.0.0.1", "203.0.113.8"]


# ---- the audit page ----------------------------------------------------------------------------

def rows(response) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


@pytest.mark.parametrize("persona", ["city_admin", "auditor_user"])
def test_city_admin_and_auditor_read_the_audit_page(request, client_for, persona, xiling_housing_staff):
    registry_services.create_company(actor=xiling_housing_staff, data=company_data())
    response = client_for(request.getfixturevalue(persona)).get(reverse("audit:event_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "审计日志" in page and "宜昌夷陵物业服务有限公司" in page and xiling_housing_staff.display_name in page


@pytest.mark.parametrize("persona", ["xiling_housing_staff", "street_officer", "police_officer", "company_user",
                                     "county_admin", "city_staff"])
def test_everyone_else_is_refused_the_audit_page(request, client_for, persona):
    response = client_for(request.getfixturevalue(persona)).get(reverse("audit:event_list"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, yichang):
    response = client.get(reverse("audit:event_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.fixture
def county_admin(yichang):
    return officer("420502", "housing", "admin", name="西陵区住建局（管理员）", username="t_xiling_admin")


@pytest.fixture
def city_staff(yichang):
    return officer("420500", "housing", "staff", name="宜昌市住建局（工作人员）", username="t_city_staff")


@pytest.fixture
def mixed_events(client, xiling_housing_staff):
    """A company, a project and a failed login, as they happen."""
    registry_services.create_company(actor=xiling_housing_staff, data=company_data())
    registry_services.create_project(actor=xiling_housing_staff, data={
        "name": "东山花园", "address": "宜昌市西陵区东山大道 12 号", "community": community("420502001001"),
        "company": None, "contract_start": None, "contract_end": None, "households": 90,
    })
    client.post(reverse("accounts:login"), {"username": "zhang_wrong", "password": "nope-nope-1"},
                REMOTE_ADDR="10.9.9.9")


def test_the_audit_page_filters_by_action(client_for, city_admin, mixed_events):
    response = client_for(city_admin).get(reverse("audit:event_list"), {"action": "login_failed"})
    [row] = rows(response)
    assert "zhang_wrong" in row and "10.9.9.9" in row and "登录失败" in row


def test_the_audit_page_filters_by_object_type(client_for, city_admin, mixed_events):
    response = client_for(city_admin).get(reverse("audit:event_list"), {"object_type": "registry.project"})
    [row] = rows(response)
    assert "东山花园" in row and "新增" in row


def test_the_audit_page_searches_names_and_notes(client_for, city_admin, mixed_events):
    admin = client_for(city_admin)
    [row] = rows(admin.get(reverse("audit:event_list"), {"q": "夷陵物业"}))
    assert "宜昌夷陵物业服务有限公司" in row
    assert rows(admin.get(reverse("audit:event_list"), {"q": "不存在的关键词"})) == []
    assert "没有符合条件的记录" in admin.get(reverse("audit:event_list"), {"q": "不存在的关键词"}).content.decode()


def test_the_audit_page_filters_by_date(client_for, city_admin, xiling_housing_staff):
    old = registry_services.create_company(actor=xiling_housing_staff, data=company_data(name="旧的物业公司"))
    registry_services.create_company(actor=xiling_housing_staff, data=company_data(
        name="新的物业公司", credit_code="91330101589882738D"))
    # Given the first registration happened in March (rows are never edited; only the clock moves).
    march = timezone.make_aware(datetime.datetime(2025, 3, 10, 9, 30))
    AuditEvent.objects.filter(object_id=str(old.pk), object_type="registry.company").update(at=march)
    admin = client_for(city_admin)
    url = reverse("audit:event_list")

    march_rows = rows(admin.get(url, {"since": "2025-03-10", "until": "2025-03-10", "object_type": "registry.company"}))
    assert len(march_rows) == 1 and "旧的物业公司" in march_rows[0]
    recent = rows(admin.get(url, {"since": today().isoformat(), "object_type": "registry.company"}))
    assert len(recent) == 1 and "新的物业公司" in recent[0]
    assert rows(admin.get(url, {"until": "2025-03-09", "object_type": "registry.company"})) == []


def test_the_audit_page_paginates(client_for, city_admin):
    for n in range(1, 31):
        record(actor=city_admin, action=AuditAction.EXPORT, object_type="companies", object_repr=f"分页测试{n:02d}")
    admin = client_for(city_admin)
    first = admin.get(reverse("audit:event_list"), {"q": "分页测试"})
    assert len(rows(first)) == 25 and "第 1–25 条，共 30 条" in first.content.decode()
    assert "分页测试30" in rows(first)[0]  # newest first
    second = admin.get(reverse("audit:event_list"), {"q": "分页测试", "page": 2})
    assert len(rows(second)) == 5 and "第 26–30 条，共 30 条" in second.content.decode()
    assert "分页测试01" in rows(second)[-1]

