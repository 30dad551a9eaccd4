"""Unified social credit code (统一社会信用代码, GB 32100-2015); see reference/identifiers.md."""

from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, …
_LOOKALIKES = {"O": "0", "I": "1", "S": "5", "V": "U", "Z": "2"}


@dataclass(frozen=True)
class CheckResult:
    code: str  # the cleaned code (trimmed, upper-case)
    error: str  # empty when valid; otherwise a Chinese message naming what is wrong
    check_failed: bool = False  # True when only the check character is wrong (overridable)

    @property
    def ok(self) -> bool:
        return not self.error


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    c = 31 - total % 31
    return ALPHABET[0 if c == 31 else c]


def clean(raw: str) -> str:
    return "".join(str(raw or "").split()).upper()


def validate(raw: str) -> CheckResult:
    """Check format and check character. A wrong check character is reported separately
    because real early pilot codes fail it and a senior user may accept them with a reason."""
    code = clean(raw)
    if not code:
        return CheckResult(code, "请填写统一社会信用代码")
    if len(code) != 18:
        return CheckResult(code, f"统一社会信用代码应为 18 位，当前为 {len(code)} 位")
    for pos, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            hint = f"（是否应为“{_LOOKALIKES[ch]}”？）" if ch in _LOOKALIKES else ""
            return CheckResult(code, f"第 {pos} 位字符“{ch}”不允许出现在统一社会信用代码中{hint}")
    if not code[2:8].isdigit():
        return CheckResult(code, "第 3–8 位应为登记管理机关的 6 位行政区划代码（数字）")
    expected = check_character(code[:17])
    if code[17] != expected:
        return CheckResult(
            code, f"校验位不符：第 18 位为“{code[17]}”，按前 17 位计算应为“{expected}”", check_failed=True
        )
    return CheckResult(code, "")


def make(prefix8: str, org9: str) -> str:
    """Build a valid code from registrar prefix (8) and organisation code (9): for demo data."""
    first17 = (prefix8 + org9).upper()
    return first17 + check_character(first17)
