"""Fixtures of the public site's tests: a fresh rate-limit count, a project, photos."""

import io

import pytest
from django.core.cache import caches
from PIL import ExifTags, Image

from propwatch.registry.models import Project


@pytest.fixture(autouse=True)
def ratelimit_cache(settings, tmp_path):
    """Every test starts with an unused allowance, in a cache of its own.

    The `ratelimit` cache of the settings lives under var/ and is shared with whoever else runs
    tests or the demo on this machine, so each test points it at its own folder and clears it.
    """
    settings.CACHES = {**settings.CACHES, "ratelimit": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "ratelimit"}}
    caches["ratelimit"].clear()
    yield caches["ratelimit"]
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a temporary folder, not var/media."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}}


@pytest.fixture
def project(company_user) -> Project:
    """江城西陵花园 in 西陵区, managed by 宜昌江城物业服务有限公司."""
    return Project.objects.get(name="江城西陵花园")


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A small JPEG carrying a camera make and the GPS position of Yichang."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 41.0, 52.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (111.0, 17.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
