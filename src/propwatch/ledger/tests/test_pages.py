"""The ledger pages as users click through them: the list and its filters, bulk assignment,
registration, the problem page with only the actions the user may take, and refused moves.

Problems are set up through the services (as the pages would); assertions read what a user sees.
"""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory, officer
from propwatch.ledger import services
from propwatch.ledger.choices import EventKind, ExtensionState, Level, Source, State
from propwatch.ledger.models import Evidence, Problem
from propwatch.regions.models import Region
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

from .factories import bring_to, pdf_upload, png_upload, register


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path):
    # Uploaded evidence goes to a throw-away folder, not to var/media.
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def numbers_on(response) -> set[str]:
    assert response.status_code == 200
    return {p.number for p in response.context["page"].object_list}


def action_keys(response) -> set[str]:
    return set(re.findall(r'id="action-([a-z_]+)"', response.content.decode()))


def page_error(response) -> str:
    """The Chinese message in the page's error alert."""
    match = re.search(r'<div class="alert alert-danger" role="alert">\s*<h4[^>]*>.*?</h4>\s*<div>(.*?)</div>',
                      response.content.decode(), re.S)
    assert match, "the page shows no error alert"
    return unescape(match.group(1))


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---- a small ledger: one problem per interesting difference -----------------------------------

@pytest.fixture
def ledger(city_admin, xiling_housing_staff, company_user):
    """Six problems of the city, each set apart from the others along some filter.

    A  西陵街道, focus 2, inspection, street level, registered, due in 15 working days
    B  伍家岗区, focus 5, media, county level, registered
    C  学院街道 (西陵区), focus 3, found 40 days ago: street level and long overdue → offered for escalation
    D  西陵街道, focus 1 (24 hours): due within a day, assigned to the 西陵 housing bureau
    E  西陵街道, focus 4, found 40 days ago, county level, supervised (挂牌督办): overdue, not offered
    F  the company's 西陵 project, found 40 days ago, closed: its deadline is past but it is not overdue
    """
    admin, county = city_admin, xiling_housing_staff
    a = register(admin, ProjectFactory(name="凤凰花园", community=community("420502001001")), focus=2)
    b = register(admin, ProjectFactory(name="大公桥小区", community=community("420503001001")), focus=5,
                 level=Level.COUNTY, source=Source.MEDIA)
    c = register(admin, ProjectFactory(name="江南小区", community=community("420502002001")), focus=3,
                 found_on=days_ago(40))
    d = register(admin, ProjectFactory(name="星湖苑", community=community("420502001002")), focus=1,
                 responsible_department=county.department)
    e = register(admin, ProjectFactory(name="金竹苑", community=community("420502001003")), focus=4,
                 found_on=days_ago(40), level=Level.COUNTY)
    e = services.supervise_problem(actor=admin, problem=e, version=e.version)
    company = company_user.department.company
    f = register(admin, company.projects.get(name="江城西陵花园"), focus=6, found_on=days_ago(40),
                 responsible_department=county.department)
    f = services.start_rectification(actor=company_user, problem=f, version=f.version)
    f = services.submit_rectification(actor=company_user, problem=f, version=f.version, note="已拆除",
                                      files=[png_upload()])
    f = services.close_problem(actor=county, problem=f, version=f.version)
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f}


FILTER_CASES = [
    ("county 伍家岗", {"county": "420503"}, {"B"}),
    ("county 西陵", {"county": "420502"}, {"A", "C", "D", "E", "F"}),
    ("street 学院街道", {"street": "420502002"}, {"C"}),
    ("street 西陵街道", {"street": "420502001"}, {"A", "D", "E", "F"}),
    ("state assigned", {"state": State.ASSIGNED}, {"D"}),
    ("state closed", {"state": State.CLOSED}, {"F"}),
    ("state open", {"state": "open"}, {"A", "B", "C", "D", "E"}),
    ("focus 5", {"focus": "5"}, {"B"}),
    ("level county", {"level": Level.COUNTY}, {"B", "E"}),
    ("source media", {"source": Source.MEDIA}, {"B"}),
    ("project name", {"q": "凤凰花园"}, {"A"}),
    ("company name", {"company_q": "江城物业"}, {"F"}),
    ("overdue yes", {"overdue": "yes"}, {"C", "E"}),
    ("overdue no", {"overdue": "no"}, {"A", "B", "D", "F"}),
    ("due within 3 days", {"due_within": "3"}, {"D"}),
    ("supervised", {"supervised": "yes"}, {"E"}),
    ("offered for escalation", {"escalation": "yes"}, {"C"}),
    ("two filters together", {"county": "420502", "level": Level.COUNTY}, {"E"}),
]


