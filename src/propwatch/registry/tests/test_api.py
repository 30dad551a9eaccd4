"""Companies and projects over the API: scope, roles, filters, sorting, pages, writes; schema and docs."""

import datetime
import re

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propwatch.accounts.tests.factories import officer
from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.regions.models import Region
from propwatch.registry import credit_code
from propwatch.registry.models import DISCLOSURE_FIELDS, Company, Project
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

JSON = "application/json"
NO_ROLE = "您的角色无权进行此操作"
PILOT_CODE = "91350100M0001TGQXM"  # a real early pilot code: fails only the check character
LONG_AGO = datetime.date(2024, 1, 1)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def reg(yichang):
    """Companies and projects across three county-level units and the high-tech zone.

    西陵 sees: its two companies, 夷陵's company (it manages a 西陵 project) and four projects.
    """
    c = {
        "xl": CompanyFactory(name="西陵安居物业服务有限公司", legal_representative="李安居", filing_no="XL-2024-01"),
        "pilot": CompanyFactory(name="早期试点物业公司", credit_code=PILOT_CODE,
                                credit_code_override_reason="早期试点代码，经市局核实"),
        "wjg": CompanyFactory(name="伍家岗宜家物业有限公司", region=Region.objects.get(code="420503")),
        "yl": CompanyFactory(name="夷陵峡江物业有限公司", region=Region.objects.get(code="420506")),
        "gx": CompanyFactory(name="高新园区物业有限公司", region=Region.objects.get(code="GX4205")),
    }
    disclosed = dict.fromkeys(DISCLOSURE_FIELDS, LONG_AGO)
    p = {
        "xl_big": ProjectFactory(code="XL-001", name="安居花园", community=community("420502001001"),
                                 company=c["xl"], households=500, **disclosed),
        "xl_small": ProjectFactory(code="XL-002", name="安居小苑", community=community("420502001002"),
                                   company=c["xl"], households=300),
        "xl_expired": ProjectFactory(code="XL-003", name="峡江雅居", community=community("420502002001"),
                                     company=c["yl"], households=300, contract_end=datetime.date(2021, 12, 31)),
        "xl_none": ProjectFactory(code="XL-004", name="老旧小区", community=community("420502002001"),
                                  company=None, contract_start=None, contract_end=None, households=80),
        "wjg": ProjectFactory(code="WJG-001", name="宜家苑", community=community("420503001001"),
                              company=c["wjg"], households=300, **disclosed),
        "gx": ProjectFactory(code="GX-001", name="高新花园", community=community("GX4205001001"),
                             company=c["gx"], households=900),
    }
    return {"companies": c, "projects": p}


@pytest.fixture
def drc_officer(yichang):
    return officer("420500", "drc", name="宜昌市发展和改革委员会")


# ---- scope and roles ---------------------------------------------------------------------------

def test_a_county_sees_its_own_territory_only(client_for, xiling_housing_staff, reg):
    api = client_for(xiling_housing_staff)
    c, p = reg["companies"], reg["projects"]

    companies = api.get("/api/v1/companies/").json()["results"]
    projects = api.get("/api/v1/projects/").json()["results"]

    assert {r["name"] for r in companies} == {c["xl"].name, c["pilot"].name, c["yl"].name}
    assert {r["code"] for r in projects} == {"XL-001", "XL-002", "XL-003", "XL-004"}
    assert api.get(f"/api/v1/projects/{p['wjg'].pk}/").status_code == 404
    assert api.get(f"/api/v1/companies/{c['wjg'].pk}/").status_code == 404


def test_a_row_as_the_api_shows_it(client_for, xiling_housing_staff, reg):
    project = reg["projects"]["xl_big"]

    row = client_for(xiling_housing_staff).get(f"/api/v1/projects/{project.pk}/").json()

    assert row["county"] == "420502" and row["community"] == "420502001001"
    assert row["company"] == reg["companies"]["xl"].credit_code
    assert row["company_name"] == "西陵安居物业服务有限公司"
    assert row["is_managed"] is True and row["is_disclosed"] is True
    assert row["disclosed_fees_on"] == "2024-01-01"


