from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def payment_settings(settings: Any) -> None:
    """Card payments through the offline gateway, captured at once, as the returns tests pay."""
    settings.PAYMENT_GATEWAYS = ["offline", "bank_transfer", "cash_on_delivery"]
    settings.OFFLINE_GATEWAY_CAPTURE_METHOD = "automatic"
    settings.OFFLINE_GATEWAY_WEBHOOK_SECRET = "whsec_offline_test_secret"
