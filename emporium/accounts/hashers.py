"""Password hashers for hashes that customers bring from another shop."""

from __future__ import annotations

from typing import Any

import bcrypt
from django.contrib.auth.hashers import BCryptPasswordHasher
from django.utils.encoding import force_bytes

# bcrypt only ever looked at the first 72 bytes of a password. bcrypt 5 refuses longer
# input instead of ignoring the rest, which would turn a long password into a server error.
BCRYPT_MAX_PASSWORD_BYTES = 72


class LegacyBCryptPasswordHasher(BCryptPasswordHasher):
    """Plain ``bcrypt$`` hashes, checked the way the shop that made them did.

    Never the first hasher, so it only verifies; Django then rewrites the hash with Argon2
    on the customer's next successful login.
    """

    def encode(self, password: Any, salt: Any) -> str:
        data = bcrypt.hashpw(force_bytes(password)[:BCRYPT_MAX_PASSWORD_BYTES], salt)
        return f"{self.algorithm}${data.decode('ascii')}"
