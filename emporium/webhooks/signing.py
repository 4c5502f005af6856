"""How a webhook is signed, and how a receiver checks it. No database, no Django: a receiver
can copy :func:`verify_signature` as it is.

Each request carries

- ``Webhook-Id``: the event's id (the same on every retry: de-duplicate on it),
- ``Webhook-Timestamp``: when this attempt was signed, in Unix seconds,
- ``Webhook-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the endpoint's secret,
  of ``"<timestamp>.<raw body>"``.

A receiver recomputes the HMAC over the raw bytes it received (not re-serialised JSON),
compares in constant time, and refuses a timestamp too far from its own clock, so a captured
request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify_signature(
    *,
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``signature`` (the Webhook-Signature header) signs ``body`` at ``timestamp``
    (the Webhook-Timestamp header) with ``secret``, and the timestamp is within tolerance."""
    try:
        signed_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - signed_at) > tolerance_seconds:
        return False
    expected = sign(secret=secret, timestamp=signed_at, body=body)
    # A header may list several signatures (secret rotation): any one that matches will do.
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in signature.split(","))
