"""The staff complaint pages, as officers click through them: list, intake, decide, reveal, callback."""

import pytest
from django.urls import reverse

from propwatch.audit.models import AuditEvent
from propwatch.complaints.choices import Channel, State
from propwatch.complaints.models import Complaint
from propwatch.ledger.tests.factories import png_upload

from .factories import (
    MASKED_PHONE,
    NAME,
    PHONE,
    ComplaintFactory,
    accept,
    close_problem,
    files_in,
    fresh,
    use_stub_classifier,
    wujiagang_project,
    xiling_project,
)


@pytest.fixture(autouse=True)
def _stub(monkeypatch, settings, tmp_path):
    use_stub_classifier(monkeypatch)
    files_in(settings, tmp_path)


@pytest.fixture
def xiling_complaint(company_user):
    return ComplaintFactory(project=xiling_project(company_user), name=NAME, phone=PHONE,
                            text="物业以欠费为由停水两天，老人小孩没水用")


def test_list_shows_masked_contact_free_rows_and_filters(client_for, xiling_housing_staff, xiling_complaint,
                                                         company_user, django_assert_max_num_queries):
    ComplaintFactory(project=wujiagang_project(company_user), text="伍家岗的投诉不应出现")
    client = client_for(xiling_housing_staff)
    for i in range(5):
        ComplaintFactory(project=xiling_project(company_user), text=f"第{i}件：楼道堆放杂物")
    with django_assert_max_num_queries(14):
        page = client.get(reverse("complaints:complaint_list")).content.decode()
    assert xiling_complaint.display_code in page
    assert "伍家岗的投诉不应出现" not in page
    assert NAME not in page and PHONE not in page
    filtered = client.get(reverse("complaints:complaint_list"), {"q": xiling_complaint.display_code.lower()})
    assert filtered.content.decode().count("complaints/") >= 1
    assert "第1件" not in filtered.content.decode()


def test_list_and_detail_refused_to_company_and_other_county(client_for, company_user, wujiagang_housing_staff,
                                                              xiling_complaint):
    company = client_for(company_user)
    assert company.get(reverse("complaints:complaint_list")).status_code == 403
    assert company.get(reverse("complaints:complaint_detail", args=[xiling_complaint.pk])).status_code == 403
    other = client_for(wujiagang_housing_staff)
    assert other.get(reverse("complaints:complaint_detail", args=[xiling_complaint.pk])).status_code == 404
    assert other.post(reverse("complaints:complaint_reveal", args=[xiling_complaint.pk])).status_code == 404


def test_staff_intake_for_each_channel(client_for, street_officer, company_user):
    client = client_for(street_officer)
    project = xiling_project(company_user)
    for channel in ["hotline", "letter", "mailbox", "media", "visit"]:
        response = client.post(reverse("complaints:complaint_create"), {
            "channel": channel, "received_at": "2026-11-20T09:30", "project": project.pk,
            "text": f"{channel}：物业把电梯广告位出租", "phone": "0717-6221234", "wants_reply": "on",
            "photos": [png_upload()],
        })
        assert response.status_code == 302, response.content.decode()[:2000]
    rows = Complaint.objects.filter(project=project).order_by("pk")
    assert sorted(rows.values_list("channel", flat=True)) == sorted(["hotline", "letter", "mailbox", "media", "visit"])
    assert all(c.received_by_department_id == street_officer.department_id for c in rows)
    assert rows[0].photos.count() == 1