def test_the_city_sees_everything(client_for, city_admin, reg):
    api = client_for(city_admin)

    assert api.get("/api/v1/companies/").json()["count"] == 5
    assert api.get("/api/v1/projects/").json()["count"] == 6


def test_a_company_reads_its_own_records_only(client_for, company_user, reg):
    api = client_for(company_user)
    own = company_user.department.company

    companies = api.get("/api/v1/companies/").json()
    projects = api.get("/api/v1/projects/").json()

    assert [r["id"] for r in companies["results"]] == [own.pk]
    # Its projects in two counties, and nothing else.
    assert {r["name"] for r in projects["results"]} == {"江城西陵花园", "江城伍家岗苑"}
    assert api.get(f"/api/v1/companies/{reg['companies']['xl'].pk}/").status_code == 404
    assert api.get(f"/api/v1/projects/{reg['projects']['xl_big'].pk}/").status_code == 404
    assert [d["id"] for d in api.get("/api/v1/departments/").json()["results"]] == [company_user.department_id]


def test_a_company_cannot_write_even_its_own_records(client_for, company_user, reg):
    api = client_for(company_user)
    own = company_user.department.company
    own_project = Project.objects.filter(company=own).first()

    attempts = [
        api.post("/api/v1/companies/", {"name": "新公司"}, content_type=JSON),
        api.patch(f"/api/v1/companies/{own.pk}/", {"contact_phone": "13900001111"}, content_type=JSON),
        api.post("/api/v1/projects/", {"name": "新小区"}, content_type=JSON),
        api.patch(f"/api/v1/projects/{own_project.pk}/", {"households": 1}, content_type=JSON),
        api.patch(f"/api/v1/projects/{own_project.pk}/disclosure/", {"disclosed_fees_on": "2024-05-01"},
                  content_type=JSON),
    ]

    assert [(r.status_code, r.json()["detail"]) for r in attempts] == [(403, NO_ROLE)] * 5
    own.refresh_from_db()
    assert own.contact_phone == "13812341234"
    assert not AuditEvent.objects.filter(action__in=[AuditAction.CREATE, AuditAction.UPDATE]).exists()


@pytest.mark.parametrize("persona", ["police_officer", "drc_officer", "auditor_user", "street_officer"])
def test_read_only_roles_read_but_cannot_write(request, client_for, reg, persona):
    api = client_for(request.getfixturevalue(persona))
    project = reg["projects"]["xl_big"]

    assert api.get("/api/v1/projects/").status_code == 200
    assert api.get("/api/v1/companies/").status_code == 200
    refused = [
        api.post("/api/v1/companies/", {"name": "x"}, content_type=JSON),
        api.patch(f"/api/v1/projects/{project.pk}/", {"households": 1}, content_type=JSON),
        api.put(f"/api/v1/projects/{project.pk}/", {"name": "x"}, content_type=JSON),
    ]
    assert [(r.status_code, r.json()["detail"]) for r in refused] == [(403, NO_ROLE)] * 3
    project.refresh_from_db()
    assert project.households == 500


def test_police_see_their_district_only(client_for, police_officer, reg):
    codes = {r["code"] for r in client_for(police_officer).get("/api/v1/projects/").json()["results"]}

    assert codes == {"XL-001", "XL-002", "XL-003", "XL-004"}


def test_head_and_options_need_what_get_needs(client_for, xiling_housing_staff, reg):
    api = client_for(xiling_housing_staff)

    assert api.head("/api/v1/projects/").status_code == 200
    options = api.options("/api/v1/projects/")
    assert options.status_code == 200
    # OPTIONS offers the create form only to those who may create.
    assert "POST" in options.json()["actions"]
    assert "actions" not in client_for(officer("420502", "police")).options("/api/v1/projects/").json()


