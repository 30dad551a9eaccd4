"""The role table (permissions.py) and the pages and API that read it.

Visibility is the scope's job (test_scoping); these tests pin down what each role may *do*.
Read-only roles are refused every write with a 403, on pages and over the API, while they still
see the registry of their region.
"""

import pytest
from django.urls import reverse

from propwatch.accounts.permissions import Action, allowed_actions, can
from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory, officer
from propwatch.regions.models import Region
from propwatch.registry import credit_code
from propwatch.registry.models import Company, Project
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

VIEW, EDIT, DISCLOSE, IMPORT = (Action.VIEW_REGISTRY, Action.EDIT_REGISTRY, Action.EDIT_DISCLOSURE,
                                Action.IMPORT_REGISTRY)
EXPORT, OVERRIDE, USERS, AUDIT = (Action.EXPORT, Action.OVERRIDE_CREDIT_CODE, Action.MANAGE_USERS,
                                  Action.VIEW_AUDIT)
LEDGER, COMPLAINTS = Action.VIEW_LEDGER, Action.VIEW_COMPLAINTS


@pytest.fixture
def market_officer(yichang):
    return officer("420502", "market_regulation", name="西陵区市场监督管理局")


@pytest.fixture
def drc_officer(yichang):
    return officer("420500", "drc", name="宜昌市发展和改革委员会")


@pytest.fixture
def county_admin(yichang):
    """The administrator of a county housing bureau: a county role, not the system's administrator."""
    return officer("420502", "housing", "admin", name="西陵区住建局（管理员）")


@pytest.fixture
def city_leader(yichang):
    return officer("420500", "housing", "leader", name="宜昌市住建局（负责人）")


@pytest.fixture
def community_officer(yichang):
    return officer("420502001001", "community_committee", name="西陵街道某社区居委会")


@pytest.fixture
def no_department_user(yichang):
    return UserFactory(department=None)


@pytest.fixture
def inactive_department_user(yichang):
    dept = DepartmentFactory(region=Region.objects.get(code="420500"), is_active=False, name="已撤销的市住建局科室")
    return UserFactory(department=dept, role="admin")


@pytest.fixture
def superuser(yichang):
    return UserFactory(department=None, is_superuser=True, is_staff=True)


EVERYTHING = set(Action)

EXPECTED = [
    ("city_admin", EVERYTHING),
    ("city_leader", {VIEW, EDIT, DISCLOSE, IMPORT, EXPORT, OVERRIDE, LEDGER, COMPLAINTS}),
    ("auditor_user", {VIEW, EXPORT, AUDIT, LEDGER, COMPLAINTS}),
    ("xiling_housing_staff", {VIEW, EDIT, DISCLOSE, IMPORT, EXPORT, LEDGER, COMPLAINTS}),
    ("county_admin", {VIEW, EDIT, DISCLOSE, IMPORT, EXPORT, LEDGER, COMPLAINTS}),
    ("street_officer", {VIEW, DISCLOSE, EXPORT, LEDGER, COMPLAINTS}),
    ("community_officer", {VIEW, DISCLOSE, EXPORT, LEDGER, COMPLAINTS}),
    ("police_officer", {VIEW, EXPORT, LEDGER, COMPLAINTS}),
    ("market_officer", {VIEW, EXPORT, LEDGER, COMPLAINTS}),
    ("drc_officer", {VIEW, EXPORT, LEDGER}),
    ("company_user", {VIEW, EXPORT, LEDGER}),
    ("no_department_user", set()),
    ("inactive_department_user", set()),
    ("superuser", EVERYTHING),
]


@pytest.mark.parametrize(("persona", "actions"), EXPECTED, ids=[p for p, _ in EXPECTED])
def test_each_role_may_do_exactly_its_actions(request, persona, actions):
    user = request.getfixturevalue(persona)

    assert allowed_actions(user) == {str(a) for a in actions}


def test_anonymous_may_do_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert not any(can(AnonymousUser(), action) for action in Action)
    assert not any(can(None, action) for action in Action)


def test_deactivating_a_department_takes_its_rights_away(xiling_housing_staff):
    # Given a county worker who may edit the registry
    assert can(xiling_housing_staff, Action.EDIT_REGISTRY)

    # When the department is switched off (机构调整)
    dept = xiling_housing_staff.department
    dept.is_active = False
    dept.save()
    xiling_housing_staff.refresh_from_db()

    # Then the worker may do nothing at all, not even look
    assert allowed_actions(xiling_housing_staff) == set()


# ---- read-only roles: 403 on every write, yet they see their region ------------------------------

READ_ONLY = ["police_officer", "market_officer", "drc_officer", "auditor_user", "street_officer", "company_user"]


@pytest.fixture
def registry(yichang):
    """One project (and company) in 西陵区 / 西陵街道 and one in 伍家岗区."""
    xiling = ProjectFactory(name="只读测试西陵小区", community=community("420502001001"),
                            company=CompanyFactory(name="只读测试西陵物业"))
    wujiagang = ProjectFactory(name="只读测试伍家岗小区", community=community("420503001001"),
                               company=CompanyFactory(name="只读测试伍家岗物业",
                                                      region=Region.objects.get(code="420503")))
    return xiling, wujiagang


