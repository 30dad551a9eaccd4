"""The public API: file a complaint as JSON, read its progress by tracking code."""

import pytest
import yaml
from django.core.management import call_command

from propwatch.complaints import services, tracking
from propwatch.complaints.choices import Channel, EventKind, Progress
from propwatch.complaints.models import Complaint, ComplaintEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/public/complaints/"
TEXT = "小区电梯轿厢里贴满了广告，物业收了广告费却从来不公示公共收益。"


def _post(client, body: dict, **headers):
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_complaint_filed_as_json_answers_with_its_tracking_code(client, project):
    response = _post(client, {"project": project.pk, "text": TEXT, "name": "张三", "phone": "138 1234 5678",
                              "confidential": True})

    assert response.status_code == 201
    body = response.json()
    complaint = Complaint.objects.get()
    assert body == {"tracking_code": complaint.display_code,
                    "status_url": f"http://testserver/public/status/{complaint.display_code}/"}
    assert (complaint.channel, complaint.confidential, complaint.phone()) == (Channel.WEB, True, "13812345678")


def test_a_repeat_with_the_same_idempotency_key_answers_200_with_the_same_code(client, project):
    body = {"project": project.pk, "text": TEXT}

    first = _post(client, body, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    second = _post(client, body, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    other = _post(client, {**body, "text": TEXT + "（补充）"}, HTTP_IDEMPOTENCY_KEY="retry-7f3a")

    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["tracking_code"] == second.json()["tracking_code"] != other.json()["tracking_code"]
    assert Complaint.objects.count() == 2


def test_errors_are_400_with_chinese_messages_by_field(client, project):
    bad_phone = _post(client, {"project": project.pk, "text": TEXT, "phone": "12345"})
    no_project = _post(client, {"project": 999999, "text": TEXT})
    nothing = _post(client, {})

    assert bad_phone.status_code == no_project.status_code == nothing.status_code == 400
    assert bad_phone.json()["phone"][0].startswith("电话号码格式不正确")
    assert no_project.json() == {"project": ["小区不存在"]}
    assert nothing.json()["text"] == ["请填写投诉内容：发生了什么、在哪里、持续多久"]
    assert nothing.json()["project"] == ["请选择小区"]
    assert not Complaint.objects.exists()


def test_the_status_answers_progress_and_public_replies_without_personal_data(client, project, xiling_housing_staff):
    code = _post(client, {"project": project.pk, "text": TEXT, "name": "张三", "phone": "13812345678"}).json()[
        "tracking_code"]
    complaint = Complaint.objects.get()
    services.reply_complaint(actor=xiling_housing_staff, complaint=complaint, text="已要求物业公示广告收益。")
    ComplaintEvent.objects.create(complaint=complaint, kind=EventKind.REPLY, public=False, note="内部：待约谈")

    response = client.get(URL + code.lower().replace("-", " ") + "/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"tracking_code", "project", "received_at", "progress", "progress_label", "replies"}
    assert (body["tracking_code"], body["project"]) == (code, "江城西陵花园")
    assert (body["progress"], body["progress_label"]) == (Progress.RECEIVED.value, Progress.RECEIVED.label)
    assert [r["text"] for r in body["replies"]] == [
        "已收到您的投诉（网上投诉），我们将尽快受理。", "已要求物业公示广告收益。"]
    text = response.content.decode()
    assert "张三" not in text and "13812345678" not in text and "内部" not in text
    assert xiling_housing_staff.display_name not in text


def test_an_unknown_code_is_404(client, db):
    response = client.get(URL + tracking.new_code() + "/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该查询码"}


def test_both_endpoints_are_rate_limited_with_a_chinese_429(client, project, settings):
    settings.PUBLIC_COMPLAINT_RATE = "2/h"
    settings.PUBLIC_LOOKUP_RATE = "3/h"
    for _ in range(2):
        _post(client, {})
    for _ in range(3):
        client.get(URL + tracking.new_code() + "/")

    posted = _post(client, {"project": project.pk, "text": TEXT})
    looked_up = client.get(URL + tracking.new_code() + "/")

    for response in (posted, looked_up):
        assert response.status_code == 429
        assert response.json()["detail"].startswith("您的操作过于频繁，请稍后再试。")
    assert not Complaint.objects.exists()


def test_the_public_api_needs_no_login_and_no_csrf_token(project):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert _post(strict, {"project": project.pk, "text": TEXT}).status_code == 201


def test_the_schema_documents_the_public_endpoints_and_validates(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    paths = yaml.safe_load(target.read_text())["paths"]
    create = paths["/api/v1/public/complaints/"]["post"]
    status = paths["/api/v1/public/complaints/{tracking_code}/"]["get"]
    assert {"201", "200", "400", "429"} <= set(create["responses"])
    assert {"200", "404", "429"} <= set(status["responses"])
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    assert "security" not in create and "security" not in status  # no credentials of any kind
