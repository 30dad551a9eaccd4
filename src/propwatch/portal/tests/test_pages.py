"""The public pages: a resident files a complaint and follows it, and sees nobody's personal data."""

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from propwatch.complaints import services, tracking
from propwatch.complaints.choices import Channel, EventKind, Progress, Route
from propwatch.complaints.models import Complaint, ComplaintEvent
from propwatch.registry.tests.factories import ProjectFactory, community

from .conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db

TEXT = "从3月1日起物业以我家欠物业费为由停了我家的水，至今没有恢复，老人孩子用水很困难。"


def _form(project_, **overrides) -> dict:
    data = {"project": project_.pk, "q": "西陵花园", "text": TEXT, "name": "王小明", "phone": "13812345678",
            "idempotency_key": uuid.uuid4().hex}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _photo(name="现场.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else jpeg_with_gps(), content_type=content_type)


def _filed(client, project, **overrides) -> Complaint:
    response = client.post("/public/complaint/", _form(project, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Complaint.objects.get(tracking_code=tracking.normalise(response.url.rstrip("/").rsplit("/", 1)[-1]))


# ---- home and links --------------------------------------------------------------------------

def test_the_public_home_shows_the_campaign_contacts_focus_problems_and_both_entries(client, settings):
    settings.PUBLIC_HOTLINE = "0717-6991234"
    settings.PUBLIC_MAILBOX = "test@yichang.gov.cn"

    response = client.get("/public/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "物业管理领域侵害群众利益问题专项整治" in html
    assert "0717-6991234" in html and "test@yichang.gov.cn" in html and settings.PUBLIC_MAILING_ADDRESS in html
    for label in ["停水停电等变相催费", "违规利用共用部位", "泄露信息、骚扰恐吓", "擅自撤离、拒不交接", "未按规定公示",
                  "违规收费、转供电加价"]:
        assert label in html
    assert 'href="/public/complaint/"' in html and "我要投诉" in html
    assert 'action="/public/status/"' in html and 'name="code"' in html
    assert "退出" not in html and "主导航" not in html  # nothing of the staff layout


def test_the_staff_login_page_links_to_the_public_site(client):
    html = client.get("/accounts/login/").content.decode()

    assert '<a href="/public/">居民投诉入口</a>' in html


def test_the_form_carries_a_fresh_idempotency_key_and_an_image_only_photo_input(client):
    first = client.get("/public/complaint/").content.decode()
    second = client.get("/public/complaint/").content.decode()

    keys = [re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1) for html in (first, second)]
    assert keys[0] != keys[1]
    assert re.search(r'<input type="file" name="photos"[^>]*accept="image/\*"[^>]*multiple', first)
    assert "对我的身份保密" in first
    # Scripts come from this server with the request's nonce; no inline handlers.
    assert re.search(r'<script src="/static/portal/portal\.js" nonce="[^"]+">', first)
    assert " onclick=" not in first and " onsubmit=" not in first


# ---- filing ----------------------------------------------------------------------------------

def test_a_resident_files_a_complaint_with_a_photo_and_its_location_data_is_removed(client, project):
    response = client.post("/public/complaint/", _form(project, photos=[_photo()], confidential="on"))

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert response.url == f"/public/complaint/done/{complaint.display_code}/"
    assert (complaint.channel, complaint.project, complaint.text) == (Channel.WEB, project, TEXT)
    assert complaint.confidential is True
    assert (complaint.name(), complaint.phone()) == ("王小明", "13812345678")
    assert "13812345678" not in complaint.phone_cipher  # stored encrypted
    photo = complaint.photos.get()
    with photo.file.open("rb") as f, Image.open(io.BytesIO(f.read())) as stored:
        exif = stored.getexif()
        assert stored.size == (64, 48)
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in exif

    done = client.get(response.url).content.decode()
    assert complaint.display_code in done and re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", complaint.display_code)
    assert "抄写下来或截图保存" in done
    assert f'href="/public/status/{complaint.display_code}/"' in done


def test_a_file_that_is_not_an_image_is_refused_and_the_text_is_kept(client, project):
    pdf = _photo("通知.pdf", b"%PDF-1.4 not an image %%EOF", "application/pdf")

    response = client.post("/public/complaint/", _form(project, photos=[pdf]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "文件“通知.pdf”不是图片" in html
    assert TEXT in html and 'value="13812345678"' in html and "江城西陵花园" in html
    assert "请重新选择照片" in html
    assert not Complaint.objects.exists()


def test_a_fake_image_is_refused_by_the_service_at_the_photo_field(client, project):
    fake = _photo("照片.jpg", b"this is plain text pretending to be a photo", "image/jpeg")

    html = client.post("/public/complaint/", _form(project, photos=[fake])).content.decode()

    assert re.search(r'id="id_photos"[^>]*is-invalid', html)
    assert "无法识别为图片" in html
    assert not Complaint.objects.exists()


def test_six_photos_are_refused(client, project):
    photos = [_photo(f"{i}.jpg") for i in range(6)]

    html = client.post("/public/complaint/", _form(project, photos=photos)).content.decode()

    assert "最多上传 5 张照片" in html
    assert not Complaint.objects.exists()


def test_a_bad_phone_number_is_explained_at_the_phone_field(client, project):
    html = client.post("/public/complaint/", _form(project, phone="1381234")).content.decode()

    assert re.search(r'id="id_phone"[^>]*is-invalid[^>]*value="1381234"', html)
    assert "电话号码格式不正确：手机号应为 11 位" in html
    assert TEXT in html
    assert not Complaint.objects.exists()


def test_without_a_project_or_text_the_form_says_what_is_missing(client, project):
    html = client.post("/public/complaint/", _form(project, project="", text="")).content.decode()

    assert "请先搜索并选择小区" in html and "请填写投诉内容" in html
    unknown = client.post("/public/complaint/", _form(project, project=999999)).content.decode()
    assert "小区不存在" in unknown
    assert not Complaint.objects.exists()


def test_a_double_click_files_one_complaint(client, project):
    data = _form(project)

    first = client.post("/public/complaint/", data)
    second = client.post("/public/complaint/", data)

    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Complaint.objects.count() == 1


def test_the_same_form_sent_again_with_other_text_is_a_new_complaint(client, project):
    # The back button after filing shows the old form (and its key); what is typed anew is new.
    key = uuid.uuid4().hex

    first = _filed(client, project, idempotency_key=key)
    second = _filed(client, project, idempotency_key=key, text="小区电梯里全是广告，物业收了广告费也不公示。")

    assert first.pk != second.pk


def test_the_done_page_of_an_unknown_code_is_a_chinese_404(client, db):
    response = client.get(f"/public/complaint/done/{tracking.display(tracking.new_code())}/")

    assert response.status_code == 404
    assert "未找到该查询码" in response.content.decode()


# ---- project search --------------------------------------------------------------------------

def test_project_search_shows_names_and_places_but_never_the_company(client, project):
    response = client.get("/public/projects/", {"q": "西陵花园"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "江城西陵花园" in html and project.address in html and "西陵区" in html
    assert f'value="{project.pk}"' in html
    assert "物业服务有限公司" not in html and "江城伍家岗苑" not in html
    company = project.company
    assert company.legal_representative not in html and company.contact_phone not in html


def test_project_search_needs_two_characters_and_matches_addresses(client, project):
    ProjectFactory(name="夷陵广场小区", address="宜昌市西陵区夷陵大道 88 号", community=community("420502001001"))

    short = client.get("/public/projects/", {"q": "江"}).content.decode()
    by_address = client.get("/public/projects/", {"q": "夷陵大道"}).content.decode()

    assert "请至少输入 2 个字" in short and "江城" not in short
    assert "夷陵广场小区" in by_address


def test_project_search_shows_at_most_twenty_and_keeps_the_chosen_one(client, project):
    for i in range(25):
        ProjectFactory(name=f"滨江花园{i:02d}期")

    html = client.get("/public/projects/", {"q": "滨江花园", "project": project.pk}).content.decode()

    assert html.count('name="project"') == 21  # twenty matches plus the one already chosen
    assert re.search(rf'value="{project.pk}" checked', html)


# ---- status ----------------------------------------------------------------------------------

def test_the_status_page_shows_progress_and_public_replies_only(client, project, xiling_housing_staff,
                                                                 django_assert_max_num_queries):
    complaint = _filed(client, project, name="王小明", phone="13812345678")
    complaint = services.accept_complaint(actor=xiling_housing_staff, complaint=complaint, version=complaint.version,
                                          focus=1, route=Route.HOUSING)
    services.reply_complaint(actor=xiling_housing_staff, complaint=complaint, text="已责令物业立即恢复供水。")
    ComplaintEvent.objects.create(complaint=complaint, kind=EventKind.REPLY, public=False,
                                  note="内部备注：物业经理赵某态度恶劣，建议约谈。", actor_name="李科长",
                                  actor_department="西陵区住建局物业科")

    with django_assert_max_num_queries(3):
        response = client.get(f"/public/status/{complaint.display_code}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert Progress.HANDLING.label in html and "江城西陵花园" in html and "网上投诉" in html
    assert "已责令物业立即恢复供水。" in html and "您的投诉已受理" in html
    assert "内部备注" not in html and "李科长" not in html and "物业科" not in html
    assert "王小明" not in html and "13812345678" not in html and "5678" not in html
    assert xiling_housing_staff.display_name not in html
    assert complaint.problem.number not in html
    assert "宜昌江城物业服务有限公司" not in html


def test_the_status_page_accepts_lower_case_spaces_and_dashes(client, project):
    complaint = _filed(client, project)
    typed = " ".join(complaint.tracking_code.lower()[i:i + 5] for i in range(0, 20, 5))

    via_path = client.get(f"/public/status/{complaint.display_code.lower()}/")
    via_query = client.get("/public/status/", {"code": typed})

    assert via_path.status_code == 200 and complaint.display_code in via_path.content.decode()
    assert via_query.status_code == 302 and via_query.url == f"/public/status/{complaint.display_code}/"


def test_an_unknown_code_is_a_chinese_404(client, db):
    unknown = client.get(f"/public/status/{tracking.new_code()}/")
    malformed = client.get("/public/status/", {"code": "not-a-code"})

    for response in (unknown, malformed):
        assert response.status_code == 404
        assert "未找到该查询码" in response.content.decode() and "请核对" in response.content.decode()


# ---- rate limits ------------------------------------------------------------------------------

def test_the_eleventh_complaint_in_an_hour_from_one_address_is_refused(client, project, settings):
    settings.PUBLIC_COMPLAINT_RATE = "10/h"
    for _ in range(10):  # refused or not, every post counts
        assert client.post("/public/complaint/", {"text": ""}).status_code == 200

    response = client.post("/public/complaint/", _form(project))

    html = response.content.decode()
    assert response.status_code == 429
    assert "您的操作过于频繁，请稍后再试" in html and settings.PUBLIC_HOTLINE in html
    assert not Complaint.objects.exists()
    # Another address still gets through.
    assert client.post("/public/complaint/", _form(project), REMOTE_ADDR="10.1.2.3").status_code == 302


def test_the_limit_follows_the_forwarded_address_behind_a_trusted_proxy(client, project, settings):
    settings.PUBLIC_COMPLAINT_RATE = "2/h"
    settings.TRUST_X_FORWARDED_FOR = True
    for _ in range(2):
        client.post("/public/complaint/", {}, HTTP_X_FORWARDED_FOR="203.0.113.7")

    blocked = client.post("/public/complaint/", {}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = client.post("/public/complaint/", {}, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert (blocked.status_code, other.status_code) == (429, 200)


def test_the_thirty_first_lookup_is_refused_and_unknown_codes_count(client, project, settings):
    settings.PUBLIC_LOOKUP_RATE = "30/h"
    complaint = _filed(client, project)
    for _ in range(30):
        assert client.get(f"/public/status/{tracking.new_code()}/").status_code == 404

    response = client.get(f"/public/status/{complaint.display_code}/")

    assert response.status_code == 429
    html = response.content.decode()
    assert "您的操作过于频繁，请稍后再试" in html and complaint.display_code not in html
    assert client.get("/public/status/", {"code": "bad"}).status_code == 429


def test_the_page_and_the_api_share_one_allowance(client, project, settings):
    settings.PUBLIC_LOOKUP_RATE = "2/h"
    code = tracking.new_code()
    client.get(f"/public/status/{code}/")
    client.get(f"/api/v1/public/complaints/{code}/")

    assert client.get(f"/public/status/{code}/").status_code == 429


def test_a_rejected_complaint_shows_the_reason_and_stops_the_steps(client, project, xiling_housing_staff):
    complaint = _filed(client, project)
    services.reject_complaint(actor=xiling_housing_staff, complaint=complaint, version=complaint.version,
                              reason="经核实属于房屋质量问题，请向开发企业反映。")

    html = client.get(f"/public/status/{complaint.display_code}/").content.decode()

    assert Progress.REJECTED.label in html and "经核实属于房屋质量问题" in html
    steps = re.findall(r'<li class="step-item[^"]*"[^>]*>([^<]+)</li>', html)
    assert steps == ["已收到", "不予受理"]


def test_unknown_public_page_uses_the_public_layout(client):
    response = client.get("/public/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "您访问的页面不存在，请从首页重新进入" in body and "主导航" not in body