def test_records_cannot_be_deleted_over_the_api(client_for, city_admin, reg):
    response = client_for(city_admin).delete(f"/api/v1/projects/{reg['projects']['xl_big'].pk}/")

    assert response.status_code == 405
    assert Project.objects.filter(pk=reg["projects"]["xl_big"].pk).exists()


# ---- filters and sorting: the same rows, in the same order, as the list pages ------------------

PROJECT_QUERIES = [
    {}, {"q": "安居"}, {"q": "xl-00"}, {"q": "宜家物业"}, {"county": "420502"}, {"county": "420503"},
    {"county": "GX4205"}, {"street": "420502001"}, {"street": "420502002"}, {"company": "yl"},
    {"managed": "yes"}, {"managed": "no"}, {"disclosed": "yes"}, {"disclosed": "no"},
    {"households_min": "300"}, {"households_min": "301"},
    {"county": "420502", "managed": "yes", "households_min": "300"},
    {"sort": "households"}, {"sort": "-households"}, {"sort": "community"}, {"sort": "-company"},
    {"sort": "contract_end"}, {"sort": "-name"}, {"sort": "code"},
    {"q": "安居", "sort": "-households"},
]
COMPANY_QUERIES = [
    {}, {"q": "物业有限"}, {"q": "李安居"}, {"q": "xl-2024"}, {"q": PILOT_CODE[:10].lower()},
    {"county": "420502"}, {"county": "420503"}, {"county": "420506"}, {"override": "yes"}, {"override": "no"},
    {"county": "420502", "override": "no"},
    {"sort": "projects"}, {"sort": "-projects"}, {"sort": "credit_code"}, {"sort": "-legal_representative"},
    {"sort": "updated"},
]


def _api_query(query: dict, reg) -> dict:
    """The page's query string in the API's words: `sort` becomes `ordering`, a company key its id."""
    params = dict(query)
    if "company" in params:
        params["company"] = reg["companies"][params["company"]].pk
    if "sort" in params:
        params["ordering"] = params.pop("sort")
    return params


def _page_query(query: dict, reg) -> dict:
    params = dict(query)
    if "company" in params:
        params["company"] = reg["companies"][params["company"]].pk
    return params


def _assert_same_rows(page, api) -> None:
    """The API lists the page's rows in the page's order; a value the page's filter form
    rejects (a county outside the user's territory) is a 400 on the same field."""
    assert page.status_code == 200
    rejected = page.context["filterset"].errors
    if rejected:
        assert api.status_code == 400 and set(api.json()) == set(rejected)
    else:
        assert ids(api) == [row.pk for row in page.context["page"].object_list]


