"""Complainants' name and phone at rest and in what the services write (the page/API crawl is elsewhere).

Name and phone are stored as Fernet tokens, shown masked, and copied into nothing another party
reads: not the ledger problem the company sees, not the timeline, not the audit trail.
"""

import io

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.db import connection
from PIL import Image

from propwatch.complaints import pii, services
from propwatch.complaints.choices import Route, Satisfaction
from propwatch.complaints.models import Complaint, ComplaintPhoto
from propwatch.ledger.models import Problem
from propwatch.ledger.tests.factories import png_upload

from .factories import (
    MASKED_NAME,
    MASKED_PHONE,
    NAME,
    PHONE,
    REDACTED_NAME,
    REDACTED_PHONE,
    ComplaintFactory,
    accept,
    close_problem,
    fresh,
)

pytestmark = pytest.mark.django_db

TEXT = "3号楼楼道堆放杂物，消防通道被占用，物业一直不管"


@pytest.fixture
def filed(project):
    complaint, _ = services.submit_public_complaint(project=project, text=TEXT, name=NAME, phone=PHONE)
    return complaint


@pytest.fixture
def fresh_keys(monkeypatch):
    """Let a test choose the keys; the cached key set is rebuilt before and after it."""
    pii._fernet.cache_clear()
    yield lambda *keys: (monkeypatch.setenv("PROPWATCH_PII_KEYS", ",".join(k.decode() for k in keys)),
                         pii._fernet.cache_clear())
    monkeypatch.delenv("PROPWATCH_PII_KEYS", raising=False)
    pii._fernet.cache_clear()


# ---- at rest ----------------------------------------------------------------------------------

def test_a_raw_select_shows_only_ciphertext(filed):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_cipher, phone_cipher FROM complaints_complaint")
        [(name_cipher, phone_cipher)] = cursor.fetchall()

    for token in (name_cipher, phone_cipher):
        assert token.startswith("gAAAAA")  # a Fernet token (version byte 0x80)
        assert NAME not in token and "张" not in token and PHONE not in token
    assert (pii.decrypt(name_cipher), pii.decrypt(phone_cipher)) == (NAME, PHONE)


def test_the_same_contact_encrypts_differently_each_time(project):
    first = ComplaintFactory(project=project, name=NAME, phone=PHONE)
    second = ComplaintFactory(project=project, name=NAME, phone=PHONE)
    assert first.name_cipher != second.name_cipher and first.phone_cipher != second.phone_cipher
    assert first.name() == second.name() == NAME


def test_an_anonymous_complaint_stores_nothing(project):
    complaint, _ = services.submit_public_complaint(project=project, text=TEXT)
    complaint = fresh(complaint)
    assert (complaint.name_cipher, complaint.phone_cipher) == ("", "")
    assert complaint.is_anonymous and (complaint.masked_name(), complaint.masked_phone()) == ("", "")


def test_no_table_holds_the_name_or_phone_after_a_full_life(
        filed, xiling_housing_staff, company_user, police_officer):
    # Given the complaint went from intake through acceptance, a reveal, replies, close-out and callback
    complaint = accept(filed, xiling_housing_staff, focus=2, route=Route.HOUSING)
    services.reveal_complainant(actor=xiling_housing_staff, complaint=complaint)
    services.reply_complaint(actor=xiling_housing_staff, complaint=complaint, text="已责令物业限期清理")
    close_problem(complaint.problem, verifier=xiling_housing_staff, submitter=company_user)
    services.record_callback(actor=xiling_housing_staff, complaint=fresh(complaint),
                             satisfaction=Satisfaction.DISSATISFIED, method="phone", note="又堆上了")

    # Then no column of any table of the project's apps holds the name or the phone in clear
    leaks = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model.__module__.startswith("propwatch."):
                continue
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # table names come from the ORM
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                if NAME in text or PHONE in text:
                    leaks.append((table, text[:200]))
    assert leaks == []


# ---- masked -----------------------------------------------------------------------------------

def test_name_and_phone_are_shown_masked(filed):
    complaint = fresh(filed)
    assert complaint.masked_phone() == MASKED_PHONE == "138****1234"
    assert complaint.masked_name() == MASKED_NAME == "张**"
    assert NAME not in str(complaint) and PHONE not in str(complaint)


@pytest.mark.parametrize(("name", "masked"), [("李四", "李*"), ("王", "王*"), ("欧阳娜娜", "欧***"),
                                              ("  张三丰 ", "张**"), ("", "")])
