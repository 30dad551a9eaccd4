"""Public tracking codes: random, 100 bits, read aloud in groups of four (K7QX-3MPD-…).

Crockford's base32 alphabet has no I, L, O or U, so a code read over the phone is not confused;
lookups accept lower case, spaces and the letters people mistake for digits.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20  # 20 × 5 bits = 100 bits
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise(raw: str) -> str | None:
    """The stored form of what a person typed, or None when it cannot be a code."""
    code = re.sub(r"[\s\-_]", "", str(raw or "")).upper().translate(_CONFUSABLE)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code
