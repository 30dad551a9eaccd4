"""The ledger over the API: same scope, rules and services as the pages; 409 with a reason."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from propwatch.ledger.choices import State
from propwatch.registry.tests.factories import ProjectFactory, community

from .factories import png_upload, register


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def company_project(company_user):
    return company_user.department.company.projects.get(name="江城西陵花园")


def test_create_problem_through_the_api(xiling_housing_staff, company_project):
    response = api(xiling_housing_staff).post("/api/v1/problems/", {
        "project": company_project.pk, "focus": 6, "description": "转供电每度加价 0.3 元", "source": "complaint",
        "found_on": timezone.localdate().isoformat(), "level": "county",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == State.REGISTERED and body["number"].startswith("420502-")
    assert body["events"][0]["kind"] == "register" and body["allowed_next_states"] == ["assigned"]


def test_create_in_another_county_is_refused(xiling_housing_staff):
    other = ProjectFactory(community=community("420503001001"))
    response = api(xiling_housing_staff).post("/api/v1/problems/", {
        "project": other.pk, "focus": 2, "description": "占用", "source": "inspection",
        "found_on": timezone.localdate().isoformat()}, format="json")
    assert response.status_code == 400 and "project" in response.json()


def test_transitions_from_registration_to_close_out(xiling_housing_staff, company_user, company_project):
    from propwatch.accounts.tests.factories import UserFactory

    verifier = UserFactory(department=xiling_housing_staff.department, username="t_verifier")
    p = register(xiling_housing_staff, company_project)
    county, company = api(xiling_housing_staff), api(company_user)
    url = f"/api/v1/problems/{p.pk}/transitions/"
    r = county.post(url, {"target": "assigned", "version": p.version,
                          "department": xiling_housing_staff.department.pk}, format="json")
    assert r.status_code == 200, r.content
    r = company.post(url, {"target": "rectifying", "version": r.json()["version"]}, format="json")
    assert r.status_code == 200
    r = company.post(url, {"target": "awaiting_verification", "version": r.json()["version"], "note": "已恢复供水",
                           "files": [png_upload()]}, format="multipart")
    assert r.status_code == 200, r.content
    r = api(verifier).post(url, {"target": "closed", "version": r.json()["version"], "note": "核验通过"},
                           format="json")
    assert r.status_code == 200 and r.json()["state"] == State.CLOSED
    assert [e["to_state"] for e in r.json()["events"]][-1] == State.CLOSED


def test_illegal_move_is_409_with_a_reason(xiling_housing_staff, company_project):
    p = register(xiling_housing_staff, company_project)
    r = api(xiling_housing_staff).post(f"/api/v1/problems/{p.pk}/transitions/",
                                       {"target": "closed", "version": p.version}, format="json")
    assert r.status_code == 409
    assert "不能变更为" in r.json()["detail"] and r.json()["code"] == "IllegalTransition"


def test_stale_version_is_409_and_nothing_changes(xiling_housing_staff, company_project):
    p = register(xiling_housing_staff, company_project)
    client = api(xiling_housing_staff)
    url = f"/api/v1/problems/{p.pk}/transitions/"
    first = client.post(url, {"target": "assigned", "version": p.version,
                              "department": xiling_housing_staff.department.pk}, format="json")
    assert first.status_code == 200
    second = client.post(url, {"target": "assigned", "version": p.version,
                               "department": xiling_housing_staff.department.pk}, format="json")
    assert second.status_code == 409 and "刷新" in second.json()["detail"]
    p.refresh_from_db()
    assert p.events.filter(to_state=State.ASSIGNED).count() == 1


def test_company_cannot_assign_its_own_problem(xiling_housing_staff, company_user, company_project):
    p = register(xiling_housing_staff, company_project)
    r = api(company_user).post(f"/api/v1/problems/{p.pk}/transitions/",
                               {"target": "assigned", "version": p.version}, format="json")
    assert r.status_code == 403


def test_scope_applies_to_list_and_detail(xiling_housing_staff, wujiagang_housing_staff, company_user):
    mine = register(xiling_housing_staff, ProjectFactory(community=community("420502001001")))
    theirs = register(wujiagang_housing_staff, ProjectFactory(community=community("420503001001")))
    numbers = [p["number"] for p in api(xiling_housing_staff).get("/api/v1/problems/").json()["results"]]
    assert mine.number in numbers and theirs.number not in numbers
    assert api(xiling_housing_staff).get(f"/api/v1/problems/{theirs.pk}/").status_code == 404
    assert api(xiling_housing_staff).post(f"/api/v1/problems/{theirs.pk}/transitions/",
                                          {"target": "assigned", "version": 1}, format="json").status_code == 404
    # The company sees neither: both are about other companies' projects.
    assert api(company_user).get("/api/v1/problems/").json()["count"] == 0


def test_api_filters_match_the_page(xiling_housing_staff):
    a = register(xiling_housing_staff, focus=5)
    register(xiling_housing_staff, focus=2)
    body = api(xiling_housing_staff).get("/api/v1/problems/?focus=5").json()
    assert [r["number"] for r in body["results"]] == [a.number]