@pytest.mark.parametrize("persona", ["city_admin", "xiling_housing_staff"])
@pytest.mark.parametrize("query", PROJECT_QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_project_filters_and_sorting_match_the_list_page(request, client_for, reg, persona, query):
    client = client_for(request.getfixturevalue(persona))

    page = client.get("/registry/projects/", _page_query(query, reg))
    api = client.get("/api/v1/projects/", _api_query(query, reg))

    _assert_same_rows(page, api)


@pytest.mark.parametrize("persona", ["city_admin", "xiling_housing_staff"])
@pytest.mark.parametrize("query", COMPANY_QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_company_filters_and_sorting_match_the_list_page(request, client_for, reg, persona, query):
    client = client_for(request.getfixturevalue(persona))

    page = client.get("/registry/companies/", query)
    api = client.get("/api/v1/companies/", _api_query(query, reg))

    _assert_same_rows(page, api)


def test_project_filters_pick_the_expected_rows(client_for, city_admin, reg):
    api = client_for(city_admin)

    def codes(**params):
        return {r["code"] for r in api.get("/api/v1/projects/", params).json()["results"]}

    assert codes(county="420502") == {"XL-001", "XL-002", "XL-003", "XL-004"}
    assert codes(street="420502002") == {"XL-003", "XL-004"}
    assert codes(county="GX4205") == {"GX-001"}
    assert codes(managed="no") == {"XL-003", "XL-004"}
    assert codes(disclosed="yes") == {"XL-001", "WJG-001"}
    assert codes(households_min=301) == {"XL-001", "GX-001"}
    assert codes(company=reg["companies"]["yl"].pk) == {"XL-003"}
    assert codes(q="宜家物业") == {"WJG-001"}


def test_company_filters_pick_the_expected_rows(client_for, city_admin, reg):
    api = client_for(city_admin)
    c = reg["companies"]

    def names(**params):
        return {r["name"] for r in api.get("/api/v1/companies/", params).json()["results"]}

    # 夷陵's company counts for 西陵 because it manages a project there.
    assert names(county="420502") == {c["xl"].name, c["pilot"].name, c["yl"].name}
    assert names(override="yes") == {c["pilot"].name}
    assert names(q="李安居") == {c["xl"].name}


def test_a_county_cannot_filter_on_another_county(client_for, xiling_housing_staff, reg):
    response = client_for(xiling_housing_staff).get("/api/v1/projects/", {"county": "420503"})

    assert response.status_code == 400
    assert "选择一个有效的选项" in response.json()["county"][0]


def test_ties_are_broken_by_id_so_pages_never_repeat_or_skip_rows(client_for, city_admin, reg):
    api = client_for(city_admin)
    by_households = sorted(Project.objects.all(), key=lambda p: (p.households, p.pk))

    ascending = ids(api.get("/api/v1/projects/", {"ordering": "households"}))
    descending = ids(api.get("/api/v1/projects/", {"ordering": "-households"}))
    paged = [pk for n in (1, 2, 3) for pk in ids(api.get("/api/v1/projects/", {
        "ordering": "households", "page_size": 2, "page": n}))]

    assert ascending == paged == [p.pk for p in by_households]
    assert descending == [p.pk for p in reversed(by_households)]


def test_an_unknown_sort_key_falls_back_to_the_default_order(client_for, city_admin, reg):
    response = client_for(city_admin).get("/api/v1/projects/", {"ordering": "password"})

    assert ids(response) == list(Project.objects.order_by("code").values_list("pk", flat=True))


# ---- pagination --------------------------------------------------------------------------------

@pytest.fixture
def many_projects(yichang):
    place = community("420502003001")
    Project.objects.bulk_create(
        Project(code=f"BULK-{n:04d}", name=f"批量小区{n}", address="西陵区", community=place, households=n % 7)
        for n in range(520)
    )


def test_pages_carry_count_and_links(client_for, city_admin, many_projects):
    api = client_for(city_admin)

    first = api.get("/api/v1/projects/").json()
    last = api.get("/api/v1/projects/", {"page": 11}).json()

    assert first["count"] == 520 and len(first["results"]) == 50
    assert first["previous"] is None and "page=2" in first["next"]
    assert len(last["results"]) == 20 and last["next"] is None and "page=10" in last["previous"]


def test_page_size_is_capped_at_500(client_for, city_admin, many_projects):
    api = client_for(city_admin)

    assert len(api.get("/api/v1/projects/", {"page_size": 10}).json()["results"]) == 10
    capped = api.get("/api/v1/projects/", {"page_size": 10000}).json()
    assert len(capped["results"]) == 500 and capped["next"] is not None


def test_a_page_past_the_end_is_a_chinese_404(client_for, city_admin, many_projects):
    response = client_for(city_admin).get("/api/v1/projects/", {"page": 99})

    assert response.status_code == 404
    assert response.json() == {"detail": "无效页面。"}


def test_the_number_of_queries_does_not_grow_with_the_rows(client_for, city_admin, yichang):
    api = client_for(city_admin)
    ProjectFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/projects/").status_code == 200
        assert api.get("/api/v1/companies/").status_code == 200
    ProjectFactory.create_batch(30)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/projects/").json()["results"]) == 32
        assert len(api.get("/api/v1/companies/").json()["results"]) == 32

    assert len(many) == len(few)


# ---- companies: writes through the service -----------------------------------------------------

def _company(**overrides):
    return {"name": "宜昌新城物业服务有限公司", "credit_code": credit_code.make("91420502", "MA4XYB001"),
            "legal_representative": "王新城", "contact_phone": "0717 6221234", "region": "420502"} | overrides


def test_a_county_registers_a_company_and_the_audit_trail_says_so(client_for, xiling_housing_staff, yichang):
    data = _company(credit_code=" " + _company()["credit_code"].lower())

    response = client_for(xiling_housing_staff).post("/api/v1/companies/", data, content_type=JSON)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["credit_code"] == _company()["credit_code"]
    assert body["contact_phone"] == "0717-6221234"
    assert body["project_count"] == 0 and body["region"] == "420502"
    assert "override_reason" not in body
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="registry.company")
    assert event.actor == xiling_housing_staff and event.object_id == str(body["id"])
    assert event.after["credit_code"] == body["credit_code"]


@pytest.mark.parametrize(("code", "message"), [
    ("91350100M00010OY43", "第 15 位字符“O”不允许出现在统一社会信用代码中（是否应为“0”？）"),
    ("91350100M000100Y431", "统一社会信用代码应为 18 位，当前为 19 位"),
    ("91350100M000100Y44", "校验位不符：第 18 位为“4”，按前 17 位计算应为“3”"),
])
def test_a_bad_credit_code_comes_back_on_its_field(client_for, xiling_housing_staff, yichang, code, message):
    response = client_for(xiling_housing_staff).post("/api/v1/companies/", _company(credit_code=code),
                                                     content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"credit_code": [message]}
    assert not Company.objects.exists()
    assert not AuditEvent.objects.filter(object_type="registry.company").exists()


@pytest.mark.parametrize(("change", "errors"), [
    ({"contact_phone": "12345"},
     {"contact_phone": ["电话号码格式不正确：手机号应为 11 位（如 13812341234），座机应带区号（如 0717-6221234）"]}),
    ({"legal_representative": " "}, {"legal_representative": ["该字段不能为空。"]}),
    ({"region": "420502001"}, {"region": ["未找到代码为 420502001 的市或县（市、区）"]}),
])
def test_other_company_errors_come_back_on_their_fields(client_for, xiling_housing_staff, yichang, change,
                                                         errors):
    response = client_for(xiling_housing_staff).post("/api/v1/companies/", _company(**change), content_type=JSON)

    assert response.status_code == 400
    assert response.json() == errors
    assert not Company.objects.exists()


def test_a_duplicate_credit_code_is_refused(client_for, xiling_housing_staff, reg):
    existing = reg["companies"]["wjg"]

    response = client_for(xiling_housing_staff).post(
        "/api/v1/companies/", _company(credit_code=existing.credit_code), content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"credit_code": [f"统一社会信用代码 {existing.credit_code} 已登记，请勿重复录入"]}
    assert Company.objects.count() == 5


def test_only_a_city_admin_may_accept_a_code_that_fails_the_check(client_for, xiling_housing_staff, city_admin,
                                                                  yichang):
    valid = credit_code.make("91420502", "MA4XYB002")
    code = valid[:17] + ("1" if valid[17] != "1" else "2")
    assert credit_code.validate(code).check_failed
    data = _company(credit_code=code, override_reason="早期试点代码，已向登记机关核实")

    county = client_for(xiling_housing_staff).post("/api/v1/companies/", data, content_type=JSON)
    city_without_reason = client_for(city_admin).post("/api/v1/companies/", _company(credit_code=code),
                                                      content_type=JSON)
    city = client_for(city_admin).post("/api/v1/companies/", data, content_type=JSON)

    assert county.status_code == 400
    assert county.json()["credit_code"][0].endswith("只有市级管理员可以确认例外代码")
    assert city_without_reason.status_code == 400
    assert "请填写例外说明" in city_without_reason.json()["credit_code"][0]
    assert city.status_code == 201, city.json()
    assert city.json()["credit_code_override_reason"] == "早期试点代码，已向登记机关核实"
    assert Company.objects.get().credit_code_override_by == city_admin


def test_the_override_reason_field_cannot_be_written_directly(client_for, xiling_housing_staff, yichang):
    data = _company(credit_code=PILOT_CODE, credit_code_override_reason="绕过校验")

    response = client_for(xiling_housing_staff).post("/api/v1/companies/", data, content_type=JSON)

    assert response.status_code == 400 and not Company.objects.exists()


def test_a_county_edits_a_company_in_its_scope_and_the_change_is_audited(client_for, xiling_housing_staff, reg):
    company = reg["companies"]["xl"]

    response = client_for(xiling_housing_staff).patch(
        f"/api/v1/companies/{company.pk}/", {"contact_phone": "+86 139 0000 1111"}, content_type=JSON)

    assert response.status_code == 200, response.json()
    assert response.json()["contact_phone"] == "13900001111"
    assert response.json()["project_count"] == 2
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(company.pk))
    assert event.before == {"contact_phone": "13812341234"} and event.after == {"contact_phone": "13900001111"}


