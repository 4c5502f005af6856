from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from emporium.payments.tests.stripe_fake import FakeStripe, running_fake_stripe

STRIPE_WEBHOOK_SECRET = "whsec_test_secret_for_signatures"
OFFLINE_WEBHOOK_SECRET = "whsec_offline_test_secret"


# The Stripe SDK hands httpx its form body as `data=`, which httpx 0.28 deprecates; not ours to fix.
SDK_WARNING = "ignore:Use 'content=<...>' to upload raw bytes/text content:DeprecationWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "emporium/payments/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings(SDK_WARNING))


@pytest.fixture(autouse=True)
def _payment_settings(settings: Any) -> None:
    settings.PAYMENT_GATEWAYS = ["offline", "bank_transfer", "cash_on_delivery"]
    settings.OFFLINE_GATEWAY_WEBHOOK_SECRET = OFFLINE_WEBHOOK_SECRET
    settings.OFFLINE_GATEWAY_CAPTURE_METHOD = "automatic"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS = 300


@pytest.fixture
def fake_stripe(settings: Any) -> Iterator[FakeStripe]:
    """Stripe enabled and pointed at a local fake; short timeout, one SDK retry."""
    with running_fake_stripe() as fake:
        settings.PAYMENT_GATEWAYS = ["stripe", "offline", "bank_transfer", "cash_on_delivery"]
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_CAPTURE_METHOD = "automatic"
        settings.STRIPE_TIMEOUT_SECONDS = 0.5
        settings.STRIPE_MAX_NETWORK_RETRIES = 1
        yield fake


@pytest.fixture
def closed_port_url() -> str:
    """An address where nothing listens: the provider is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def sign(payload: str, *, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme, computed here independently: t=<time>,v1=HMAC-SHA256(secret, "t.payload")."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def intent_event(
    *, event_id: str, event_type: str, intent: dict[str, Any], created: int | None = None
) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": created or int(time.time()),
            "livemode": False,
            "data": {"object": intent},
        }
    )


def payment_intent(
    *,
    intent_id: str,
    amount: int,
    currency: str = "gbp",
    status: str = "succeeded",
    payment_id: int | None = None,
) -> dict[str, Any]:
    """A PaymentIntent as Stripe documents it (the fields we read)."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": currency,
        "status": status,
        "capture_method": "automatic",
        "last_payment_error": None,
        "metadata": {"payment_id": str(payment_id)} if payment_id else {},
    }
