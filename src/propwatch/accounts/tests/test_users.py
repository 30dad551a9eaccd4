"""User management: only the city administrator, through the pages, with the refusals users meet."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from propwatch.accounts.choices import DepartmentKind, Role
from propwatch.accounts.models import Department, User
from propwatch.audit.models import AuditAction, AuditEvent

from .factories import DepartmentFactory, officer

TEST_PASSWORD = "Test-pass-2026"
NEW_PASSWORD = "Xiling-Street-2026"


@pytest.fixture
def county_admin(yichang):
    return officer("420502", DepartmentKind.HOUSING, Role.ADMIN, name="西陵区住建局", username="t_xiling_admin")


@pytest.fixture
def admin(client_for, city_admin):
    return client_for(city_admin)


@pytest.fixture
def street_dept(street_officer):
    return street_officer.department


def new_user_post(department: Department, **overrides):
    data = {
        "username": "chen_jing", "password": NEW_PASSWORD, "display_name": "陈静", "department": str(department.pk),
        "role": Role.STAFF, "phone": "13900002222", "email": "", "is_active": "on",
    }
    return data | overrides


def edit_post(user: User, **overrides):
    data = {
        "display_name": user.display_name, "department": str(user.department_id), "role": user.role,
        "phone": user.phone, "email": user.email, "is_active": "on" if user.is_active else "",
    }
    data |= overrides
    return {k: v for k, v in data.items() if v != ""}  # an unticked box is simply not sent


def field_errors(response) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', response.content.decode())


def can_sign_in(username: str, password: str) -> bool:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client.session.get("_auth_user_id") is not None


# ---- who may manage users ----------------------------------------------------------------------

def test_the_city_admin_sees_the_user_list(admin, xiling_housing_staff):
    response = admin.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "用户管理" in page and xiling_housing_staff.username in page and "新建用户" in page


@pytest.mark.parametrize("persona", ["county_admin", "auditor_user", "xiling_housing_staff", "company_user"])
def test_everyone_else_gets_403_on_every_user_page(request, client_for, persona, street_officer):
    someone = client_for(request.getfixturevalue(persona))
    for url in (reverse("accounts:user_list"), reverse("accounts:user_create"),
                reverse("accounts:user_edit", args=[street_officer.pk]),
                reverse("accounts:user_password", args=[street_officer.pk])):
        assert someone.get(url).status_code == 403, url
    response = someone.post(reverse("accounts:user_create"), new_user_post(street_officer.department))
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    assert not User.objects.filter(username="chen_jing").exists()
    someone.post(reverse("accounts:user_edit", args=[street_officer.pk]), edit_post(street_officer, is_active=""))
    street_officer.refresh_from_db()
    assert street_officer.is_active


# ---- creating users ----------------------------------------------------------------------------

def test_the_city_admin_creates_a_user_who_can_then_sign_in(admin, street_dept):
    response = admin.post(reverse("accounts:user_create"), new_user_post(street_dept), follow=True)
    assert "已建立用户 chen_jing" in response.content.decode()
    user = User.objects.get(username="chen_jing")
    assert (user.display_name, user.department, user.role, user.is_active) == ("陈静", street_dept, "staff", True)
    assert can_sign_in("chen_jing", NEW_PASSWORD)


@pytest.mark.parametrize(("password", "message"), [
    ("2026202620", "密码只包含数字。"),
    ("Ab-1", "此密码太短，至少要包含 10 个字符。"),
    ("password123", "这个密码太常见了。"),
])
def test_a_weak_password_is_refused_in_chinese(admin, street_dept, password, message):
    response = admin.post(reverse("accounts:user_create"), new_user_post(street_dept, password=password))
    assert response.status_code == 200
    assert message in field_errors(response)
    assert not User.objects.filter(username="chen_jing").exists()


@pytest.mark.parametrize("username", ["t_xiling_street", "T_Xiling_Street"])
def test_a_taken_username_is_refused(admin, street_officer, username):
    response = admin.post(reverse("accounts:user_create"), new_user_post(street_officer.department, username=username))
    assert response.status_code == 200
    [error] = field_errors(response)
    assert error in ("已存在一位使用该名字的用户。", f"用户名 {username} 已被使用")
    assert User.objects.filter(username__iexact="t_xiling_street").count() == 1


def test_a_username_in_chinese_characters_is_refused(admin, street_dept):
    response = admin.post(reverse("accounts:user_create"), new_user_post(street_dept, username="陈静"))
    assert field_errors(response) == ["用户名只能使用 3–40 位英文字母、数字、下划线、点或短横线"]
    assert not User.objects.filter(display_name="陈静").exists()


def test_a_company_account_cannot_be_an_auditor(admin, company_user):
    response = admin.post(reverse("accounts:user_create"),
                          new_user_post(company_user.department, role=Role.AUDITOR))
    assert field_errors(response) == ["物业服务企业账号不能设为审计员"]
    assert not User.objects.filter(username="chen_jing").exists()


# ---- changing users ----------------------------------------------------------------------------

def test_the_city_admin_changes_role_and_department(admin, city_admin, street_officer, yichang):
    other_dept = DepartmentFactory(name="学院街道办事处", kind=DepartmentKind.STREET_OFFICE,
                                   region=yichang.children.get(code="420502").children.get(code="420502002"))
    response = admin.post(reverse("accounts:user_edit", args=[street_officer.pk]),
                          edit_post(street_officer, role=Role.LEADER, department=str(other_dept.pk)), follow=True)
    assert f"已保存用户 {street_officer.username}" in response.content.decode()
    street_officer.refresh_from_db()
    assert (street_officer.role, street_officer.department) == (Role.LEADER, other_dept)
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(street_officer.pk),
                                   action=AuditAction.UPDATE)
    assert event.actor == city_admin
    assert event.after == {"role": "leader", "department_id": other_dept.pk}


def test_a_deactivated_user_cannot_sign_in_and_loses_the_open_session(admin, client_for, street_officer):
    open_session = client_for(street_officer)
    assert open_session.get(reverse("web:home")).status_code == 200
    admin.post(reverse("accounts:user_edit", args=[street_officer.pk]), edit_post(street_officer, is_active=""))
    street_officer.refresh_from_db()
    assert not street_officer.is_active

    listing = admin.get(reverse("accounts:user_list"), {"is_active": "0"}).content.decode()
    assert street_officer.username in listing and "停用" in listing
    assert not can_sign_in(street_officer.username, TEST_PASSWORD)
    refused = Client().post(reverse("accounts:login"), {"username": street_officer.username,
                                                        "password": TEST_PASSWORD})
    assert "用户名或密码不正确" in refused.content.decode()
    assert open_session.get(reverse("web:home")).status_code == 302


def test_an_admin_cannot_deactivate_themself(admin, city_admin):
    response = admin.post(reverse("accounts:user_edit", args=[city_admin.pk]), edit_post(city_admin, is_active=""))
    assert response.status_code == 200
    assert "不能停用自己的账号" in response.content.decode()
    city_admin.refresh_from_db()
    assert city_admin.is_active
    assert not AuditEvent.objects.filter(object_id=str(city_admin.pk), action=AuditAction.UPDATE).exists()


def test_an_admin_cannot_demote_or_move_themself(admin, city_admin, street_dept):
    url = reverse("accounts:user_edit", args=[city_admin.pk])
    demoted = admin.post(url, edit_post(city_admin, role=Role.STAFF))
    assert field_errors(demoted) == ["不能修改自己的角色，请由其他管理员操作"]
    moved = admin.post(url, edit_post(city_admin, department=str(street_dept.pk)))
    assert field_errors(moved) == ["不能修改自己的所属部门，请由其他管理员操作"]
    city_admin.refresh_from_db()
    assert city_admin.role == Role.ADMIN and city_admin.department.region.code == "420500"
    # Their own name and phone they may change.
    response = admin.post(url, edit_post(city_admin, display_name="周建华", phone="13700009999"), follow=True)
    assert f"已保存用户 {city_admin.username}" in response.content.decode()
    city_admin.refresh_from_db()
    assert (city_admin.display_name, city_admin.phone) == ("周建华", "13700009999")


def test_the_city_admin_resets_a_password(admin, city_admin, street_officer):
    url = reverse("accounts:user_password", args=[street_officer.pk])
    weak = admin.post(url, {"password": "1234567890"})
    assert "密码只包含数字。" in field_errors(weak)
    assert can_sign_in(street_officer.username, TEST_PASSWORD)

    response = admin.post(url, {"password": NEW_PASSWORD}, follow=True)
    assert f"已重置 {street_officer.username} 的密码" in response.content.decode()
    assert can_sign_in(street_officer.username, NEW_PASSWORD)
    assert not can_sign_in(street_officer.username, TEST_PASSWORD)
    event = AuditEvent.objects.get(object_id=str(street_officer.pk), note="重置密码")
    assert event.actor == city_admin and event.before is None and event.after is None
