"""The scoping helper for people and departments, and what users without a territory see.

Registry visibility has its own suite (registry/tests/test_scoping.py); here: user management,
the department API, and the rule that a user without an active department sees nothing.
"""

import pytest
from django.urls import reverse

from propwatch.accounts import scoping
from propwatch.accounts.models import Department, User
from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory, officer
from propwatch.regions.models import Region
from propwatch.registry.models import Company, Project
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community
from propwatch.web.tests.scoping_suite import xlsx_cells


@pytest.fixture
def wujiagang_police(yichang):
    return officer("420503", "police", name="宜昌市公安局伍家岗区分局", username="t_police_wujiagang")


@pytest.fixture
def registry(yichang):
    """A project and its company in each of 西陵区 and 伍家岗区."""
    return [ProjectFactory(community=community("420502001001")),
            ProjectFactory(community=community("420503001001"),
                           company=CompanyFactory(region=Region.objects.get(code="420503")))]


def api_rows(client, basename: str, **params) -> list[dict]:
    response = client.get(reverse(f"{basename}-list"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


# ---- user management: the city administrator sees everyone; nobody else gets in --------------------

def test_city_admin_lists_users_of_every_county(client_for, city_admin, xiling_housing_staff, wujiagang_police,
                                                company_user):
    client = client_for(city_admin)

    html = client.get(reverse("accounts:user_list")).content.decode()
    export = xlsx_cells(client.get(reverse("accounts:user_list"), {"export": "xlsx"}))

    for user in (xiling_housing_staff, wujiagang_police, company_user):
        assert user.username in html
        assert user.username in export


def test_city_admin_opens_and_changes_a_user_of_another_county(client_for, city_admin, wujiagang_police):
    client = client_for(city_admin)
    edit = reverse("accounts:user_edit", args=[wujiagang_police.pk])

    assert client.get(edit).status_code == 200
    assert client.get(reverse("accounts:user_password", args=[wujiagang_police.pk])).status_code == 200
    response = client.post(edit, {"display_name": "伍家岗民警（改）", "department": wujiagang_police.department_id,
                                  "role": "staff", "phone": "", "email": "", "is_active": "on"})
    assert response.status_code == 302
    wujiagang_police.refresh_from_db()
    assert wujiagang_police.display_name == "伍家岗民警（改）"


def test_city_admin_gets_404_for_a_user_that_does_not_exist(client_for, city_admin):
    missing = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    assert client_for(city_admin).get(reverse("accounts:user_edit", args=[missing])).status_code == 404


def test_city_admin_may_place_a_user_in_any_department(client_for, city_admin, wujiagang_police, company_user):
    html = client_for(city_admin).get(reverse("accounts:user_create")).content.decode()

    assert wujiagang_police.department.name in html
    assert company_user.department.name in html


@pytest.mark.parametrize("persona", ["xiling_housing_staff", "wujiagang_housing_staff", "auditor_user",
                                     "street_officer", "company_user"])
def test_user_management_is_403_for_everyone_but_the_city_administrator(request, client_for, persona,
                                                                       xiling_housing_staff):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    # Even a colleague of the same department, or the user itself, cannot be managed from here.
    for target in {user, xiling_housing_staff}:
        for url in (reverse("accounts:user_edit", args=[target.pk]),
                    reverse("accounts:user_password", args=[target.pk])):
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"display_name": "被改写", "password": "Another-pass-2026"}).status_code == 403

    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_list"), {"export": "xlsx"}).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    xiling_housing_staff.refresh_from_db()
    assert xiling_housing_staff.display_name != "被改写"


def test_a_county_housing_administrator_cannot_manage_users_either(client_for, yichang):
    county_admin = officer("420502", "housing", "admin", name="西陵区住建局（管理员）")

    assert client_for(county_admin).get(reverse("accounts:user_list")).status_code == 403


def test_users_in_scope_follow_the_department_region(xiling_housing_staff, wujiagang_police, street_officer,
                                                     company_user, city_admin):
    # The helper behind user management: a region sees the users of its subtree, a company its own.
    everyone = {xiling_housing_staff, wujiagang_police, street_officer, company_user, city_admin}

    def seen_by(user):
        return set(User.objects.visible_to(user)) & everyone

    assert seen_by(city_admin) == everyone
    assert seen_by(xiling_housing_staff) == {xiling_housing_staff, street_officer, company_user}
    assert seen_by(street_officer) == {street_officer}
    assert seen_by(company_user) == {company_user}


# ---- the department API --------------------------------------------------------------------------

def test_department_api_lists_the_county_and_what_lies_below_it(client_for, xiling_housing_staff, street_officer,
                                                               wujiagang_police, city_admin):
    names = {row["name"] for row in api_rows(client_for(xiling_housing_staff), "department")}

    assert xiling_housing_staff.department.name in names
    assert street_officer.department.name in names
    assert wujiagang_police.department.name not in names
    assert city_admin.department.name not in names


