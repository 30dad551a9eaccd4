"""Complainants' name and phone: encrypted at rest, masked on screen.

The key never lives in the repository: PROPWATCH_PII_KEYS (one or more Fernet keys, comma
separated, newest first, so a key can be rotated) or a key generated once into var/pii_key.
A raw SQL select of a complaint shows only Fernet tokens.
"""

import functools
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from propwatch.registry import phone_numbers


@functools.cache
def _fernet() -> MultiFernet:
    import os

    raw = os.environ.get("PROPWATCH_PII_KEYS", "").strip()
    if raw:
        keys = [k.strip() for k in raw.split(",") if k.strip()]
    else:
        path = settings.VAR_DIR / "pii_key"
        if not path.exists():
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
        keys = [path.read_text().strip()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(value: str) -> str:
    """A Fernet token for `value`, or "" for an empty value (nothing to hide)."""
    value = (value or "").strip()
    return _fernet().encrypt(value.encode()).decode("ascii") if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        # A token from a key that has been retired: say so rather than fail the page.
        return "（无法解密：密钥已更换）"


def mask_name(name: str) -> str:
    """张** — the family name only."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 3))


def mask_phone(phone: str) -> str:
    return phone_numbers.mask(phone or "")


_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")


def redact(text: str, *, names: list[str] = ()) -> str:
    """Text safe to copy into a problem a company reads: phone numbers and the complainant's name removed.

    Removed, not masked: even 138****1234 or 张** narrows down who complained.
    """
    text = _MOBILE_IN_TEXT.sub("[电话已隐去]", text or "")
    text = _LANDLINE_IN_TEXT.sub("[电话已隐去]", text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, "[投诉人]")
    return text


def rotate(token: str) -> str:
    """The token re-encrypted with the newest key (PROPWATCH_PII_KEYS lists it first)."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii") if token else ""