def test_an_accepted_exception_survives_an_edit_by_a_county(client_for, xiling_housing_staff, reg):
    pilot = reg["companies"]["pilot"]

    response = client_for(xiling_housing_staff).patch(
        f"/api/v1/companies/{pilot.pk}/", {"address": "西陵区夷陵大道 1 号"}, content_type=JSON)

    assert response.status_code == 200, response.json()
    pilot.refresh_from_db()
    assert pilot.credit_code == PILOT_CODE and pilot.credit_code_override_reason == "早期试点代码，经市局核实"


def test_a_code_taken_by_another_company_is_refused_on_edit(client_for, city_admin, reg):
    c = reg["companies"]

    response = client_for(city_admin).patch(f"/api/v1/companies/{c['xl'].pk}/",
                                            {"credit_code": c["wjg"].credit_code}, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"credit_code": [f"统一社会信用代码 {c['wjg'].credit_code} 已被其他企业使用"]}


def test_a_company_out_of_scope_cannot_be_edited(client_for, xiling_housing_staff, reg):
    other = reg["companies"]["wjg"]

    response = client_for(xiling_housing_staff).patch(f"/api/v1/companies/{other.pk}/", {"name": "改名"},
                                                      content_type=JSON)

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "伍家岗宜家物业有限公司"


