"""Order numbers a customer can read out on the phone, and nobody can guess.

Eight characters of Crockford's base32 (no I, L, O or U): 2^40 possibilities, so guessing a
neighbour's number finds nothing, and the unique constraint on ``Order.number`` backs the rare
collision (place_order then fails loudly and the customer simply retries).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "EM-"


def generate_order_number() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{PREFIX}{body[:4]}-{body[4:]}"
