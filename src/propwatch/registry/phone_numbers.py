"""Mainland mobile and landline numbers as offices write them; see reference/identifiers.md."""

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landline with area code, e.g. 0717-6221234 or 07176221234 (Yichang's area code is 0717).
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalise(raw: str) -> str:
    """Strip spaces, dashes and a +86/86 prefix from a mobile; keep a landline's dash."""
    s = re.sub(r"[\s()（）]", "", str(raw or ""))
    digits = s.replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    if digits.startswith("0") and _LANDLINE.match(digits):
        area_len = 3 if digits[1] in "12" else 4
        return f"{digits[:area_len]}-{digits[area_len:]}"
    return s


def validate(raw: str) -> tuple[str, str]:
    """Return (normalised number, error message or "")."""
    number = normalise(raw)
    if _MOBILE.match(number) or _LANDLINE.match(number):
        return number, ""
    return number, "电话号码格式不正确：手机号应为 11 位（如 13812341234），座机应带区号（如 0717-6221234）"


def mask(number: str) -> str:
    """138****1234 for mobiles; landlines keep the area code and last four digits."""
    if _MOBILE.match(number or ""):
        return f"{number[:3]}****{number[-4:]}"
    if number and len(number) > 4:
        return number[:-4].rsplit("-", 1)[0] + "-****" + number[-4:] if "-" in number else "****" + number[-4:]
    return number