def test_intake_errors_are_shown_and_nothing_saved(client_for, street_officer, company_user):
    client = client_for(street_officer)
    project = xiling_project(company_user)
    response = client.post(reverse("complaints:complaint_create"), {
        "channel": "hotline", "received_at": "2026-11-20T09:30", "project": project.pk, "text": "", "phone": "12345",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "请填写投诉内容" in body or "电话号码格式不正确" in body
    assert not Complaint.objects.exists()
    wrong = client.post(reverse("complaints:complaint_create"), {
        "channel": "hotline", "received_at": "2026-11-20T09:30", "project": wujiagang_project(company_user).pk,
        "text": "别的区的小区"})
    assert "请从列表中选择您管辖范围内的小区" in wrong.content.decode()


def test_accept_from_page_opens_problem_and_reveal_is_audited(client_for, street_officer, xiling_complaint):
    client = client_for(street_officer)
    url = reverse("complaints:complaint_detail", args=[xiling_complaint.pk])
    page = client.get(url).content.decode()
    assert MASKED_PHONE in page and PHONE not in page and NAME not in page
    assert "判断依据" in page
    response = client.post(reverse("complaints:complaint_action", args=[xiling_complaint.pk, "accept"]), {
        "version": xiling_complaint.version, "focus": "1", "route": "housing", "department": "", "join_problem": "",
        "note": ""})
    assert response.status_code == 302
    complaint = fresh(xiling_complaint)
    assert complaint.state == State.ACCEPTED and complaint.problem is not None
    assert complaint.handling_department == street_officer.department
    again = client.post(reverse("complaints:complaint_action", args=[xiling_complaint.pk, "accept"]), {
        "version": xiling_complaint.version, "focus": "1", "route": "housing"})
    assert again.status_code in (403, 409) or "不能重复处理" in again.content.decode()
    revealed = client.post(reverse("complaints:complaint_reveal", args=[xiling_complaint.pk]))
    body = revealed.content.decode()
    assert NAME in body and PHONE in body
    assert revealed["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="reveal", object_id=str(xiling_complaint.pk),
                                     actor=street_officer).count() == 1


def test_reject_needs_reason_on_page(client_for, street_officer, xiling_complaint):
    client = client_for(street_officer)
    url = reverse("complaints:complaint_action", args=[xiling_complaint.pk, "reject"])
    body = client.post(url, {"version": xiling_complaint.version, "reason": ""}).content.decode()
    assert "不予受理须填写理由" in body
    assert fresh(xiling_complaint).state == State.RECEIVED
    client.post(url, {"version": xiling_complaint.version, "reason": "属于邻里纠纷，请向社区调解委员会反映", "focus": "0"})
    assert fresh(xiling_complaint).state == State.REJECTED


def test_duplicate_suggested_and_marked_across_channels(client_for, street_officer, company_user):
    project = xiling_project(company_user)
    first = ComplaintFactory(project=project, channel=Channel.WEB, text="物业在3栋楼道里堆放杂物，消防通道被堵死了")
    second = ComplaintFactory(project=project, channel=Channel.HOTLINE, text="3栋楼道堆放杂物，消防通道被堵死，物业不管")
    client = client_for(street_officer)
    page = client.get(reverse("complaints:complaint_detail", args=[second.pk])).content.decode()
    assert "可能重复的投诉" in page and first.display_code in page and "%" in page
    client.post(reverse("complaints:complaint_action", args=[second.pk, "duplicate"]),
                {"version": second.version, "original": first.pk})
    assert fresh(second).state == State.DUPLICATE and fresh(second).duplicate_of == first


def test_callback_page_after_close_and_dissatisfied_reopens(client_for, street_officer, xiling_housing_staff,
                                                            company_user, xiling_complaint):
    complaint = accept(xiling_complaint, street_officer, focus=1)
    close_problem(complaint.problem, verifier=street_officer, submitter=company_user)
    client = client_for(street_officer)
    page = client.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
    assert "提交回访" in page
    url = reverse("complaints:complaint_action", args=[complaint.pk, "callback"])
    body = client.post(url, {"satisfaction": "dissatisfied", "method": "phone", "note": ""}).content.decode()
    assert "不满意须填写回访情况" in body
    client.post(url, {"satisfaction": "dissatisfied", "method": "phone", "note": "水压还是不够"})
    complaint = fresh(complaint)
    assert complaint.problem.state == "rectifying"
    assert complaint.callbacks.get().satisfaction == "dissatisfied"


def test_photo_served_only_in_scope(client_for, xiling_housing_staff, wujiagang_housing_staff, company_user):
    from propwatch.complaints import services

    complaint, _ = services.submit_public_complaint(project=xiling_project(company_user), text="电梯里贴满了广告",
                                                    photos=[png_upload()])
    photo = complaint.photos.get()
    url = reverse("complaints:photo_file", args=[photo.pk])
    assert client_for(xiling_housing_staff).get(url).status_code == 200
    assert client_for(wujiagang_housing_staff).get(url).status_code == 404
    assert client_for(company_user).get(url).status_code == 403


def test_export_has_no_contact_data(client_for, xiling_housing_staff, xiling_complaint):
    import io
    import zipfile

    response = client_for(xiling_housing_staff).get(reverse("complaints:complaint_list"), {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        text = "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    assert xiling_complaint.display_code in text
    assert PHONE not in text and NAME not in text and MASKED_PHONE not in text
