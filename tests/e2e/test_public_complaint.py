"""A resident on a phone files a complaint on the public site and looks it up by tracking code."""

import io
import re

import pytest
from django.core.cache import caches
from PIL import ExifTags, Image
from playwright.sync_api import expect

from propwatch.complaints.choices import Progress
from propwatch.complaints.models import Complaint

from .conftest import PHONE

TEXT = "从上周一开始，物业说我家欠了物业费，把我家的水停了，到现在还没恢复，家里有老人和小孩，请尽快处理。"


@pytest.fixture(autouse=True)
def _own_rate_limit_and_media(settings, tmp_path):
    """A fresh allowance for this test's address, and photos kept out of var/media."""
    settings.CACHES = {**settings.CACHES, "ratelimit": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "ratelimit"}}
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}}
    caches["ratelimit"].clear()


def _photo_with_gps(folder) -> str:
    image = Image.new("RGB", (800, 600), (90, 140, 200))
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (30.0, 41.0, 52.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (111.0, 17.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path = folder / "停水现场.jpg"
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_resident_on_a_phone_files_a_complaint_and_follows_it_by_tracking_code(personas, open_web, tmp_path):
    web = open_web(PHONE)
    page = web.page
    photo = _photo_with_gps(tmp_path)

    # Given a resident opens the public site on a phone,
    web.goto("/public/")
    expect(page.get_by_role("heading", name="物业管理领域侵害群众利益问题专项整治")).to_be_visible()
    expect(page.get_by_role("link", name="我要投诉")).to_be_visible()
    web.screenshot("public-home-phone")

    # when they search their estate, describe what happened, attach a photo and a mistyped phone,
    page.get_by_role("link", name="我要投诉").click()
    expect(page.get_by_role("heading", name="我要投诉")).to_be_visible()
    page.get_by_label("1. 投诉哪个小区").fill("西陵花园")
    choice = page.get_by_role("radio", name=re.compile("江城西陵花园"))
    expect(choice).to_be_visible()
    choice.check()
    page.get_by_label("2. 发生了什么").fill(TEXT)
    photos = page.get_by_label("照片（选填）")
    photos.set_input_files([photo] * 6)  # too many: said at once, before any upload
    expect(page.locator("#photos-client-error")).to_have_text("最多上传 5 张照片（您选择了 6 张）")
    photos.set_input_files(photo)
    expect(page.locator("#photos-client-error")).to_be_hidden()
    expect(page.locator("#photos-chosen")).to_have_text("已选择 1 张：停水现场.jpg")
    page.get_by_label("联系电话").fill("1381234567")
    web.screenshot("public-complaint-form-phone")
    page.get_by_role("button", name="提交投诉").click()

    # then the form comes back with the message at the phone field, their text and estate kept,
    phone = page.get_by_label("联系电话")
    expect(phone).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_phone ~ .invalid-feedback")).to_contain_text("电话号码格式不正确")
    expect(page.get_by_label("2. 发生了什么")).to_have_value(TEXT)
    expect(page.get_by_role("radio", name=re.compile("江城西陵花园"))).to_be_checked()
    expect(page.get_by_role("status").filter(has_text="请重新选择照片")).to_be_visible()
    web.screenshot("public-complaint-phone-error")
    assert not Complaint.objects.exists()

    # and once corrected (photo chosen again), a double tap on submit files one complaint.
    phone.fill("13812345678")
    page.get_by_label("照片（选填）").set_input_files(photo)
    with page.expect_navigation():
        page.get_by_role("button", name="提交投诉").dblclick()
    expect(page.get_by_role("heading", name="投诉已提交")).to_be_visible()
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", code)
    web.screenshot("public-complaint-done-phone")
    complaint = Complaint.objects.get()
    assert complaint.display_code == code and complaint.photos.count() == 1

    # Later they type the code as they wrote it down (lower case, spaces) on the home page,
    web.goto("/public/")
    page.get_by_label("查询码").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="查询").click()

    # and the status page shows the estate, the progress and the first reply, nothing personal.
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    expect(page.locator("#progress-label")).to_have_text(Progress.RECEIVED.label)
    expect(page.get_by_text("江城西陵花园")).to_be_visible()
    expect(page.get_by_text("我们将尽快受理")).to_be_visible()
    assert "13812345678" not in page.content()
    web.screenshot("public-status-phone")

    # Nothing left the server and the page's scripts ran under the CSP without complaint.
    assert web.foreign_requests() == [] and web.console_errors == []
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A code mistyped beyond repair gets the Chinese "not found" page, with the lookup box again.
    page.get_by_label("查询码").fill("K7QX-3MPD-0000-0000-000")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="未找到该查询码")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("请核对")
    web.screenshot("public-status-not-found-phone")
