"""The Chinese error pages a user meets when something goes wrong."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from propwatch.urls import urlpatterns as base_patterns


def _boom(request):
    raise RuntimeError("simulated failure")


urlpatterns = [*base_patterns, path("boom/", _boom)]
handler500 = "propwatch.web.views.error_500"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_unexpected_error_shows_chinese_500_page_without_a_stack_trace():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错" in body and "Traceback" not in body and "simulated failure" not in body


def test_missing_page_is_a_chinese_404(client_for, xiling_housing_staff):
    response = client_for(xiling_housing_staff).get("/registry/projects/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_forbidden_action_is_a_chinese_403(client_for, police_officer):
    response = client_for(police_officer).get("/registry/companies/new/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/registry/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
