"""The staff complaints API: same scope, filters, rules and services as the pages."""

import pytest

from propwatch.audit.models import AuditEvent
from propwatch.complaints.choices import State

from .factories import MASKED_PHONE, NAME, PHONE, ComplaintFactory, fresh, use_stub_classifier, xiling_project


@pytest.fixture(autouse=True)
def _stub(monkeypatch):
    use_stub_classifier(monkeypatch)


@pytest.fixture
def complaint(company_user):
    return ComplaintFactory(project=xiling_project(company_user), name=NAME, phone=PHONE,
                            text="物业在电梯轿厢里贴满广告，还把架空层租出去开麻将馆")


def test_list_masks_contact_and_filters(client_for, xiling_housing_staff, complaint, django_assert_max_num_queries):
    client = client_for(xiling_housing_staff)
    with django_assert_max_num_queries(12):
        data = client.get("/api/v1/complaints/", {"state": "received"}).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["complainant_phone"] == MASKED_PHONE and row["tracking_code"] == complaint.display_code
    assert PHONE not in str(data) and NAME not in str(data)
    assert client.get("/api/v1/complaints/", {"state": "rejected"}).json()["count"] == 0


def test_other_county_and_company_cannot_reach(client_for, wujiagang_housing_staff, company_user, complaint):
    assert client_for(wujiagang_housing_staff).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert client_for(wujiagang_housing_staff).post(f"/api/v1/complaints/{complaint.pk}/reveal/").status_code == 404
    assert client_for(company_user).get("/api/v1/complaints/").status_code == 403


def test_accept_conflict_and_reveal(client_for, street_officer, complaint):
    client = client_for(street_officer)
    url = f"/api/v1/complaints/{complaint.pk}/accept/"
    body = {"version": complaint.version, "focus": 2, "route": "housing"}
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 200, first.json()
    assert first.json()["state"] == State.ACCEPTED and first.json()["problem_number"]
    second = client.post(url, body, content_type="application/json")
    assert second.status_code == 409
    assert "请刷新" in second.json()["detail"]
    revealed = client.post(f"/api/v1/complaints/{complaint.pk}/reveal/")
    assert revealed.json() == {"name": NAME, "phone": PHONE}
    assert AuditEvent.objects.filter(action="reveal", object_id=str(complaint.pk)).count() == 1


def test_police_cannot_reveal_confidential(client_for, police_officer, street_officer, company_user):
    c = ComplaintFactory(project=xiling_project(company_user), name=NAME, phone=PHONE, confidential=True,
                         text="保安队长上门威胁要打人")
    client_for(street_officer).post(f"/api/v1/complaints/{c.pk}/accept/",
                                    {"version": c.version, "focus": 3, "route": "police",
                                     "department": police_officer.department_id}, content_type="application/json")
    assert fresh(c).handling_department == police_officer.department
    police = client_for(police_officer)
    assert police.get(f"/api/v1/complaints/{c.pk}/").status_code == 200
    refused = police.post(f"/api/v1/complaints/{c.pk}/reveal/")
    assert refused.status_code == 403 and "保密" in refused.json()["detail"]


def test_staff_intake_and_reject(client_for, street_officer, company_user):
    client = client_for(street_officer)
    created = client.post("/api/v1/complaints/", {
        "channel": "hotline", "received_at": "2026-11-30T10:00:00+08:00", "project": xiling_project(company_user).pk,
        "text": "邻居装修噪音太大", "phone": "12"}, content_type="application/json")
    assert created.status_code == 400 and "电话号码格式不正确" in str(created.json())
    created = client.post("/api/v1/complaints/", {
        "channel": "hotline", "received_at": "2026-11-30T10:00:00+08:00", "project": xiling_project(company_user).pk,
        "text": "邻居装修噪音太大"}, content_type="application/json")
    assert created.status_code == 201
    pk, version = created.json()["id"], created.json()["version"]
    refused = client.post(f"/api/v1/complaints/{pk}/reject/", {"version": version, "reason": ""},
                          content_type="application/json")
    assert refused.status_code == 400
    done = client.post(f"/api/v1/complaints/{pk}/reject/", {"version": version, "reason": "属邻里纠纷，请联系社区调解",
                                                             "focus": 0}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "rejected" and done.json()["route"] == "none"
