"""Who sees which complaints (`Complaint.objects.visible_to`) and who may act on them.

Offices see their territory; police and market regulation only what is routed to them; a
property company never sees a complaint record, not even about its own project; the city sees
everything; an auditor reads but never decides.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.scoping import get_visible_or_404
from propwatch.accounts.tests.factories import UserFactory, officer
from propwatch.complaints import selectors, services
from propwatch.complaints.choices import Route, Satisfaction
from propwatch.complaints.errors import ComplaintError, NotAllowed
from propwatch.complaints.models import Complaint
from propwatch.ledger.models import Problem
from propwatch.registry.tests.factories import ProjectFactory, community

from .factories import (
    NAME,
    PHONE,
    ComplaintFactory,
    accept,
    close_problem,
    files_in,
    fresh,
    market_officer,
    use_stub_classifier,
    wujiagang_project,
    xiling_project,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stubbed_classifier_and_tmp_files(monkeypatch, settings, tmp_path):
    use_stub_classifier(monkeypatch)
    files_in(settings, tmp_path)


@pytest.fixture
def xiling(company_user):
    """A complaint about the company's 西陵 project (西陵街道), with the resident's contact."""
    return ComplaintFactory(project=xiling_project(company_user), name=NAME, phone=PHONE)


@pytest.fixture
def wujiagang(company_user):
    return ComplaintFactory(project=wujiagang_project(company_user), name=NAME, phone=PHONE)


def _visible(user) -> set[int]:
    return set(Complaint.objects.visible_to(user).values_list("pk", flat=True))


def fresh_user(user):
    """The user as a request would load it (department and region in the same query)."""
    return type(user).objects.select_related("department__region").get(pk=user.pk)


# ---- territory ----------------------------------------------------------------------------------

def test_a_county_sees_its_own_complaints_and_not_another_countys(
        xiling, wujiagang, xiling_housing_staff, wujiagang_housing_staff):
    assert _visible(xiling_housing_staff) == {xiling.pk}
    assert _visible(wujiagang_housing_staff) == {wujiagang.pk}
    # Out of scope looks like missing: a 404, not a 403.
    with pytest.raises(Http404):
        get_visible_or_404(Complaint.objects.all(), wujiagang_housing_staff, pk=xiling.pk)


def test_a_street_office_sees_its_own_street_only(xiling, street_officer):
    next_street = ComplaintFactory(project=ProjectFactory(community=community("420502002001")))
    assert _visible(street_officer) == {xiling.pk}
    assert next_street.pk not in _visible(street_officer)


def test_the_city_sees_every_county(xiling, wujiagang, city_admin):
    assert _visible(city_admin) == {xiling.pk, wujiagang.pk}


def test_nobody_without_an_active_office_sees_anything(xiling, xiling_housing_staff):
    assert _visible(AnonymousUser()) == set()
    dept = xiling_housing_staff.department
    dept.is_active = False
    dept.save()
    assert _visible(fresh_user(xiling_housing_staff)) == set()


@pytest.mark.parametrize("kind", [DepartmentKind.DRC, DepartmentKind.CIVIL_AFFAIRS, DepartmentKind.ASSOCIATION])
def test_departments_without_a_part_in_complaints_see_none(kind, xiling):
    assert _visible(officer("420502", kind)) == set()


# ---- the property company -------------------------------------------------------------------------

def test_the_company_sees_no_complaint_even_about_its_own_projects(xiling, wujiagang, company_user,
                                                                   xiling_housing_staff):
    accept(xiling, xiling_housing_staff, focus=2)
    assert _visible(company_user) == set()
    with pytest.raises(Http404):
        get_visible_or_404(Complaint.objects.all(), company_user, pk=xiling.pk)
    # It does see the problem opened from it, which is how it learns of the complaint.
    assert Problem.objects.visible_to(company_user).filter(pk=fresh(xiling).problem_id).exists()


# ---- routed departments ----------------------------------------------------------------------------

def test_police_see_only_what_is_routed_to_them(xiling, company_user, xiling_housing_staff, police_officer):
    housing = ComplaintFactory(project=xiling.project)
    # Before anyone routes it, the police see nothing, even in their own county.
    assert _visible(police_officer) == set()

    accept(xiling, xiling_housing_staff, focus=3, route=Route.POLICE)
    accept(housing, xiling_housing_staff, focus=2, route=Route.HOUSING)

    assert _visible(police_officer) == {xiling.pk}
    other_police = officer("420503", DepartmentKind.POLICE, name="宜昌市公安局伍家岗区分局")
    assert _visible(other_police) == set()


def test_market_regulation_sees_only_the_fee_complaints_routed_to_it(xiling, xiling_housing_staff):
    market = market_officer()
    fees = ComplaintFactory(project=xiling.project, text="物业乱收费")
    accept(fees, xiling_housing_staff, focus=6, route=Route.MARKET)
    assert _visible(market) == {fees.pk}


def test_a_duplicate_of_a_routed_complaint_is_routed_with_it(xiling, xiling_housing_staff, police_officer):
    accept(xiling, xiling_housing_staff, focus=3, route=Route.POLICE)
    call = ComplaintFactory(project=xiling.project, text="保安又来威胁")
    services.mark_duplicate(actor=xiling_housing_staff, complaint=call, version=call.version,
                            original=fresh(xiling))
    assert _visible(police_officer) == {xiling.pk, call.pk}


def test_likely_duplicates_only_offer_what_the_user_may_see(xiling, xiling_housing_staff, police_officer):
    accept(xiling, xiling_housing_staff, focus=3, route=Route.POLICE)
    same = ComplaintFactory(project=xiling.project, text=xiling.text)
    assert [c for c, _ in selectors.likely_duplicates(same, xiling_housing_staff)] == [fresh(xiling)]
    # The police see the routed complaint's unrouted neighbour in no list.
    assert selectors.likely_duplicates(fresh(xiling), police_officer) == []


# ---- the auditor ----------------------------------------------------------------------------------

def test_the_auditor_sees_everything_and_changes_nothing(xiling, wujiagang, auditor_user, xiling_housing_staff,
                                                          company_user):
    assert _visible(auditor_user) == {xiling.pk, wujiagang.pk}

    for attempt in (
        lambda: accept(xiling, auditor_user, focus=2),
        lambda: services.reject_complaint(actor=auditor_user, complaint=xiling, version=xiling.version,
                                          reason="不属于专项整治"),
        lambda: services.mark_duplicate(actor=auditor_user, complaint=xiling, version=xiling.version,
                                        original=ComplaintFactory(project=xiling.project)),
        lambda: services.reveal_complainant(actor=auditor_user, complaint=xiling),
        lambda: services.reply_complaint(actor=auditor_user, complaint=xiling, text="已阅"),
    ):
        with pytest.raises(NotAllowed):
            attempt()

    accepted = accept(xiling, xiling_housing_staff, focus=2)
    close_problem(accepted.problem, verifier=xiling_housing_staff, submitter=company_user)
    with pytest.raises(NotAllowed):
        services.record_callback(actor=auditor_user, complaint=fresh(accepted),
                                 satisfaction=Satisfaction.SATISFIED, method="phone")


# ---- acting outside the scope -----------------------------------------------------------------------

def test_another_countys_office_cannot_decide_a_complaint_it_cannot_see(xiling, wujiagang_housing_staff):
    refused = False
    try:
        services.reject_complaint(actor=wujiagang_housing_staff, complaint=xiling, version=xiling.version,
                                  reason="不属于我区")
    except (NotAllowed, ComplaintError):
        refused = True
    assert refused


def test_another_countys_office_cannot_reveal_a_complainant_it_cannot_see(xiling, wujiagang_housing_staff):
    revealed = None
    try:
        revealed = services.reveal_complainant(actor=wujiagang_housing_staff, complaint=xiling)
    except NotAllowed:
        pass
    assert revealed is None


# ---- query counts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["city_admin", "xiling_housing_staff", "street_officer", "police_officer",
                                     "company_user", "auditor_user"])
def test_scoping_a_list_costs_one_query_however_many_rows(persona, request, company_user,
                                                          django_assert_num_queries):
    user = fresh_user(request.getfixturevalue(persona))
    ComplaintFactory.create_batch(5, project=xiling_project(company_user))
    ComplaintFactory.create_batch(5, project=wujiagang_project(company_user))
    with django_assert_num_queries(0 if persona == "company_user" else 1):
        list(Complaint.objects.visible_to(user).select_related("project"))


def test_a_new_user_of_the_same_office_sees_the_same(xiling, xiling_housing_staff):
    colleague = UserFactory(department=xiling_housing_staff.department)
    assert _visible(colleague) == _visible(xiling_housing_staff) == {xiling.pk}