def _visible_target(user):
    """A project and a company the user can see, so a 403 cannot be a disguised 404."""
    project = Project.objects.visible_to(user).order_by("pk").first()
    assert project is not None
    return project, project.company


@pytest.mark.parametrize("persona", READ_ONLY)
def test_read_only_roles_get_403_on_create_and_edit_pages(request, client_for, registry, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    project, company = _visible_target(user)
    pages = [reverse("registry:company_create"), reverse("registry:company_edit", args=[company.pk]),
             reverse("registry:project_create"), reverse("registry:project_edit", args=[project.pk]),
             reverse("registry:import")]

    for url in pages:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "只读角色改写"}).status_code == 403, url

    project.refresh_from_db()
    company.refresh_from_db()
    assert project.name != "只读角色改写" and company.name != "只读角色改写"
    assert not Company.objects.filter(name="只读角色改写").exists()


# Valid bodies: an editor creates both with them (test below), so a 403 is the role's doing.
NEW_COMPANY = {"name": "只读角色新企业", "credit_code": credit_code.make("91420502", "MA4A8C1X3"),
               "legal_representative": "李四", "contact_phone": "13812341234"}
NEW_PROJECT = {"name": "只读角色新小区", "address": "测试路 1 号", "community": "420502001001"}


def test_an_editor_creates_with_the_same_api_bodies(client_for, xiling_housing_staff):
    client = client_for(xiling_housing_staff)

    assert client.post(reverse("company-list"), NEW_COMPANY, content_type="application/json").status_code == 201
    assert client.post(reverse("project-list"), NEW_PROJECT, content_type="application/json").status_code == 201


@pytest.mark.parametrize("persona", READ_ONLY)
def test_read_only_roles_get_403_on_api_writes(request, client_for, registry, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    project, company = _visible_target(user)
    json = "application/json"

    assert client.post(reverse("company-list"), NEW_COMPANY, content_type=json).status_code == 403
    assert client.post(reverse("project-list"), NEW_PROJECT, content_type=json).status_code == 403
    assert client.patch(reverse("company-detail", args=[company.pk]), {"name": "只读角色改写"},
                        content_type=json).status_code == 403
    assert client.patch(reverse("project-detail", args=[project.pk]), {"name": "只读角色改写"},
                        content_type=json).status_code == 403
    assert not Company.objects.filter(name__startswith="只读角色").exists()
    assert not Project.objects.filter(name__startswith="只读角色").exists()


@pytest.mark.parametrize(("persona", "sees_wujiagang"), [
    ("police_officer", False), ("market_officer", False), ("drc_officer", True), ("auditor_user", True),
])
def test_read_only_roles_see_the_registry_of_their_region(request, client_for, registry, persona, sees_wujiagang):
    xiling, wujiagang = registry
    client = client_for(request.getfixturevalue(persona))

    listing = client.get(reverse("registry:project_list"))
    api = {row["id"] for row in client.get(reverse("project-list")).json()["results"]}

    assert listing.status_code == 200
    html = listing.content.decode()
    assert xiling.name in html and xiling.pk in api
    assert (wujiagang.name in html) is sees_wujiagang
    assert (wujiagang.pk in api) is sees_wujiagang
    assert client.get(reverse("registry:project_detail", args=[xiling.pk])).status_code == 200
    # Nothing on the page invites them to write.
    assert reverse("registry:project_create") not in html
    assert reverse("registry:import") not in html


@pytest.mark.parametrize("persona", ["police_officer", "drc_officer", "auditor_user"])
def test_read_only_roles_may_export_what_they_see(request, client_for, registry, persona):
    from propwatch.web.tests.scoping_suite import xlsx_cells

    xiling, _ = registry
    response = client_for(request.getfixturevalue(persona)).get(reverse("registry:project_list"), {"export": "xlsx"})

    assert response.status_code == 200
    assert xiling.name in xlsx_cells(response)


# ---- the pages for administrators ----------------------------------------------------------------

@pytest.mark.parametrize(("persona", "status"), [
    ("city_admin", 200), ("auditor_user", 200), ("xiling_housing_staff", 403), ("county_admin", 403),
    ("drc_officer", 403), ("company_user", 403),
])
def test_only_city_administrators_and_auditors_read_the_audit_log(request, client_for, persona, status):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(reverse("audit:event_list")).status_code == status
    assert client.get(reverse("audit:event_list"), {"export": "xlsx"}).status_code == status


def test_editor_sees_the_write_buttons(client_for, xiling_housing_staff):
    # The counterpart of the read-only check above: the buttons exist for those who may write.
    html = client_for(xiling_housing_staff).get(reverse("registry:project_list")).content.decode()

    assert reverse("registry:project_create") in html
    assert reverse("registry:import") in html