# ---- projects: writes through the service ------------------------------------------------------

def _project(**overrides):
    return {"name": "滨江新苑", "address": "西陵区滨江路 8 号", "community": "420502001001",
            "households": 240} | overrides


def test_a_county_registers_a_project_in_its_territory(client_for, xiling_housing_staff, reg):
    company = reg["companies"]["xl"]
    data = _project(company=company.credit_code.lower(), contract_start="2025-01-01",
                    disclosed_fees_on="2024-01-01")

    response = client_for(xiling_housing_staff).post("/api/v1/projects/", data, content_type=JSON)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "420502-00001" and body["county"] == "420502"
    assert body["company"] == company.credit_code and body["company_name"] == company.name
    assert body["is_managed"] is True
    # The checklist is recorded through …/disclosure/, not with the project.
    assert body["disclosed_fees_on"] is None
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="registry.project")
    assert event.actor == xiling_housing_staff and event.object_id == str(body["id"])


def test_a_county_cannot_register_a_project_in_another_county(client_for, xiling_housing_staff, reg):
    response = client_for(xiling_housing_staff).post(
        "/api/v1/projects/", _project(community="420503001001"), content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"community": ["该社区不在您的管辖范围内"]}
    assert Project.objects.count() == 6


def test_the_city_registers_projects_anywhere(client_for, city_admin, reg):
    response = client_for(city_admin).post("/api/v1/projects/", _project(community="GX4205001001"),
                                           content_type=JSON)

    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "GX4205-00001" and response.json()["county"] == "GX4205"


