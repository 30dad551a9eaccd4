"""Signing in to the API: tokens, sessions, refusals, lockout and the audit trail."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from propwatch.accounts.tests.factories import UserFactory
from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.registry.tests.factories import ProjectFactory, community

TEST_PASSWORD = "Test-pass-2026"  # what UserFactory sets
TOKEN_URL = "/api/v1/auth/token/"
BAD_LOGIN = "用户名或密码不正确。连续输错多次后账号将被暂时锁定。"
ENDPOINTS = ["/api/v1/regions/", "/api/v1/departments/", "/api/v1/companies/", "/api/v1/projects/"]


def _token(client, username, password=TEST_PASSWORD, **kwargs):
    return client.post(TOKEN_URL, {"username": username, "password": password},
                       content_type="application/json", **kwargs)


@pytest.fixture
def api(db):
    # enforce_csrf_checks: a token client must not need the CSRF dance a browser does.
    return Client(enforce_csrf_checks=True)


def test_the_right_password_returns_a_token(api, xiling_housing_staff):
    response = _token(api, "t_xiling_housing")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=xiling_housing_staff).key}
    # Asking again gives the same token: clients may hold on to it.
    assert _token(api, "t_xiling_housing").json() == response.json()


def test_a_form_encoded_request_works_too(api, xiling_housing_staff):
    response = api.post(TOKEN_URL, {"username": "t_xiling_housing", "password": TEST_PASSWORD})

    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_getting_a_token_is_audited_as_a_login(api, xiling_housing_staff):
    _token(api, "t_xiling_housing", REMOTE_ADDR="10.1.2.3")

    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.actor == xiling_housing_staff and event.ip == "10.1.2.3"
    xiling_housing_staff.refresh_from_db()
    assert xiling_housing_staff.last_login is not None


def test_a_wrong_password_is_refused_in_chinese_and_audited(api, xiling_housing_staff):
    response = _token(api, "t_xiling_housing", "Wrong-pass-0000", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [BAD_LOGIN]}
    assert not Token.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.object_repr == "t_xiling_housing" and event.ip == "10.1.2.3" and event.actor is None
    assert "Wrong-pass" not in f"{event.note}{event.before}{event.after}"


@pytest.mark.parametrize("username", ["nobody_here", "t_inactive"])
def test_unknown_and_disabled_accounts_get_the_same_answer(api, xiling_housing_staff, username):
    UserFactory(username="t_inactive", is_active=False)

    response = _token(api, username)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [BAD_LOGIN]}
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr=username).count() == 1


def test_missing_fields_are_named_in_chinese(api, db):
    response = api.post(TOKEN_URL, {"username": " "}, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"username": ["请填写用户名"], "password": ["请填写密码"]}


def test_only_post_is_accepted(api, db):
    assert api.get(TOKEN_URL).status_code == 405


def test_five_failures_lock_the_token_endpoint_even_for_the_right_password(api, xiling_housing_staff):
    statuses = [_token(api, "t_xiling_housing", f"Wrong-pass-{i}").status_code for i in range(5)]

    assert statuses == [400, 400, 400, 400, 429]
    response = _token(api, "t_xiling_housing")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "锁定" in response.json()["detail"]
    assert not Token.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 6


def test_the_lockout_is_per_account(api, xiling_housing_staff, wujiagang_housing_staff):
    for i in range(5):
        _token(api, "t_xiling_housing", f"Wrong-pass-{i}")

    assert _token(api, "t_wujiagang_housing").status_code == 200


def test_failures_on_the_login_page_count_for_the_token_endpoint(xiling_housing_staff):
    # One counter for both doors: an attacker cannot switch to the API after the page locks.
    browser = Client()
    for i in range(5):
        browser.post("/accounts/login/", {"username": "t_xiling_housing", "password": f"Wrong-pass-{i}"})

    assert _token(Client(), "t_xiling_housing").status_code == 429


def test_failures_on_the_token_endpoint_lock_the_login_page(api, xiling_housing_staff):
    for i in range(5):
        _token(api, "t_xiling_housing", f"Wrong-pass-{i}")

    page = Client().post("/accounts/login/", {"username": "t_xiling_housing", "password": TEST_PASSWORD})

    assert page.status_code == 429
    assert "_auth_user_id" not in Client().session


def test_a_successful_token_login_starts_the_failure_count_again(api, xiling_housing_staff):
    for i in range(4):
        _token(api, "t_xiling_housing", f"Wrong-pass-{i}")
    assert _token(api, "t_xiling_housing").status_code == 200

    for i in range(4):
        assert _token(api, "t_xiling_housing", f"Wrong-pass-{i}").status_code == 400
    assert _token(api, "t_xiling_housing").status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
def test_the_token_opens_every_endpoint(api, xiling_housing_staff, url):
    key = _token(api, "t_xiling_housing").json()["token"]

    response = Client().get(url, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert {"count", "next", "previous", "results"} <= set(response.json())


def test_a_token_client_can_write_without_csrf(api, xiling_housing_staff):
    key = _token(api, "t_xiling_housing").json()["token"]

    response = api.post("/api/v1/projects/", {
        "name": "令牌新建小区", "address": "西陵区测试路 9 号", "community": "420502001001", "households": 120,
    }, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 201, response.json()
    assert AuditEvent.objects.get(action=AuditAction.CREATE, object_type="registry.project").actor == (
        xiling_housing_staff)


def test_a_session_signed_in_on_the_pages_also_works(xiling_housing_staff):
    browser = Client()
    browser.post("/accounts/login/", {"username": "t_xiling_housing", "password": TEST_PASSWORD})

    project = ProjectFactory(community=community("420502001001"))
    response = browser.get(f"/api/v1/projects/{project.pk}/")

    assert response.status_code == 200 and response.json()["code"] == project.code


def test_a_session_write_needs_the_csrf_token(xiling_housing_staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(xiling_housing_staff)

    response = browser.post("/api/v1/projects/", {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_signed_out_callers_are_refused_in_chinese(api, yichang, url):
    response = api.get(url)

    assert response.status_code in (401, 403)
    assert response.json() == {"detail": "身份认证信息未提供。"}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_wrong_token_is_refused_in_chinese(api, yichang, url):
    response = api.get(url, HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert response.status_code in (401, 403)
    assert response.json() == {"detail": "认证令牌无效。"}


def test_a_token_stops_working_when_the_account_is_disabled(api, xiling_housing_staff):
    key = _token(api, "t_xiling_housing").json()["token"]
    xiling_housing_staff.is_active = False
    xiling_housing_staff.save()

    response = api.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "用户未激活或者已删除。"
