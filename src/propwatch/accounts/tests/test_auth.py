"""Signing in: the password hasher, the login page and the lockout after repeated failures."""

from django.test import Client
from django.urls import reverse

from propwatch import settings as project_settings
from propwatch.accounts import services
from propwatch.audit.models import AuditAction, AuditEvent

from .factories import DepartmentFactory

TEST_PASSWORD = "Test-pass-2026"
WRONG = "Not-the-password-1"
LOCKED_OUT = "登录已暂时锁定"


def sign_in(client, username: str, password: str, ip: str = "10.1.1.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_argon2_is_the_first_password_hasher():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_user_created_through_the_service_gets_an_argon2_hash(settings, client, city_admin):
    # The suite hashes with MD5 for speed; this test puts the production list back.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = services.create_user(actor=city_admin, username="argon_user", password="Yiling-river-2026", data={
        "display_name": "钱学", "department": DepartmentFactory(), "role": "staff", "is_active": True,
    })
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert sign_in(client, "argon_user", "Yiling-river-2026").status_code == 302
    assert signed_in_as(client) == str(user.pk)


def test_the_login_page_is_in_chinese(client, yichang):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "物业专项整治监管平台" in page and "用户名" in page and "密码" in page and "忘记密码请联系本单位管理员重置" in page


def test_a_correct_password_signs_in_and_goes_home(client, xiling_housing_staff):
    response = sign_in(client, xiling_housing_staff.username, TEST_PASSWORD)
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert signed_in_as(client) == str(xiling_housing_staff.pk)


def test_a_wrong_password_is_refused_in_chinese(client, xiling_housing_staff):
    response = sign_in(client, xiling_housing_staff.username, WRONG)
    assert response.status_code == 200
    assert "用户名或密码不正确。连续输错多次后账号将被暂时锁定。" in response.content.decode()
    assert signed_in_as(client) is None


def test_five_wrong_passwords_lock_the_login_and_the_right_one_is_then_refused(client, xiling_housing_staff):
    name = xiling_housing_staff.username
    for _ in range(4):
        response = sign_in(client, name, WRONG)
        assert response.status_code == 200 and LOCKED_OUT not in response.content.decode()

    fifth = sign_in(client, name, WRONG)
    assert fifth.status_code == 429  # django-axes answers "Too Many Requests"
    page = fifth.content.decode()
    assert LOCKED_OUT in page and "15 分钟" in page and "返回登录" in page

    during = sign_in(client, name, TEST_PASSWORD)
    assert during.status_code == 429 and LOCKED_OUT in during.content.decode()
    assert signed_in_as(client) is None
    assert client.get(reverse("web:home")).status_code == 302  # still sent to the login page

    # Every refusal is in the audit trail, the one with the right password included.
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name=name).count() == 6
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_the_lockout_is_for_that_account_from_that_address_only(client, xiling_housing_staff, street_officer):
    for _ in range(5):
        sign_in(client, xiling_housing_staff.username, WRONG)
    # A colleague at the same office (same address) can still sign in.
    assert sign_in(client, street_officer.username, TEST_PASSWORD).status_code == 302
    assert signed_in_as(client) == str(street_officer.pk)


def test_a_successful_login_resets_the_failure_count(client, xiling_housing_staff):
    name = xiling_housing_staff.username
    for _ in range(4):
        sign_in(client, name, WRONG)
    assert sign_in(client, name, TEST_PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert sign_in(client, name, WRONG).status_code == 200
    assert sign_in(client, name, TEST_PASSWORD).status_code == 302


def test_logout_needs_a_post_and_ends_the_session(client, xiling_housing_staff):
    sign_in(client, xiling_housing_staff.username, TEST_PASSWORD)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_as(client) is not None
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert signed_in_as(client) is None


def test_the_lockout_is_five_failures_for_fifteen_minutes():
    # README promises five failures and a 15-minute lockout (PROPWATCH_LOGIN_FAILURE_LIMIT changes the five).
    assert project_settings.AXES_FAILURE_LIMIT == 5
    assert project_settings.AXES_COOLOFF_TIME * 60 == 15


def test_a_forged_forwarded_header_does_not_escape_the_lockout(client, xiling_housing_staff):
    # Without a trusted proxy the header is the client's own words, so it is ignored.
    name = xiling_housing_staff.username
    for n in range(5):
        client.post(reverse("accounts:login"), {"username": name, "password": WRONG},
                    REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=f"58.19.0.{n}")
    response = client.post(reverse("accounts:login"), {"username": name, "password": TEST_PASSWORD},
                           REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="58.19.0.99")
    assert response.status_code == 429 and signed_in_as(client) is None


def test_behind_a_trusted_proxy_the_lockout_follows_the_client_not_the_proxy(settings, xiling_housing_staff):
    settings.TRUST_X_FORWARDED_FOR = True
    name = xiling_housing_staff.username
    attacker, colleague = Client(), Client()
    for _ in range(5):
        attacker.post(reverse("accounts:login"), {"username": name, "password": WRONG},
                      REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="58.19.7.7")
    locked = attacker.post(reverse("accounts:login"), {"username": name, "password": TEST_PASSWORD},
                           REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="58.19.7.7")
    assert locked.status_code == 429
    # The officer at another address, through the same proxy, still signs in.
    response = colleague.post(reverse("accounts:login"), {"username": name, "password": TEST_PASSWORD},
                              REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="58.19.8.8")
    assert response.status_code == 302 and signed_in_as(colleague) == str(xiling_housing_staff.pk)