@pytest.mark.parametrize(("change", "errors"), [
    ({"community": "420502001"}, {"community": ["未找到区划代码为 420502001 的社区"]}),
    ({"company": "91420502MA4XYB0019"}, {"company": ["未找到统一社会信用代码为 91420502MA4XYB0019 的企业，请先登记该企业"]}),
    ({"code": "XL-001"}, {"code": ["项目编号 XL-001 已存在"]}),
    ({"contract_start": "2025-01-01", "contract_end": "2024-12-31"},
     {"contract_end": ["合同结束日期不能早于开始日期"]}),
    ({"company": PILOT_CODE}, {"contract_start": ["有物业服务企业时请填写合同开始日期"]}),
    ({"households": -1}, {"households": ["请确保该值大于或者等于 0。"]}),
    ({"address": " "}, {"address": ["该字段不能为空。"]}),
])
def test_project_errors_come_back_on_their_fields(client_for, xiling_housing_staff, reg, change, errors):
    response = client_for(xiling_housing_staff).post("/api/v1/projects/", _project(**change), content_type=JSON)

    assert response.status_code == 400
    assert response.json() == errors
    assert Project.objects.count() == 6


def test_a_county_edits_its_project_and_the_change_is_audited(client_for, xiling_housing_staff, reg):
    project = reg["projects"]["xl_small"]

    response = client_for(xiling_housing_staff).patch(f"/api/v1/projects/{project.pk}/",
                                                      {"households": 320, "name": "安居小苑二期"}, content_type=JSON)

    assert response.status_code == 200, response.json()
    assert response.json()["households"] == 320 and response.json()["code"] == "XL-002"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(project.pk))
    assert event.before == {"households": 300, "name": "安居小苑"}
    assert event.after == {"households": 320, "name": "安居小苑二期"}


def test_a_project_out_of_scope_cannot_be_edited(client_for, xiling_housing_staff, reg):
    other = reg["projects"]["wjg"]

    response = client_for(xiling_housing_staff).patch(f"/api/v1/projects/{other.pk}/", {"households": 1},
                                                      content_type=JSON)

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.households == 300
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_a_project_cannot_be_moved_out_of_the_territory(client_for, xiling_housing_staff, reg):
    project = reg["projects"]["xl_small"]

    response = client_for(xiling_housing_staff).patch(f"/api/v1/projects/{project.pk}/",
                                                      {"community": "420503001001"}, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"community": ["该社区不在您的管辖范围内"]}
    project.refresh_from_db()
    assert project.community.code == "420502001002"


def test_a_code_taken_by_another_project_is_refused_on_edit(client_for, city_admin, reg):
    project = reg["projects"]["xl_small"]

    response = client_for(city_admin).patch(f"/api/v1/projects/{project.pk}/", {"code": "wjg-001"},
                                            content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"code": ["项目编号 WJG-001 已被其他项目使用"]}


# ---- the disclosure checklist ------------------------------------------------------------------

def test_a_street_office_records_the_disclosure_checklist(client_for, street_officer, reg):
    project = reg["projects"]["xl_small"]
    items = dict.fromkeys(DISCLOSURE_FIELDS, "2025-03-01")

    response = client_for(street_officer).patch(f"/api/v1/projects/{project.pk}/disclosure/", items,
                                                content_type=JSON)

    assert response.status_code == 200, response.json()
    assert response.json()["is_disclosed"] is True
    assert response.json()["disclosure_first_complete_on"] == "2025-03-01"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(project.pk))
    assert event.actor == street_officer and event.note == "登记公示情况"


