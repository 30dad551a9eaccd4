"""Each demo persona signs in through the login form and lands on its own home page, offline."""

import pytest

from propwatch.demo.loader import PERSONAS

from .conftest import Web

ALL_NAV = ["首页", "物业企业", "物业项目", "批量导入", "用户管理", "审计日志"]
READ_ONLY_NAV = ["首页", "物业企业", "物业项目"]

# username → (which of the ALL_NAV items the role gets, the scope line on the home page, projects
# in scope). Written out by hand rather than derived from permissions.py, so a change to the rules
# shows here. Items other features add to the navigation are theirs to test.
EXPECTED = {
    "city_admin": (ALL_NAV, "管辖范围：宜昌市", 4),
    "xiling_housing": (["首页", "物业企业", "物业项目", "批量导入"], "管辖范围：西陵区", 2),
    "wujiagang_housing": (["首页", "物业企业", "物业项目", "批量导入"], "管辖范围：伍家岗区", 2),
    "xiling_street": (READ_ONLY_NAV, "管辖范围：西陵街道", 1),
    "police_xiling": (READ_ONLY_NAV, "管辖范围：西陵区", 2),
    "market_xiling": (READ_ONLY_NAV, "管辖范围：西陵区", 2),
    "drc_city": (READ_ONLY_NAV, "管辖范围：宜昌市", 4),
    "company_demo": (READ_ONLY_NAV, "管辖范围：本企业的项目", 2),
    "auditor": (["首页", "物业企业", "物业项目", "审计日志"], "管辖范围：宜昌市", 4),
}


def test_expectations_cover_every_demo_persona():
    assert sorted(EXPECTED) == sorted(p.username for p in PERSONAS)


def test_the_foreign_request_check_flags_any_other_origin():
    web = Web(page=None, base_url="http://localhost:8123", requests=[
        "http://localhost:8123/static/web/app.css", "data:image/svg+xml,%3csvg%3e",
        "https://cdn.example.com/tabler.min.css", "http://localhost:9999/x", "https://localhost:8123/",
    ])
    assert web.foreign_requests() == [
        "https://cdn.example.com/tabler.min.css", "http://localhost:9999/x", "https://localhost:8123/"]


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.username)
def test_persona_signs_in_and_sees_its_home_page_without_leaving_the_server(personas, web, persona):
    nav, scope_line, projects = EXPECTED[persona.username]

    # When the persona signs in through the login form with its password,
    web.login(persona.username)

    # then it lands on the home page titled with its department, greeted by name, within its scope,
    page = web.page
    assert page.url == web.base_url + "/"
    assert page.locator("h2.page-title").inner_text().strip() == persona.department
    greeting = page.locator(".page-header").inner_text()
    assert f"{persona.display_name}，您好。" in greeting
    assert scope_line in greeting
    assert page.title() == "首页 · 物业专项整治监管平台"
    # with the registry counted within its scope only,
    assert page.locator(".card-link", has_text="物业项目").locator(".h1").inner_text() == str(projects)
    # and, of the registry and administration sections, exactly those its role should have.
    assert [label for label in web.nav_labels() if label in ALL_NAV] == nav
    web.screenshot(f"home-{persona.username}")

    # No request went anywhere but the live server, and nothing failed to load or run.
    assert web.requests, "the browser recorded no requests at all"
    assert web.foreign_requests() == []
    assert web.failed_responses == []
    assert web.console_errors == []