@pytest.mark.parametrize(("params", "expected"), [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_each_filter_narrows_the_list(client_for, city_admin, ledger, params, expected):
    client = client_for(city_admin)
    assert numbers_on(client.get(reverse("ledger:problem_list"))) == {p.number for p in ledger.values()}

    shown = numbers_on(client.get(reverse("ledger:problem_list"), params))

    assert shown == {ledger[k].number for k in expected}


def test_company_filter_takes_the_credit_code(client_for, city_admin, ledger):
    code = ledger["A"].company.credit_code

    shown = numbers_on(client_for(city_admin).get(reverse("ledger:problem_list"), {"company_q": code.lower()}))

    assert shown == {ledger["A"].number}


def test_region_choices_are_only_those_in_scope(client_for, xiling_housing_staff, street_officer, ledger):
    county_page = client_for(xiling_housing_staff).get(reverse("ledger:problem_list")).content.decode()
    street_page = client_for(street_officer).get(reverse("ledger:problem_list")).content.decode()

    assert 'value="420502"' in county_page and 'value="420503"' not in county_page
    assert 'value="420502002"' in county_page  # its own streets
    assert 'value="420502"' not in street_page and 'value="420502002"' not in street_page
    # A street office has no county to choose: the filter is left off rather than offering only "全部".
    assert 'name="county"' not in street_page and 'name="street"' in street_page
    assert 'value="420502001"' in street_page
    # A code from outside the scope is not a choice: the filter refuses it instead of widening the scope.
    response = client_for(xiling_housing_staff).get(reverse("ledger:problem_list"), {"county": "420503"})
    assert "county" in response.context["filterset"].errors
    assert ledger["B"].number not in numbers_on(response)


def test_overdue_is_derived_from_the_deadline_and_a_closed_problem_is_never_overdue(client_for, city_admin, ledger):
    response = client_for(city_admin).get(reverse("ledger:problem_list"))
    rows = {p.number: p for p in response.context["page"].object_list}
    html = response.content.decode()

    assert ledger["F"].deadline < timezone.now() and ledger["F"].state == State.CLOSED
    assert {n for n, p in rows.items() if p.overdue} == {ledger["C"].number, ledger["E"].number}
    assert html.count('title="已过整改期限且未销号">逾期</span>') == 2


def test_the_county_list_offers_long_overdue_street_problems_for_escalation(client_for, xiling_housing_staff,
                                                                             street_officer, ledger):
    county_page = client_for(xiling_housing_staff).get(reverse("ledger:problem_list")).content.decode()
    street_page = client_for(street_officer).get(reverse("ledger:problem_list")).content.decode()

    assert "辖区内有 <strong>1</strong> 个街道层级问题逾期超过 3 个工作日" in county_page
    assert county_page.count(">建议升级</span>") == 1
    # The street office is not the level that escalates to itself: no hint, no badge.
    assert "建议升级至县级督办" not in street_page and ">建议升级</span>" not in street_page


def test_the_escalation_threshold_is_a_setting(client_for, xiling_housing_staff, ledger, settings):
    # C is some 28 working days overdue: with a threshold above that it is no longer offered.
    settings.LEDGER_ESCALATION_OFFER_WORKING_DAYS = 60
    response = client_for(xiling_housing_staff).get(reverse("ledger:problem_list"), {"escalation": "yes"})

    assert numbers_on(response) == set()


def test_sorting_by_deadline_and_state(client_for, city_admin, ledger):
    client = client_for(city_admin)

    by_deadline = [p.number for p in client.get(reverse("ledger:problem_list"), {"sort": "deadline"})
                   .context["page"].object_list]
    by_state = [p.state for p in client.get(reverse("ledger:problem_list"), {"sort": "-state"})
                .context["page"].object_list]

    deadlines = {p.number: p.deadline for p in ledger.values()}
    assert by_deadline == sorted(deadlines, key=lambda n: (deadlines[n], n))
    assert by_state[0] == State.CLOSED and by_state[-1] == State.REGISTERED


def test_company_users_see_their_own_problems_only(client_for, company_user, ledger):
    response = client_for(company_user).get(reverse("ledger:problem_list"))

    assert numbers_on(response) == {ledger["F"].number}
    html = response.content.decode()
    assert reverse("ledger:problem_create") not in html
    assert 'name="county"' not in html and 'name="company_q"' not in html


# ---- bounded queries ---------------------------------------------------------------------------

def _add_problems(actor, n: int, start: int) -> None:
    """n problems, each on its own project, company, street and responsible department."""
    streets = list(Region.objects.filter(parent__code="420502").order_by("code"))
    for k in range(start, start + n):
        street = streets[k % len(streets)]
        project = ProjectFactory(community=street.children.order_by("code").first(),
                                 company=CompanyFactory(name=f"计数物业{k}"))
        dept = DepartmentFactory(kind="street_office", region=street, name=f"计数街道办{k}")
        p = register(actor, project, focus=k % 6 + 1, found_on=days_ago(k % 30),
                     responsible_department=dept if k % 2 else None)
        if k % 6 == 1:  # a pending extension, asked for by the responsible street office
            services.request_extension(actor=UserFactory(department=dept), problem=p, version=p.version,
                                       new_date=timezone.localdate() + datetime.timedelta(days=90), reason="计数")


@pytest.mark.parametrize("persona", ["city_admin", "xiling_housing_staff"])
def test_list_costs_the_same_for_3n_rows_as_for_n(request, client_for, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    admin = request.getfixturevalue("city_admin")
    client.get(reverse("ledger:problem_list"))  # one-off costs (session) are paid here
    n = 4
    _add_problems(admin, n, 0)

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("ledger:problem_list"))
        page = response.context["page"]
        assert page.paginator.count == len(page.object_list)
        return len(queries), len(page.object_list)

    queries_n, rows_n = measure()
    _add_problems(admin, 2 * n, n)
    queries_3n, rows_3n = measure()

    assert (rows_n, rows_3n) == (n, 3 * n)
    assert queries_3n == queries_n
    assert queries_n <= 16


# ---- bulk assignment ---------------------------------------------------------------------------

def test_bulk_assignment_assigns_each_ticked_row_and_reports_the_rest(client_for, xiling_housing_staff, city_admin,
                                                                      ledger):
    county = xiling_housing_staff
    client = client_for(county)
    page = client.get(reverse("ledger:problem_list")).content.decode()
    a, c, e, d = ledger["A"], ledger["C"], ledger["E"], ledger["D"]
    # Registered rows get a box; rows already assigned do not.
    assert f'value="{a.pk}:{a.version}"' in page and f'value="{c.pk}:{c.version}"' in page
    assert f'value="{d.pk}:' not in page
    assert 'data-confirm="确认将勾选的问题交办至所选责任单位？"' in page
    # Meanwhile someone else changes E, so the version on the user's page is stale.
    stale = e.version
    services.assign_problem(actor=city_admin, problem=e, version=e.version, department=county.department)
    street = DepartmentFactory(kind="street_office", region=Region.objects.get(code="420502001"), name="西陵街道办事处")

    response = client.post(reverse("ledger:bulk_assign"), {
        "department": street.pk, "person": "王主任", "back": reverse("ledger:problem_list") + "?state=registered",
        "rows": [f"{a.pk}:{a.version}", f"{c.pk}:{c.version}", f"{e.pk}:{stale}", f"{ledger['B'].pk}:1"],
    }, follow=True)

    assert response.redirect_chain[-1][0] == reverse("ledger:problem_list") + "?state=registered"
    notes = flash(response)
    assert "已将 2 个问题交办至西陵街道办事处" in notes
    assert any(n.startswith(f"未交办 {e.number}：该问题已被") and "您的操作未保存" in n for n in notes)
    assert "未交办 所选问题不存在或不在您的管辖范围内" in notes  # B is in 伍家岗区
    for p in (a, c):
        p.refresh_from_db()
        assert (p.state, p.responsible_department, p.responsible_person) == (State.ASSIGNED, street, "王主任")
    e.refresh_from_db()
    assert e.responsible_department == county.department
    assert Problem.objects.get(pk=ledger["B"].pk).state == State.REGISTERED


def test_bulk_assignment_to_a_department_out_of_scope_is_refused(client_for, xiling_housing_staff, ledger):
    elsewhere = DepartmentFactory(kind="street_office", region=Region.objects.get(code="420503001"))
    a = ledger["A"]

    response = client_for(xiling_housing_staff).post(reverse("ledger:bulk_assign"), {
        "department": elsewhere.pk, "rows": [f"{a.pk}:{a.version}"]}, follow=True)

    assert "所选责任单位不在您的管辖范围内" in flash(response)
    a.refresh_from_db()
    assert a.state == State.REGISTERED


def test_bulk_assignment_without_rows_says_so(client_for, xiling_housing_staff, ledger):
    response = client_for(xiling_housing_staff).post(reverse("ledger:bulk_assign"), {
        "department": xiling_housing_staff.department.pk}, follow=True)

    assert "请先勾选要交办的问题" in flash(response)


def test_users_who_cannot_assign_get_no_boxes(client_for, company_user, ledger):
    page = client_for(company_user).get(reverse("ledger:problem_list")).content.decode()

    assert 'name="rows"' not in page and reverse("ledger:bulk_assign") not in page


# ---- registration ------------------------------------------------------------------------------

@pytest.fixture
def xiling_project(yichang):
    return ProjectFactory(name="西陵一号院", community=community("420502001001"))


def create_post(project, **overrides) -> dict:
    data = {"project": project.pk, "focus": "2", "description": "小区入口被商户占用经营", "source": Source.INSPECTION,
            "found_on": timezone.localdate().isoformat(), "level": Level.STREET, "responsible_department": "",
            "responsible_person": ""}
    return data | overrides


def test_county_officer_registers_a_problem_with_photos(client_for, xiling_housing_staff, xiling_project):
    client = client_for(xiling_housing_staff)
    form = client.get(reverse("ledger:problem_create")).content.decode()
    assert "西陵一号院" in form
    assert "擅自允许他人利用共用部位" in form  # the focus item's long description is the help

    response = client.post(reverse("ledger:problem_create"), create_post(
        xiling_project, files=[png_upload("门口.png"), pdf_upload()],
        responsible_department=xiling_housing_staff.department.pk, responsible_person="李科长"), follow=True)

    problem = Problem.objects.get()
    assert response.redirect_chain == [(reverse("ledger:problem_detail", args=[problem.pk]), 302)]
    assert f"已登记问题 {problem.number}" in flash(response)
    assert problem.number.startswith("420502-")
    assert (problem.state, problem.responsible_person) == (State.ASSIGNED, "李科长")
    assert sorted(Evidence.objects.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]


def test_a_refused_registration_shows_the_reason_and_saves_nothing(client_for, xiling_housing_staff,
                                                                    xiling_project):
    client = client_for(xiling_housing_staff)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    blank = client.post(reverse("ledger:problem_create"), create_post(xiling_project, description="  ",
                                                                      files=[png_upload()]))
    future = client.post(reverse("ledger:problem_create"), create_post(xiling_project, found_on=tomorrow))

    assert blank.status_code == 200 and "请填写问题描述" in blank.content.decode()
    assert "发现日期不能晚于今天" in future.content.decode()
    assert "问题未登记，请修改后重新提交。" in future.content.decode()
    assert not Problem.objects.exists() and not Evidence.objects.exists()


def test_a_registration_whose_assignment_is_refused_leaves_nothing_behind(client_for, xiling_project):
    # A community committee may register but not assign: the whole registration is undone.
    community_officer = officer("420502001001", "community_committee", name="凤凰社区居委会")

    response = client_for(community_officer).post(reverse("ledger:problem_create"), create_post(
        xiling_project, responsible_department=community_officer.department.pk, files=[png_upload()]))

    assert "只有街道办事处（街道层级问题）或县级以上住建部门可以交办" in response.content.decode()
    assert not Problem.objects.exists() and not Evidence.objects.exists()


def test_projects_out_of_scope_cannot_be_chosen(client_for, xiling_housing_staff):
    elsewhere = ProjectFactory(name="伍家岗某小区", community=community("420503001001"))
    client = client_for(xiling_housing_staff)

    assert "伍家岗某小区" not in client.get(reverse("ledger:problem_create")).content.decode()
    response = client.post(reverse("ledger:problem_create"), create_post(elsewhere))

    assert "请从列表中选择您管辖范围内的小区" in response.content.decode()
    assert not Problem.objects.exists()


def test_the_project_search_narrows_the_options(client_for, xiling_housing_staff, xiling_project):
    ProjectFactory(name="学院路小区", community=community("420502002001"))
    ProjectFactory(name="伍家岗搜索小区", community=community("420503001001"))
    client = client_for(xiling_housing_staff)

    options = client.get(reverse("ledger:project_options"), {"project_q": "小区"}, HTTP_HX_REQUEST="true")
    page = client.get(reverse("ledger:problem_create"), {"project_q": "学院"}).content.decode()

    assert "学院路小区" in options.content.decode() and "伍家岗搜索小区" not in options.content.decode()
    assert "西陵一号院" not in options.content.decode()
    assert "学院路小区" in page and "西陵一号院" not in page


@pytest.mark.parametrize("persona", ["company_user", "police_officer", "auditor_user"])
def test_only_offices_may_open_the_registration_page(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("ledger:problem_create")).status_code == 403
    assert client.get(reverse("ledger:project_options")).status_code == 403


# ---- the problem page: only the actions the user may take now ----------------------------------

@pytest.fixture
def colleague(xiling_housing_staff):
    return UserFactory(department=xiling_housing_staff.department, username="t_xiling_colleague",
                       display_name="西陵住建同事")


# (state, persona) → the forms on the page. County: the 西陵 housing bureau, responsible once assigned.
PERMITTED = [
    (State.REGISTERED, "xiling_housing_staff", {"assign", "escalate", "join", "supervise"}),
    (State.REGISTERED, "street_officer", {"assign", "escalate"}),
    (State.REGISTERED, "company_user", {"request_extension"}),
    (State.REGISTERED, "auditor_user", set()),
    (State.ASSIGNED, "company_user", {"start", "request_extension"}),
    (State.ASSIGNED, "street_officer", {"escalate"}),
    (State.RECTIFYING, "company_user", {"submit", "request_extension"}),
    (State.RECTIFYING, "xiling_housing_staff", {"submit", "escalate", "join", "supervise", "request_extension"}),
    (State.AWAITING_VERIFICATION, "xiling_housing_staff",
     {"close", "send_back", "escalate", "join", "supervise", "request_extension"}),
    (State.AWAITING_VERIFICATION, "company_user", {"request_extension"}),
    (State.CLOSED, "xiling_housing_staff", {"reopen"}),
    (State.CLOSED, "street_officer", set()),
    (State.CLOSED, "company_user", set()),
]


@pytest.mark.parametrize(("state", "persona", "expected"), PERMITTED,
                         ids=[f"{s}-{p}" for s, p, _ in PERMITTED])
def test_the_page_shows_only_the_actions_the_user_may_take(request, client_for, xiling_housing_staff,
                                                           company_user, state, persona, expected):
    problem = bring_to(state, xiling_housing_staff, company_user)
    user = request.getfixturevalue(persona)

    response = client_for(user).get(reverse("ledger:problem_detail", args=[problem.pk]))

    assert response.status_code == 200
    assert action_keys(response) == expected
    # Every form carries the version the user saw.
    forms = response.content.decode().count(f'name="version" value="{problem.version}"')
    assert forms == len(expected)


def test_the_submitter_is_not_offered_the_verification(client_for, xiling_housing_staff, colleague, company_user):
    p = bring_to(State.RECTIFYING, xiling_housing_staff, company_user)
    p = services.submit_rectification(actor=xiling_housing_staff, problem=p, version=p.version, note="街道代为整改",
                                      files=[png_upload()])

    own = client_for(xiling_housing_staff).get(reverse("ledger:problem_detail", args=[p.pk]))
    other = client_for(colleague).get(reverse("ledger:problem_detail", args=[p.pk]))

    assert not {"close", "send_back"} & action_keys(own)
    assert "核验须由其他人员进行" in own.content.decode()
    assert {"close", "send_back"} <= action_keys(other)


def test_extension_decisions_go_to_the_level_above(client_for, xiling_housing_staff, city_admin, company_user):
    p = bring_to(State.RECTIFYING, xiling_housing_staff, company_user)
    services.request_extension(actor=company_user, problem=p, version=p.version,
                               new_date=timezone.localdate() + datetime.timedelta(days=60), reason="需采购设备")

    county = client_for(xiling_housing_staff).get(reverse("ledger:problem_detail", args=[p.pk]))
    company = client_for(company_user).get(reverse("ledger:problem_detail", args=[p.pk]))

    assert {"approve_extension", "reject_extension"} <= action_keys(county)
    assert "request_extension" not in action_keys(county)  # one pending request at a time
    assert not {"approve_extension", "reject_extension", "request_extension"} & action_keys(company)
    assert "需采购设备" in county.content.decode()


def test_police_see_a_problem_only_once_it_is_routed_to_them(client_for, city_admin, police_officer,
                                                             company_user, xiling_housing_staff):
    p = bring_to(State.RECTIFYING, xiling_housing_staff, company_user)
    url = reverse("ledger:problem_detail", args=[p.pk])
    assert client_for(police_officer).get(url).status_code == 404

    joint_form = client_for(city_admin).get(url).content.decode()
    assert f'name="departments" value="{police_officer.department.pk}"' in joint_form
    client_for(city_admin).post(reverse("ledger:problem_action", args=[p.pk, "join"]), {
        "version": p.version, "departments": [police_officer.department.pk], "note": "涉嫌恐吓业主"})

    response = client_for(police_officer).get(url)
    assert response.status_code == 200
    assert "<dt>联合督办部门</dt><dd>宜昌市公安局西陵区分局</dd>" in response.content.decode()
    assert Problem.objects.get(pk=p.pk).level == Level.JOINT


# ---- a problem from registration to close-out through the pages ------------------------------

def test_registration_to_close_out_through_the_pages(client_for, xiling_housing_staff, colleague, company_user):
    county, company, verifier = (client_for(xiling_housing_staff), client_for(company_user), client_for(colleague))
    project = company_user.department.company.projects.get(name="江城西陵花园")
    county.post(reverse("ledger:problem_create"), create_post(project, focus="5", description="未公示收费标准"))
    p = Problem.objects.get()

    def act(client, action, **data):
        current = Problem.objects.get(pk=p.pk)
        return client.post(reverse("ledger:problem_action", args=[p.pk, action]),
                           {"version": current.version, **data}, follow=True)

    assigned = act(county, "assign", department=xiling_housing_staff.department.pk, person="张科长", note="")
    started = act(company, "start", note="已安排整改")
    no_files = act(company, "submit", note="已公示")
    submitted = act(company, "submit", note="已在小区门口公示收费标准", files=[png_upload("公示栏.png"),
                                                                              pdf_upload("收费标准.pdf")])
    closed = act(verifier, "close", note="现场核实已公示")

    assert f"{p.number}：已交办" in flash(assigned)
    assert f"{p.number}：已开始整改" in flash(started)
    assert page_error(no_files) == "请上传至少一份整改佐证材料（照片或 PDF）"
    assert f"{p.number}：已提交整改，等待核验" in flash(submitted)
    assert f"{p.number}：已核验销号" in flash(closed)
    p.refresh_from_db()
    assert p.state == State.CLOSED and p.closed_by == colleague
    html = closed.content.decode()
    for step in ("登记", "交办", "开始整改", "提交整改", "核验销号"):
        assert f"<strong>{step}</strong>" in html
    evidence = list(p.evidence.filter(kind="rectification"))
    assert len(evidence) == 2
    png = next(e for e in evidence if e.is_image)
    assert f'<img src="{reverse("ledger:evidence_file", args=[png.pk])}"' in html
    assert "PDF：收费标准.pdf" in html


def test_company_users_see_departments_not_the_officers(client_for, xiling_housing_staff, company_user):
    p = bring_to(State.RECTIFYING, xiling_housing_staff, company_user)
    officer_name = xiling_housing_staff.display_name

    company_page = client_for(company_user).get(reverse("ledger:problem_detail", args=[p.pk])).content.decode()
    county_page = client_for(xiling_housing_staff).get(reverse("ledger:problem_detail", args=[p.pk])).content.decode()

    assert officer_name in county_page
    assert officer_name not in company_page
    assert "西陵区住房和城乡建设局" in company_page  # the department is shown instead


def test_extension_request_and_approval_through_the_pages(client_for, xiling_housing_staff, company_user):
    p = bring_to(State.RECTIFYING, xiling_housing_staff, company_user)
    new_date = p.deadline.date() + datetime.timedelta(days=30)

    requested = client_for(company_user).post(reverse("ledger:problem_action", args=[p.pk, "request_extension"]), {
        "version": p.version, "new_date": new_date.isoformat(), "reason": "需更换供水设备"}, follow=True)
    p.refresh_from_db()
    ext = p.extensions.get()
    rejected_without_reason = client_for(xiling_housing_staff).post(
        reverse("ledger:problem_action", args=[p.pk, "reject_extension"]),
        {"version": p.version, "extension": ext.pk, "note": ""})
    approved = client_for(xiling_housing_staff).post(
        reverse("ledger:problem_action", args=[p.pk, "approve_extension"]),
        {"version": p.version, "extension": ext.pk, "note": "同意"}, follow=True)

    assert "等待上一级审批" in flash(requested)[0]
    assert page_error(rejected_without_reason) == "驳回延期须填写原因"
    assert "已批准延期，整改期限已更新" in flash(approved)[0]
    p.refresh_from_db()
    ext.refresh_from_db()
    assert ext.state == ExtensionState.APPROVED
    assert timezone.localtime(p.deadline).date() == new_date


# ---- refused moves: conflicts, illegal transitions, not allowed ------------------------------

def test_two_officers_acting_on_the_same_version_the_second_is_told_and_nothing_is_overwritten(
        client_for, xiling_housing_staff, colleague, company_user):
    p = bring_to(State.REGISTERED, xiling_housing_staff, company_user)
    first, second = client_for(xiling_housing_staff), client_for(colleague)
    url = reverse("ledger:problem_detail", args=[p.pk])
    # Both load the page: the same version is in both forms.
    for client in (first, second):
        assert f'name="version" value="{p.version}"' in client.get(url).content.decode()
    street = DepartmentFactory(kind="street_office", region=Region.objects.get(code="420502001"), name="西陵街道办")

    ok = first.post(reverse("ledger:problem_action", args=[p.pk, "assign"]), {
        "version": p.version, "department": xiling_housing_staff.department.pk, "person": "第一人"})
    late = second.post(reverse("ledger:problem_action", args=[p.pk, "assign"]), {
        "version": p.version, "department": street.pk, "person": "第二人", "note": "改派街道"})

    assert ok.status_code == 302
    assert late.status_code == 409
    message = page_error(late)
    assert message.startswith(f"该问题已被{xiling_housing_staff.department.name}于")
    assert "（当前状态：已交办），您的操作未保存。请刷新页面查看最新情况后再操作。" in message
    p.refresh_from_db()
    assert (p.responsible_department, p.responsible_person) == (xiling_housing_staff.department, "第一人")
    assert p.events.filter(kind=EventKind.TRANSITION).count() == 1
    # The page shows the problem as it is now, with the new version in its forms and a way back to it.
    assert f'name="version" value="{p.version}"' in late.content.decode()
    assert f'href="{url}">查看最新情况</a>' in late.content.decode()


def test_an_illegal_transition_posted_to_the_page_shows_the_reason(client_for, xiling_housing_staff, company_user):
    p = bring_to(State.REGISTERED, xiling_housing_staff, company_user)

    response = client_for(xiling_housing_staff).post(reverse("ledger:problem_action", args=[p.pk, "close"]),
                                                     {"version": p.version, "note": "直接销号"})

    assert response.status_code == 409
    assert page_error(response) == "问题当前为“已登记”，不能变更为“已销号”。当前可以：交办"
    assert "“核验销号”未完成" in response.content.decode()
    p.refresh_from_db()
    assert p.state == State.REGISTERED and p.events.count() == 1


def test_starting_is_not_a_back_door_to_sending_back(client_for, xiling_housing_staff, colleague, company_user):
    # RECTIFYING is also where a send-back lands; "start" must not reach it without a reason.
    p = bring_to(State.AWAITING_VERIFICATION, xiling_housing_staff, company_user)

    response = client_for(colleague).post(reverse("ledger:problem_action", args=[p.pk, "start"]),
                                          {"version": p.version})

    assert response.status_code == 409
    assert page_error(response) == "问题当前为“待核验”，只有已交办的问题可以开始整改"
    assert Problem.objects.get(pk=p.pk).state == State.AWAITING_VERIFICATION


def test_an_action_the_user_may_not_take_is_refused_with_the_reason(client_for, xiling_housing_staff,
                                                                     company_user):
    p = bring_to(State.REGISTERED, xiling_housing_staff, company_user)

    response = client_for(company_user).post(reverse("ledger:problem_action", args=[p.pk, "escalate"]), {
        "version": p.version, "reason": "企业想升级"})

    assert response.status_code == 403
    assert page_error(response) == "只有街道办事处、社区或住建部门可以升级问题"
    assert Problem.objects.get(pk=p.pk).level == Level.STREET


def test_a_send_back_without_a_reason_is_refused(client_for, xiling_housing_staff, colleague, company_user):
    p = bring_to(State.AWAITING_VERIFICATION, xiling_housing_staff, company_user)

    response = client_for(colleague).post(reverse("ledger:problem_action", args=[p.pk, "send_back"]),
                                          {"version": p.version, "reason": " "})

    assert response.status_code == 200
    assert page_error(response) == "退回整改须填写原因"
    assert Problem.objects.get(pk=p.pk).state == State.AWAITING_VERIFICATION


def test_a_stale_or_missing_version_is_not_a_crash(client_for, xiling_housing_staff, company_user):
    p = bring_to(State.REGISTERED, xiling_housing_staff, company_user)
    url = reverse("ledger:problem_action", args=[p.pk, "escalate"])

    missing = client_for(xiling_housing_staff).post(url, {"reason": "无法就地化解"})

    assert missing.status_code == 200
    assert page_error(missing) == "页面已过期，请刷新后重试"
    assert Problem.objects.get(pk=p.pk).level == Level.STREET


def test_problems_of_another_county_are_404_on_every_page(client_for, wujiagang_housing_staff,
                                                          xiling_housing_staff, company_user):
    p = bring_to(State.REGISTERED, xiling_housing_staff, company_user)
    client = client_for(wujiagang_housing_staff)

    assert client.get(reverse("ledger:problem_detail", args=[p.pk])).status_code == 404
    response = client.post(reverse("ledger:problem_action", args=[p.pk, "assign"]), {
        "version": p.version, "department": wujiagang_housing_staff.department.pk})
    assert response.status_code == 404
    assert p.number not in client.get(reverse("ledger:problem_list")).content.decode()
    assert Problem.objects.get(pk=p.pk).state == State.REGISTERED


# ---- home page ---------------------------------------------------------------------------------

def test_the_home_page_sums_up_the_ledger(client_for, xiling_housing_staff, ledger):
    response = client_for(xiling_housing_staff).get(reverse("web:home"))

    # 西陵区: A, C, D, E open; C and E overdue; D due within 3 days; none awaiting verification.
    assert response.context["ledger"] == {"open": 4, "overdue": 2, "awaiting": 0, "due_soon": 1}
    html = response.content.decode()
    assert reverse("ledger:problem_list") + "?overdue=yes" in html
    assert reverse("ledger:problem_list") + "?state=open" in html


@pytest.mark.parametrize("persona", ["city_admin", "xiling_housing_staff", "street_officer", "police_officer",
                                     "company_user", "auditor_user"])
def test_the_ledger_is_in_the_navigation_of_those_who_may_see_it(request, client_for, persona):
    html = client_for(request.getfixturevalue(persona)).get(reverse("web:home")).content.decode()

    assert f'href="{reverse("ledger:problem_list")}"><span class="nav-link-title">问题台账</span>' in html


def test_a_user_without_a_department_has_no_ledger(client_for, yichang):
    client = client_for(UserFactory(department=None))

    assert "问题台账" not in client.get(reverse("web:home")).content.decode()
    assert client.get(reverse("ledger:problem_list")).status_code == 403