def test_names_keep_only_the_family_name(name, masked):
    assert pii.mask_name(name) == masked


def test_a_landline_contact_keeps_its_area_code(project):
    complaint, _ = services.submit_public_complaint(project=project, text=TEXT, phone="0717 6221234")
    assert fresh(complaint).phone() == "0717-6221234"
    assert fresh(complaint).masked_phone() == "0717-****1234"


# ---- redaction of what residents type ----------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "13807171234", "138 0717 1234", "138-0717-1234", "+86 138 0717 1234", "+8613807171234",
    "86-138-0717-1234", "+86-138-0717-1234", "8613807171234",
])
def test_a_mobile_typed_in_the_text_is_removed_however_it_is_written(typed):
    assert pii.redact(f"有事请打我电话{typed}，谢谢") == f"有事请打我电话{REDACTED_PHONE}，谢谢"


@pytest.mark.parametrize("typed", ["0717-6221234", "07176221234", "027-87654321", "0717 6221234"])
def test_a_landline_typed_in_the_text_is_removed(typed):
    assert pii.redact(f"座机{typed}。") == f"座机{REDACTED_PHONE}。"


def test_the_complainants_name_is_removed_and_other_numbers_are_kept():
    text = f"我是3号楼的{NAME}，2026年11月6日起停水，欠费1200元，订单号20261106123456，电话13807171234"
    redacted = pii.redact(text, names=[NAME, "王"])  # one character is too short to replace safely
    assert redacted == (f"我是3号楼的{REDACTED_NAME}，2026年11月6日起停水，欠费1200元，"
                        f"订单号20261106123456，电话{REDACTED_PHONE}")
    assert pii.redact("", names=[NAME]) == "" and pii.redact(None) == ""


def test_the_company_reads_the_problem_but_never_the_complaint(project, xiling_housing_staff, company_user):
    # Given a resident typed their name and number into the complaint itself
    complaint = ComplaintFactory(project=project, name=NAME, phone=PHONE,
                                 text=f"我叫{NAME}，电话 138-0717-1234，楼道堆放杂物占用消防通道")
    complaint = accept(complaint, xiling_housing_staff, focus=2)

    # Then the company sees the problem, masked, and no complaint at all
    problem = Problem.objects.visible_to(company_user).get(pk=complaint.problem_id)
    assert problem.description == f"我叫{REDACTED_NAME}，电话 {REDACTED_PHONE}，楼道堆放杂物占用消防通道"
    assert not Complaint.objects.visible_to(company_user).exists()
    for event in problem.events.all():
        assert NAME not in event.note and PHONE not in event.note


# ---- keys ---------------------------------------------------------------------------------------

def test_a_rotated_key_still_reads_old_rows_and_a_retired_one_says_so(fresh_keys, project):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    fresh_keys(old)
    complaint = ComplaintFactory(project=project, name=NAME, phone=PHONE)

    fresh_keys(new, old)  # newest first: new rows use it, old rows still decrypt
    assert fresh(complaint).name() == NAME
    assert Fernet(new).decrypt(pii.encrypt(NAME).encode()).decode() == NAME

    fresh_keys(new)  # the old key retired without re-encrypting
    assert fresh(complaint).phone() == "（无法解密：密钥已更换）"


# ---- photos -------------------------------------------------------------------------------------

def test_a_photos_location_is_removed_before_it_is_stored(project):
    upload = png_upload("corridor.png", exif_gps=True)
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif().get_ifd(0x8825)  # the upload did carry a GPS position
    upload.seek(0)

    complaint, _ = services.submit_public_complaint(project=project, text=TEXT, photos=[upload])

    [photo] = ComplaintPhoto.objects.filter(complaint=complaint)
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        exif = image.getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif
    assert photo.content_type == "image/jpeg" and photo.size == photo.file.size


def test_more_than_five_photos_or_a_non_image_is_refused(project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(services.ComplaintError, match="最多上传 5 张照片"):
        services.submit_public_complaint(project=project, text=TEXT, photos=[png_upload() for _ in range(6)])
    with pytest.raises(services.ComplaintError, match="不是支持的图片格式|无法识别为图片"):
        services.submit_public_complaint(project=project, text=TEXT,
                                         photos=[SimpleUploadedFile("a.gif", b"GIF89a" + b"\0" * 20)])
    assert not Complaint.objects.exists()
