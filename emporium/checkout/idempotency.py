"""Idempotency keys of checkout, scoped to the cart and customer that sent them.

The client makes one key per checkout attempt. Looked up as it was sent, that key would let
anybody who learns it (a shared link, a logged request, a buggy client reusing a constant)
replay it from another cart and be handed somebody else's order, and be told it is theirs.
So the key an order stores is not the client's key but a key scoped to who placed it:

    high 64 bits  sha256(client key)              the attempt, as the client named it
    low 64 bits   sha256(cart id, customer id)    who made it

A replay from the same cart and customer rebuilds exactly the stored key and gets the order
back. Every order made with a given client key lies in one range of keys (same high half,
any low half), which the unique index on ``Order.idempotency_key`` answers in one lookup; an
order found there under another low half was placed with this client key by someone else,
and the caller is refused (``IdempotencyKeyReused``) rather than served.

Why not a new column for the cart: the order table belongs to the orders app and is large;
this needs no migration there and no second index. Why hashes rather than the client's own
bits: a client may send keys that differ only in their low bits (counters, time-based
UUIDs); hashing spreads any key over the whole range. Two different client keys share a
high half with a chance of 2**-64, below one in three thousand across a hundred million
orders; such a clash only refuses that one checkout, and the client retries with a new key.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

KEY_HALF = 8  # bytes


def _half(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:KEY_HALF]


def scope_idempotency_key(*, client_key: UUID, cart_id: int, customer_id: int | None) -> UUID:
    """The key stored on the order placed with ``client_key`` from this cart by this customer."""
    return UUID(bytes=_half(f"client-key:{client_key}") + _half(f"cart:{cart_id};customer:{customer_id}"))


def keys_of_client_key(*, client_key: UUID) -> tuple[UUID, UUID]:
    """The smallest and largest stored key any cart can make from ``client_key`` (inclusive)."""
    attempt = _half(f"client-key:{client_key}")
    return UUID(bytes=attempt + bytes(KEY_HALF)), UUID(bytes=attempt + b"\xff" * KEY_HALF)
