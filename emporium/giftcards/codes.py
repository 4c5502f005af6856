"""Gift card codes: made at random, typed back in any case and grouping, stored as a digest.

A code is shown in full once, to whoever the card is issued to (staff issuing it, the buyer's
e-mail); the shop keeps only its SHA-256 digest, to find the card when it is typed again, and
its last four characters, to name it on pages ("…7KQ2"). Sixteen characters from a 32-letter
alphabet are 80 random bits: a plain digest cannot be reversed by trying codes, so it needs no
secret key (which would make every card unfindable the day the key is rotated).
"""

from __future__ import annotations

import hashlib
import secrets

# Crockford's base 32: no I, L, O or U, so nothing read aloud or copied by hand is ambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
GROUP = 4


def generate_code() -> str:
    """A new code, grouped for reading: ``7KQ2-M9XD-...``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalize_code(code: str) -> str:
    """What was typed, without spaces and dashes, upper-cased; the letters read as digits are
    read as Crockford's base 32 reads them (O as 0, I and L as 1)."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    return cleaned.translate(str.maketrans("OIL", "011"))


def digest_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def last_four(code: str) -> str:
    return normalize_code(code)[-GROUP:]


def mask(last: str) -> str:
    """How a card is named outside the one moment its code is shown: "…7KQ2"."""
    return f"\N{HORIZONTAL ELLIPSIS}{last}"