def test_department_api_detail_is_404_for_another_county(client_for, xiling_housing_staff, wujiagang_police):
    client = client_for(xiling_housing_staff)
    own = xiling_housing_staff.department

    assert client.get(reverse("department-detail", args=[own.pk])).status_code == 200
    response = client.get(reverse("department-detail", args=[wujiagang_police.department_id]))
    assert response.status_code == 404
    assert wujiagang_police.department.name not in response.content.decode()


def test_street_officer_sees_its_own_department_not_the_county_above(client_for, street_officer,
                                                                    xiling_housing_staff):
    client = client_for(street_officer)

    assert {row["name"] for row in api_rows(client, "department")} == {street_officer.department.name}
    assert client.get(reverse("department-detail", args=[xiling_housing_staff.department_id])).status_code == 404


def test_company_user_sees_only_its_own_department(client_for, company_user, xiling_housing_staff):
    client = client_for(company_user)

    assert [row["id"] for row in api_rows(client, "department")] == [company_user.department_id]
    assert client.get(reverse("department-detail", args=[xiling_housing_staff.department_id])).status_code == 404


def test_city_sees_every_department(client_for, city_admin, xiling_housing_staff, wujiagang_police, company_user):
    ids = {row["id"] for row in api_rows(client_for(city_admin), "department", page_size=500)}

    assert {xiling_housing_staff.department_id, wujiagang_police.department_id,
            company_user.department_id} <= ids


def test_department_kind_filter_stays_inside_the_scope(client_for, xiling_housing_staff, police_officer,
                                                      wujiagang_police):
    rows = api_rows(client_for(xiling_housing_staff), "department", kind="police")

    assert [row["name"] for row in rows] == [police_officer.department.name]


# ---- without an active department a user sees nothing ---------------------------------------------

@pytest.fixture
def no_department_user(yichang):
    return UserFactory(department=None, username="t_nobody")


@pytest.fixture
def inactive_department_user(yichang):
    # A city-wide housing administrator whose office has been dissolved: it had seen everything.
    dept = DepartmentFactory(region=Region.objects.get(code="420500"), is_active=False, name="已撤销的科室")
    return UserFactory(department=dept, role="admin", username="t_dissolved")


TERRITORYLESS = ["no_department_user", "inactive_department_user"]


@pytest.mark.parametrize("persona", TERRITORYLESS)
def test_without_an_active_department_every_scope_is_empty(request, registry, persona, city_admin):
    user = request.getfixturevalue(persona)

    assert not Company.objects.visible_to(user).exists()
    assert not Project.objects.visible_to(user).exists()
    assert not Department.objects.visible_to(user).exists()
    assert not User.objects.visible_to(user).exists()
    assert scoping.region_path(user) is None and scoping.company_id(user) is None


@pytest.mark.parametrize("persona", TERRITORYLESS)
def test_without_an_active_department_the_pages_and_api_give_nothing_away(request, client_for, registry, persona):
    client = client_for(request.getfixturevalue(persona))
    project = registry[0]
    missing = project.pk + 10_000

    # Lists are refused outright (the role table grants such a user nothing)…
    for url in (reverse("registry:project_list"), reverse("registry:company_list"), reverse("project-list"),
                reverse("company-list"), reverse("department-list")):
        response = client.get(url)
        assert response.status_code == 403, url
        assert project.name not in response.content.decode()
    # …and a real record answers exactly like a missing one.
    for name in ("registry:project_detail", "project-detail"):
        real, absent = client.get(reverse(name, args=[project.pk])), client.get(reverse(name, args=[missing]))
        assert real.status_code == absent.status_code
        assert real.status_code in (403, 404)
        assert project.name not in real.content.decode()


def test_home_page_shows_no_figures_without_an_active_department(client_for, inactive_department_user,
                                                                  xiling_housing_staff, registry):
    dissolved = client_for(inactive_department_user).get(reverse("web:home")).content.decode()
    working = client_for(xiling_housing_staff).get(reverse("web:home")).content.decode()

    # A working department's home links to its registry; a dissolved one's offers nothing to open.
    assert reverse("registry:project_list") in working
    assert reverse("registry:project_list") not in dissolved
    assert reverse("registry:company_list") not in dissolved


def test_reactivating_the_department_restores_the_view(client_for, inactive_department_user, registry):
    # The empty view comes from the department's state alone, not from something lost on the way.
    dept = inactive_department_user.department
    dept.is_active = True
    dept.save()

    ids = {row["id"] for row in api_rows(client_for(inactive_department_user), "project")}

    assert ids == {p.pk for p in registry}
