"""Evidence uploads: type checked by content, size-limited, images re-encoded without EXIF/GPS.

Files get random names (see `Evidence.file`'s upload_to) in the default storage: a folder under
var/ by default, S3-compatible object storage when configured. Nothing is under the web root;
the only way to read a file is the evidence view, which checks the user's scope.
"""

import io

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import LedgerError
from .models import Evidence

MAX_BYTES = getattr(settings, "EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
_IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise LedgerError(f"文件“{upload.name}”超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再上传")
    data = upload.read()
    if len(data) > MAX_BYTES:
        raise LedgerError(f"文件“{upload.name}”超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再上传")
    if not data:
        raise LedgerError(f"文件“{upload.name}”是空的")
    return data


def clean_image(data: bytes, name: str) -> tuple[bytes, str, str]:
    """Decode and re-encode: the output carries pixels only (no EXIF, GPS or comments)."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in _IMAGE_FORMATS:
                raise LedgerError(f"文件“{name}”不是支持的图片格式（支持 JPG、PNG、WebP）")
            if probe.width * probe.height > MAX_PIXELS:
                raise LedgerError(f"图片“{name}”尺寸过大，请缩小后再上传")
            image = ImageOps.exif_transpose(probe)  # keep the orientation the EXIF described
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise LedgerError(f"文件“{name}”无法识别为图片或已损坏") from exc
    ext, content_type = _IMAGE_FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return out.getvalue(), ext, content_type


def clean_upload(upload) -> tuple[bytes, str, str]:
    """(content, extension, content type) of an accepted upload; LedgerError says why not."""
    name = getattr(upload, "name", "文件")
    data = _read(upload)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise LedgerError(f"PDF 文件“{name}”不完整或已损坏")
        return data, "pdf", "application/pdf"
    return clean_image(data, name)


def store_evidence(*, problem, event, upload, kind: str, actor) -> Evidence:
    content, ext, content_type = clean_upload(upload)
    original = (getattr(upload, "name", "") or f"材料.{ext}")[-200:]
    evidence = Evidence(problem=problem, event=event, kind=kind, original_name=original,
                        content_type=content_type, size=len(content), uploaded_by=actor)
    evidence.file.save(f"upload.{ext}", ContentFile(content), save=False)
    evidence.save()
    return evidence