def test_only_the_items_sent_change_and_null_clears_one(client_for, xiling_housing_staff, reg):
    project = reg["projects"]["xl_big"]

    response = client_for(xiling_housing_staff).patch(f"/api/v1/projects/{project.pk}/disclosure/",
                                                      {"disclosed_fees_on": None}, content_type=JSON)

    assert response.status_code == 200
    project.refresh_from_db()
    assert project.disclosed_fees_on is None and project.disclosed_filing_on == LONG_AGO
    assert response.json()["is_disclosed"] is False


def test_a_disclosure_date_in_the_future_is_refused(client_for, street_officer, reg):
    project = reg["projects"]["xl_small"]
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()

    response = client_for(street_officer).patch(f"/api/v1/projects/{project.pk}/disclosure/",
                                                {"disclosed_fees_on": tomorrow}, content_type=JSON)

    assert response.status_code == 400
    assert response.json() == {"disclosed_fees_on": ["公示日期不能晚于今天"]}


def test_a_street_office_cannot_record_disclosure_outside_its_street(client_for, street_officer, reg):
    outside = reg["projects"]["xl_expired"]  # 学院街道, not 西陵街道

    response = client_for(street_officer).patch(f"/api/v1/projects/{outside.pk}/disclosure/",
                                                {"disclosed_fees_on": "2025-03-01"}, content_type=JSON)

    assert response.status_code == 404


def test_police_cannot_record_disclosure(client_for, police_officer, reg):
    project = reg["projects"]["xl_small"]

    response = client_for(police_officer).patch(f"/api/v1/projects/{project.pk}/disclosure/",
                                                {"disclosed_fees_on": "2025-03-01"}, content_type=JSON)

    assert (response.status_code, response.json()["detail"]) == (403, NO_ROLE)


# ---- errors raised by services -----------------------------------------------------------------

def test_service_errors_without_a_field_become_non_field_errors():
    from django.core.exceptions import ValidationError

    from propwatch.web.api import exception_handler

    whole = exception_handler(ValidationError("整体错误"), {})
    model = exception_handler(ValidationError({"__all__": ["记录冲突"], "name": ["请填写名称"]}), {})

    assert (whole.status_code, whole.data) == (400, {"non_field_errors": ["整体错误"]})
    assert model.data == {"non_field_errors": ["记录冲突"], "name": ["请填写名称"]}


# ---- schema and docs ---------------------------------------------------------------------------

def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/token/", "/api/v1/regions/", "/api/v1/departments/", "/api/v1/companies/",
            "/api/v1/projects/", "/api/v1/projects/{id}/disclosure/"} <= set(schema["paths"])
    project_list = schema["paths"]["/api/v1/projects/"]["get"]
    assert {"q", "county", "street", "company", "managed", "disclosed", "households_min", "ordering", "page",
            "page_size"} <= {p["name"] for p in project_list["parameters"]}
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_schema_is_served(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "/api/v1/projects/" in response.json()["paths"]


_EXTERNAL = re.compile(r"(?:https?:)?//(?!testserver\b)[\w.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_the_docs_load_nothing_from_another_host(client, db):
    page = client.get("/api/docs/")
    html = page.content.decode()

    assert page.status_code == 200
    assert not _EXTERNAL.findall(html)
    # Every script is a file of this server (CSP has no 'unsafe-inline' for scripts).
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/' in attrs for attrs in scripts)
    assert "script-src 'self'" in page["Content-Security-Policy"]

    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 5 and all(a.startswith("/") and not a.startswith("//") for a in assets)
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, url

    init = client.get(next(a for a in assets if "script" in a)).content.decode()
    assert not _EXTERNAL.findall(init)
    assert 'url: "/api/schema/"' in init
    # Off, or Swagger UI would show a badge fetched from validator.swagger.io.
    assert '"validatorUrl": null' in init
