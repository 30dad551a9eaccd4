"""Who sees which companies and projects: the scoping suite for both, and the special cases.

The suite (propwatch.web.tests.scoping_suite) covers "another county is a 404 everywhere". The
tests below cover what the suite cannot: a company seen through a project it manages, a street
office's narrower scope, a company's own account, and the choices offered by forms and filters.
"""

import pytest
from django.urls import reverse

from propwatch.regions.models import Level, Region
from propwatch.registry.models import Company, Project
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community
from propwatch.web.tests.scoping_suite import (
    WUJIAGANG,
    XILING,
    ScopingSuite,
    select_options,
    xlsx_cells,
    xlsx_column,
)

# One community in each place the tests need (codes of the loaded territory).
XILING_STREET_COMMUNITY = "420502001001"  # 西陵区 / 西陵街道
XUEYUAN_STREET_COMMUNITY = "420502002001"  # 西陵区 / 学院街道: same county, another street
WUJIAGANG_COMMUNITY = "420503001001"  # 伍家岗区 / 大公桥街道


def county(code: str) -> Region:
    return Region.objects.get(code=code)


def api_ids(client, basename: str, **params) -> set[int]:
    response = client.get(reverse(f"{basename}-list"), params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ---- the suite, once per model -----------------------------------------------------------------

class TestCompanyScoping(ScopingSuite):
    list_url = "registry:company_list"
    detail_url = "registry:company_detail"
    edit_url = "registry:company_edit"
    api_basename = "company"

    def make(self, county_code, name):
        # Registered in the county and managing one project there, as most companies do.
        company = CompanyFactory(name=name, region=county(county_code))
        ProjectFactory(company=company, community=community(f"{county_code}001001"))
        return company

    def edit_form_data(self, obj, name):
        return {"name": name, "credit_code": obj.credit_code, "filing_no": obj.filing_no,
                "legal_representative": obj.legal_representative, "contact_phone": obj.contact_phone,
                "address": obj.address, "region": obj.region_id, "override_reason": ""}


class TestProjectScoping(ScopingSuite):
    list_url = "registry:project_list"
    detail_url = "registry:project_detail"
    edit_url = "registry:project_edit"
    api_basename = "project"

    def make(self, county_code, name):
        company = CompanyFactory(region=county(county_code))
        return ProjectFactory(name=name, company=company, community=community(f"{county_code}001001"))

    def edit_form_data(self, obj, name):
        return {"code": obj.code, "name": name, "address": obj.address, "community": obj.community_id,
                "company": obj.company.credit_code, "contract_start": "2020-01-01",
                "contract_end": "2030-12-31", "households": obj.households}


# ---- a company is seen through the projects it manages -----------------------------------------

@pytest.fixture
def cross_county_company(yichang):
    """Registered in 伍家岗区, managing one project there and one in 西陵区."""
    company = CompanyFactory(name="伍家岗注册跨区物业有限公司", region=county(WUJIAGANG))
    ProjectFactory(company=company, name="跨区伍家岗苑", community=community(WUJIAGANG_COMMUNITY))
    ProjectFactory(company=company, name="跨区西陵小区", community=community(XILING_STREET_COMMUNITY))
    return company


def test_company_registered_elsewhere_is_visible_where_it_manages_a_project(
        client_for, xiling_housing_staff, cross_county_company):
    client = client_for(xiling_housing_staff)

    listing = client.get(reverse("registry:company_list")).content.decode()
    detail = client.get(reverse("registry:company_detail", args=[cross_county_company.pk]))
    export = xlsx_cells(client.get(reverse("registry:company_list"), {"export": "xlsx"}))

    assert cross_county_company.name in listing
    assert detail.status_code == 200
    assert cross_county_company.name in export
    assert cross_county_company.pk in api_ids(client, "company")
    assert client.get(reverse("company-detail", args=[cross_county_company.pk])).status_code == 200


def test_company_detail_lists_only_the_projects_in_scope(client_for, xiling_housing_staff, cross_county_company):
    client = client_for(xiling_housing_staff)

    html = client.get(reverse("registry:company_detail", args=[cross_county_company.pk])).content.decode()

    assert "跨区西陵小区" in html
    assert "跨区伍家岗苑" not in html
    assert "您管辖范围内 1 个" in html


def test_company_project_count_counts_only_projects_in_scope(client_for, xiling_housing_staff,
                                                             cross_county_company):
    # The list, the export and the API give the same number as the detail page: the projects the
    # user may see. A 西陵区 user does not learn how many projects the company runs elsewhere.
    client = client_for(xiling_housing_staff)

    api_row = client.get(reverse("company-detail", args=[cross_county_company.pk])).json()
    export = client.get(reverse("registry:company_list"), {"export": "xlsx", "q": cross_county_company.name})
    page = client.get(reverse("registry:company_list"), {"q": cross_county_company.name})

    assert api_row["project_count"] == 1
    assert [c.project_count for c in page.context["page"].object_list] == [1]
    assert xlsx_column(export, "在管项目数") == [1]


def test_the_other_county_still_sees_the_company_and_both_projects_count_for_the_city(
        client_for, wujiagang_housing_staff, city_admin, cross_county_company):
    wujiagang = client_for(wujiagang_housing_staff)
    city = client_for(city_admin)

    assert wujiagang.get(reverse("company-detail", args=[cross_county_company.pk])).json()["project_count"] == 1
    assert city.get(reverse("company-detail", args=[cross_county_company.pk])).json()["project_count"] == 2


def test_a_project_of_a_visible_company_in_another_county_stays_hidden(
        client_for, xiling_housing_staff, cross_county_company):
    client = client_for(xiling_housing_staff)
    hidden = Project.objects.get(name="跨区伍家岗苑")

    assert client.get(reverse("registry:project_detail", args=[hidden.pk])).status_code == 404
    listing = client.get(reverse("registry:project_list"), {"company": cross_county_company.pk}).content.decode()
    assert "跨区西陵小区" in listing
    assert "跨区伍家岗苑" not in listing
    assert hidden.pk not in api_ids(client, "project", company=cross_county_company.pk)


# ---- a street office sees its street -----------------------------------------------------------

@pytest.fixture
def two_streets(yichang):
    """A project in 西陵街道 and one in 学院街道 (both 西陵区), each with its own company."""
    here = ProjectFactory(name="西陵街道内小区", community=community(XILING_STREET_COMMUNITY),
                          company=CompanyFactory(name="西陵街道服务物业"))
    there = ProjectFactory(name="学院街道内小区", community=community(XUEYUAN_STREET_COMMUNITY),
                           company=CompanyFactory(name="学院街道服务物业"))
    return here, there


def test_street_officer_sees_only_its_street_projects(client_for, street_officer, two_streets):
    here, there = two_streets
    client = client_for(street_officer)

    listing = client.get(reverse("registry:project_list")).content.decode()
    export = xlsx_cells(client.get(reverse("registry:project_list"), {"export": "xlsx"}))

    assert here.name in listing and there.name not in listing
    assert here.name in export and there.name not in export
    assert api_ids(client, "project") == {here.pk}


def test_street_officer_gets_404_for_a_project_in_another_street_of_the_same_county(
        client_for, street_officer, two_streets):
    here, there = two_streets
    client = client_for(street_officer)

    assert client.get(reverse("registry:project_detail", args=[here.pk])).status_code == 200
    assert client.get(reverse("registry:project_detail", args=[there.pk])).status_code == 404
    assert client.get(reverse("registry:project_disclosure", args=[there.pk])).status_code == 404
    assert client.get(reverse("project-detail", args=[there.pk])).status_code == 404


def test_street_officer_sees_the_companies_serving_its_street_only(client_for, street_officer, two_streets):
    here, there = two_streets
    client = client_for(street_officer)

    assert api_ids(client, "company") == {here.company_id}
    assert client.get(reverse("registry:company_detail", args=[here.company_id])).status_code == 200
    assert client.get(reverse("registry:company_detail", args=[there.company_id])).status_code == 404


def test_county_staff_see_both_streets(client_for, xiling_housing_staff, two_streets):
    here, there = two_streets

    assert api_ids(client_for(xiling_housing_staff), "project") == {here.pk, there.pk}


# ---- a company's own account -------------------------------------------------------------------

@pytest.fixture
def other_company(yichang):
    """Another company with a project in the very community where company_user's company works."""
    company = CompanyFactory(name="别家物业服务有限公司", region=county(XILING))
    ProjectFactory(company=company, name="别家花园", community=community(XILING_STREET_COMMUNITY))
    return company


def test_company_user_sees_its_own_company_and_projects_in_both_counties(client_for, company_user, other_company):
    client = client_for(company_user)
    own = company_user.department.company
    own_projects = set(own.projects.values_list("pk", flat=True))

    companies = client.get(reverse("registry:company_list")).content.decode()
    projects = client.get(reverse("registry:project_list")).content.decode()
    export = xlsx_cells(client.get(reverse("registry:project_list"), {"export": "xlsx"}))

    assert own.name in companies and other_company.name not in companies
    assert "江城西陵花园" in projects and "江城伍家岗苑" in projects and "别家花园" not in projects
    assert {"江城西陵花园", "江城伍家岗苑"} <= export and "别家花园" not in export
    assert api_ids(client, "company") == {own.pk}
    assert api_ids(client, "project") == own_projects
    assert len(own_projects) == 2


def test_company_user_gets_404_for_other_companies_and_their_projects(client_for, company_user, other_company):
    client = client_for(company_user)
    other_project = other_company.projects.get()

    for url in (reverse("registry:company_detail", args=[other_company.pk]),
                reverse("registry:project_detail", args=[other_project.pk]),
                reverse("company-detail", args=[other_company.pk]),
                reverse("project-detail", args=[other_project.pk])):
        assert client.get(url).status_code == 404, url


def test_company_user_cannot_filter_its_way_to_another_company(client_for, company_user, other_company):
    client = client_for(company_user)

    html = client.get(reverse("registry:project_list"), {"company": other_company.pk}).content.decode()

    assert "别家花园" not in html
    assert other_company.name not in html
    assert api_ids(client, "project", company=other_company.pk) == set()


# ---- forms and filters offer only what is in scope ---------------------------------------------

def _communities_of(county_code: str) -> int:
    return Region.objects.filter(level=Level.COMMUNITY, path__startswith=county(county_code).path).count()


def test_project_form_offers_only_communities_in_the_county(client_for, xiling_housing_staff):
    html = client_for(xiling_housing_staff).get(reverse("registry:project_create")).content.decode()

    labels = select_options(html, "community").values()
    assert len(labels) == _communities_of(XILING)
    assert all(label.startswith("西陵区 / ") for label in labels)


def test_project_form_offers_the_whole_city_to_the_city(client_for, city_admin):
    html = client_for(city_admin).get(reverse("registry:project_create")).content.decode()

    counties = {label.split(" / ")[0] for label in select_options(html, "community").values()}
    assert {"西陵区", "伍家岗区", "宜都市"} <= counties


def test_project_list_filters_offer_only_the_users_regions(client_for, xiling_housing_staff):
    html = client_for(xiling_housing_staff).get(reverse("registry:project_list")).content.decode()

    assert select_options(html, "county") == {XILING: "西陵区"}
    streets = select_options(html, "street")
    assert set(streets) == set(Region.objects.filter(level=Level.STREET, parent__code=XILING)
                               .values_list("code", flat=True))
    assert "大公桥街道" not in streets.values()


def test_street_officer_filters_offer_its_street_and_no_county(client_for, street_officer):
    html = client_for(street_officer).get(reverse("registry:project_list")).content.decode()

    assert select_options(html, "county") == {}
    assert select_options(html, "street") == {"420502001": "西陵街道"}


def test_company_list_county_filter_offers_only_the_users_county(client_for, xiling_housing_staff, city_admin):
    xiling = client_for(xiling_housing_staff).get(reverse("registry:company_list")).content.decode()
    city = client_for(city_admin).get(reverse("registry:company_list")).content.decode()

    assert select_options(xiling, "county") == {XILING: "西陵区"}
    assert len(select_options(city, "county")) == Region.objects.filter(level=Level.COUNTY).count()


def test_api_filter_by_another_county_is_refused(client_for, xiling_housing_staff):
    response = client_for(xiling_housing_staff).get(reverse("project-list"), {"county": WUJIAGANG})

    assert response.status_code == 400
    assert "county" in response.json()


# ---- writes into another county are refused ----------------------------------------------------

def _project_form(community_pk: int, name: str, company: Company) -> dict:
    return {"code": "", "name": name, "address": "宜昌市测试路 9 号", "community": community_pk,
            "company": company.credit_code, "contract_start": "2024-01-01", "contract_end": "",
            "households": 120}


def test_page_refuses_a_project_in_another_countys_community(client_for, xiling_housing_staff):
    client = client_for(xiling_housing_staff)
    company = CompanyFactory()

    refused = client.post(reverse("registry:project_create"),
                          _project_form(community(WUJIAGANG_COMMUNITY).pk, "越界新建小区", company))
    accepted = client.post(reverse("registry:project_create"),
                           _project_form(community(XILING_STREET_COMMUNITY).pk, "界内新建小区", company))

    assert refused.status_code == 200
    assert refused.context["form"].errors["community"]
    assert not Project.objects.filter(name="越界新建小区").exists()
    assert accepted.status_code == 302
    assert Project.objects.filter(name="界内新建小区", community__code=XILING_STREET_COMMUNITY).exists()


def test_page_refuses_moving_a_project_into_another_county(client_for, xiling_housing_staff):
    project = ProjectFactory(name="想搬走的小区", community=community(XILING_STREET_COMMUNITY))
    data = _project_form(community(WUJIAGANG_COMMUNITY).pk, project.name, project.company) | {"code": project.code}

    response = client_for(xiling_housing_staff).post(reverse("registry:project_edit", args=[project.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors["community"]
    project.refresh_from_db()
    assert project.community.code == XILING_STREET_COMMUNITY


def test_api_refuses_a_project_in_another_countys_community(client_for, xiling_housing_staff):
    client = client_for(xiling_housing_staff)
    company = CompanyFactory()
    body = {"name": "越界接口小区", "address": "宜昌市测试路 9 号", "company": company.credit_code,
            "contract_start": "2024-01-01", "households": 80}

    refused = client.post(reverse("project-list"), body | {"community": WUJIAGANG_COMMUNITY},
                          content_type="application/json")
    accepted = client.post(reverse("project-list"), body | {"name": "界内接口小区", "community": XILING_STREET_COMMUNITY},
                           content_type="application/json")

    assert refused.status_code == 400
    assert "community" in refused.json()
    assert not Project.objects.filter(name="越界接口小区").exists()
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["county"] == XILING


def test_api_refuses_moving_a_project_into_another_county(client_for, xiling_housing_staff):
    project = ProjectFactory(community=community(XILING_STREET_COMMUNITY))

    response = client_for(xiling_housing_staff).patch(
        reverse("project-detail", args=[project.pk]), {"community": WUJIAGANG_COMMUNITY},
        content_type="application/json")

    assert response.status_code == 400
    project.refresh_from_db()
    assert project.community.code == XILING_STREET_COMMUNITY



def test_company_user_filters_offer_the_counties_of_its_own_projects(client_for, company_user):
    page = client_for(company_user).get("/registry/projects/").content.decode()
    assert 'value="420502"' in page and 'value="420503"' in page and 'value="420504"' not in page
    filtered = client_for(company_user).get("/registry/projects/?county=420503").content.decode()
    assert "江城伍家岗苑" in filtered and "江城西陵花园" not in filtered
