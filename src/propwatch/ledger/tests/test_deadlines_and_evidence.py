"""Deadlines counted in working days across the year boundary, and evidence handling."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from propwatch.campaigns.models import CalendarDay, CalendarYear, TimeLimit
from propwatch.ledger import services
from propwatch.ledger.choices import Source
from propwatch.ledger.deadlines import default_deadline
from propwatch.ledger.errors import LedgerError
from propwatch.registry.tests.factories import ProjectFactory

from .factories import png_upload, register

SH = ZoneInfo("Asia/Shanghai")


def test_deadline_crossing_into_2027_is_provisional_without_a_table(db):
    # Focus 2 defaults to 15 working days: from 2026-12-20 it ends in January 2027.
    deadline, provisional = default_deadline(2, datetime.date(2026, 12, 20))
    assert provisional and deadline.astimezone(SH).date().year == 2027
    assert deadline.astimezone(SH).date() == datetime.date(2027, 1, 8)  # Mon–Fri counting, no crash


def test_deadline_uses_the_table_once_the_year_is_entered(db):
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), is_workday=False, note="元旦")
    CalendarDay.objects.create(date=datetime.date(2027, 1, 4), is_workday=False, note="测试假日")
    CalendarYear.objects.create(year=2027)
    deadline, provisional = default_deadline(2, datetime.date(2026, 12, 20))
    assert not provisional
    assert deadline.astimezone(SH).date() == datetime.date(2027, 1, 12)  # two working days later


def test_provisional_deadline_is_recomputed_when_the_year_is_entered(xiling_housing_staff, city_admin):
    from django.utils import timezone

    now = datetime.datetime(2026, 12, 20, 10, 0, tzinfo=SH)
    p = services.register_problem(actor=xiling_housing_staff, project=ProjectFactory(), focus=2,
                                  description="共用部位被出租", source=Source.INSPECTION,
                                  found_on=datetime.date(2026, 12, 20), now=now)
    assert p.deadline_provisional
    CalendarDay.objects.create(date=datetime.date(2027, 1, 4), is_workday=False, note="测试假日")
    CalendarYear.objects.create(year=2027)
    assert services.recompute_provisional_deadlines(actor=city_admin, year=2027) == 1
    p.refresh_from_db()
    assert not p.deadline_provisional
    assert timezone.localtime(p.deadline).date() == datetime.date(2027, 1, 11)
    assert p.events.filter(kind="deadline_recomputed").exists()


def test_make_up_working_day_counts(db):
    # 2026-02-14 (Saturday) is a make-up working day; 2026-10-01 is National Day.
    TimeLimit.objects.create(focus=3, working_days=1)
    deadline, _ = default_deadline(3, datetime.date(2026, 2, 13))
    assert deadline.astimezone(SH).date() == datetime.date(2026, 2, 14)
    # The National Day holiday runs 10-01 to 10-07: one working day after 09-30 is 10-08.
    deadline, _ = default_deadline(3, datetime.date(2026, 9, 30))
    assert deadline.astimezone(SH).date() == datetime.date(2026, 10, 8)


def test_supply_cut_off_deadline_is_in_hours(db):
    now = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=SH)
    deadline, provisional = default_deadline(1, datetime.date(2026, 12, 3), now)
    assert deadline == now + datetime.timedelta(hours=24) and not provisional


def test_overdue_is_derived_not_stored(xiling_housing_staff):
    from django.utils import timezone

    from propwatch.ledger.models import Problem

    p = register(xiling_housing_staff, deadline=timezone.now() + datetime.timedelta(hours=1))
    assert not p.is_overdue
    later = timezone.now() + datetime.timedelta(hours=2)
    assert list(Problem.objects.overdue(now=later)) == [p]


def test_image_evidence_loses_its_exif_and_gps(xiling_housing_staff):
    p = register(xiling_housing_staff, files=[png_upload(exif_gps=True)])
    evidence = p.evidence.get()
    assert evidence.content_type == "image/jpeg"
    with evidence.file.open("rb") as f, Image.open(io.BytesIO(f.read())) as img:
        assert not img.getexif()
    assert "photo" not in evidence.file.name  # random name, not the uploader's


def test_non_image_content_with_an_image_name_is_refused(xiling_housing_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(LedgerError, match="无法识别为图片"):
        register(xiling_housing_staff, files=[fake])
    from propwatch.ledger.models import Problem

    assert not Problem.objects.exists()  # nothing half-written


def test_oversized_file_is_refused(xiling_housing_staff, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1) + b"\n%%EOF", "application/pdf")
    with pytest.raises(LedgerError, match="超过 10 MB"):
        register(xiling_housing_staff, files=[big])
