"""List pages and API lists cost the same number of queries for 3N rows as for N.

A list that loads a related row per line (an N+1) is invisible with ten rows and takes the site
down with the province's 50,000 projects. Each case below renders a list, adds twice as many rows
again, each with its own related objects (company, community, street, county, department,
actor), renders it again, and compares the query counts. The rows are checked to be on the page,
so a list that silently lost its rows cannot pass.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory
from propwatch.regions.models import Level, Region
from propwatch.registry import credit_code, services
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory

N = 4
# A whole page is session + user + department + region, the rows and their count, and a couple of
# filter dropdowns: around ten. The bound leaves room for a little more, not for a query per row.
MAX_QUERIES = 12

_serial = itertools.count(1)


def _xiling_communities() -> list[Region]:
    # One community per street, so each row's community, street and county differ from its
    # neighbours' and nothing can be served from a cache of a single related object.
    return [street.children.order_by("code").first()
            for street in Region.objects.filter(level=Level.STREET, parent__code="420502").order_by("code")]


def _counties() -> list[Region]:
    return list(Region.objects.filter(level=Level.COUNTY).order_by("code"))


def add_projects(n: int) -> None:
    """n projects in 西陵区, most with their own company (registered in various counties)."""
    communities, counties = _xiling_communities(), _counties()
    for _ in range(n):
        k = next(_serial)
        company = CompanyFactory(region=counties[k % len(counties)]) if k % 4 else None
        ProjectFactory(community=communities[k % len(communities)], company=company)


def add_companies(n: int) -> None:
    """n companies registered around the city, each managing projects in 西陵区."""
    communities, counties = _xiling_communities(), _counties()
    for _ in range(n):
        k = next(_serial)
        company = CompanyFactory(region=counties[k % len(counties)] if k % 3 else None)
        for j in range(k % 3 + 1):
            ProjectFactory(company=company, community=communities[(k + j) % len(communities)])


def add_users(n: int) -> None:
    """n users, each in its own department at a different region."""
    regions = list(Region.objects.filter(level__in=[Level.COUNTY, Level.STREET]).order_by("code"))
    for _ in range(n):
        k = next(_serial)
        UserFactory(department=DepartmentFactory(region=regions[k % len(regions)]), username=f"qc_user_{k}")


def add_audit_events(n: int) -> None:
    """n audited writes by n different actors, through the registry services (creates and updates)."""
    for _ in range(n):
        k = next(_serial)
        actor = UserFactory(username=f"qc_actor_{k}")
        company = services.create_company(actor=actor, data={
            "name": f"审计计数物业{k}", "credit_code": credit_code.make("91420502", f"QC{k:07d}"),
            "legal_representative": "王五", "contact_phone": "13812341234", "region": None,
        })
        if k % 2:
            services.update_company(actor=actor, company=company, data={"name": f"审计计数物业{k}（更名）"})


@dataclass(frozen=True)
class Case:
    id: str
    url_name: str
    persona: str
    add: Callable[[int], None]
    api: bool = False  # rows are read from the JSON `count`, not from the page's `object_list`


CASES = [
    Case("company list", "registry:company_list", "city_admin", add_companies),
    Case("company list, county", "registry:company_list", "xiling_housing_staff", add_companies),
    Case("project list", "registry:project_list", "city_admin", add_projects),
    Case("project list, county", "registry:project_list", "xiling_housing_staff", add_projects),
    Case("user list", "accounts:user_list", "city_admin", add_users),
    Case("audit list", "audit:event_list", "city_admin", add_audit_events),
    Case("API companies", "company-list", "city_admin", add_companies, api=True),
    Case("API companies, county", "company-list", "xiling_housing_staff", add_companies, api=True),
    Case("API projects", "project-list", "city_admin", add_projects, api=True),
    Case("API projects, county", "project-list", "xiling_housing_staff", add_projects, api=True),
]


def measure(client, case: Case) -> tuple[int, int]:
    """(queries, rows shown) for one request of the list."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(case.url_name))
    assert response.status_code == 200
    if case.api:
        body = response.json()
        assert len(body["results"]) == body["count"], "every row fits on the first API page"
        rows = body["count"]
    else:
        page = response.context["page"]
        assert page.paginator.count == len(page.object_list), "every row fits on the first page"
        rows = len(page.object_list)
    return len(queries), rows


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_list_costs_the_same_for_3n_rows_as_for_n(request, client_for, case):
    client = client_for(request.getfixturevalue(case.persona))
    # A first request pays the one-off costs (session, caches) that later requests do not.
    client.get(reverse(case.url_name))

    # Given N rows
    case.add(N)
    queries_n, rows_n = measure(client, case)

    # When there are 3N
    case.add(2 * N)
    queries_3n, rows_3n = measure(client, case)

    # Then the page shows them all for the same number of queries, and that number is small
    assert rows_3n - rows_n >= 2 * N
    assert queries_3n == queries_n
    assert queries_n <= MAX_QUERIES


@pytest.mark.parametrize("url_name", ["registry:company_list", "registry:project_list"])
def test_export_costs_the_same_for_3n_rows_as_for_n(client_for, city_admin, url_name):
    # The export walks every row (not a page of 25): an N+1 there multiplies by the whole register.
    client = client_for(city_admin)
    add = add_companies if url_name == "registry:company_list" else add_projects
    client.get(reverse(url_name), {"export": "xlsx"})

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name), {"export": "xlsx"}).status_code == 200
        return len(queries)

    add(N)
    queries_n = export_queries()
    add(2 * N)

    assert export_queries() == queries_n
    assert queries_n <= MAX_QUERIES
