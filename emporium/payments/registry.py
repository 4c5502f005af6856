"""Which gateways this shop offers, built from settings (``PAYMENT_GATEWAYS`` and friends).

Gateways are cached per configuration, so one Stripe client (and its connection pool) serves
every request, while a test that points ``STRIPE_API_BASE`` at a local fake gets its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

from emporium.payments.exceptions import GatewayNotAvailable
from emporium.payments.gateways.base import PaymentGateway
from emporium.payments.gateways.manual import BankAccount, BankTransferGateway, CashOnDeliveryGateway
from emporium.payments.gateways.offline import OfflineTestGateway

if TYPE_CHECKING:
    from emporium.payments.gateways.stripe import StripeGateway

KNOWN_GATEWAYS = ("stripe", "offline", "bank_transfer", "cash_on_delivery")


@lru_cache(maxsize=8)
def _stripe(
    secret_key: str,
    publishable_key: str,
    webhook_secret: str,
    api_base: str,
    capture_method: str,
    timeout: float,
    max_network_retries: int,
    webhook_tolerance: int,
) -> StripeGateway:
    # The Stripe SDK is loaded when Stripe is offered (PaymentsConfig.ready, before a web
    # server forks its workers), not by every process that imports the registry.
    from emporium.payments.gateways.stripe import StripeGateway

    return StripeGateway(
        secret_key=secret_key,
        publishable_key=publishable_key,
        webhook_secret=webhook_secret,
        api_base=api_base,
        capture_method=capture_method,
        timeout=timeout,
        max_network_retries=max_network_retries,
        webhook_tolerance=webhook_tolerance,
    )


def _build(name: str) -> PaymentGateway:
    if name == "stripe":
        return _stripe(
            settings.STRIPE_SECRET_KEY,
            settings.STRIPE_PUBLISHABLE_KEY,
            settings.STRIPE_WEBHOOK_SECRET,
            settings.STRIPE_API_BASE,
            settings.STRIPE_CAPTURE_METHOD,
            settings.STRIPE_TIMEOUT_SECONDS,
            settings.STRIPE_MAX_NETWORK_RETRIES,
            settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
        )
    if name == "offline":
        return OfflineTestGateway(
            webhook_secret=settings.OFFLINE_GATEWAY_WEBHOOK_SECRET,
            capture_method=settings.OFFLINE_GATEWAY_CAPTURE_METHOD,
            refuses_refunds=settings.OFFLINE_GATEWAY_REFUNDS == "refuse",
            webhook_tolerance=settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
        )
    if name == "bank_transfer":
        return BankTransferGateway(
            account=BankAccount(
                account_name=settings.BANK_TRANSFER_ACCOUNT_NAME,
                iban=settings.BANK_TRANSFER_IBAN,
                bic=settings.BANK_TRANSFER_BIC,
            )
        )
    if name == "cash_on_delivery":
        return CashOnDeliveryGateway()
    raise GatewayNotAvailable()


def list_enabled_gateway_names() -> list[str]:
    return [name for name in settings.PAYMENT_GATEWAYS if name in KNOWN_GATEWAYS]


def list_enabled_gateways() -> list[PaymentGateway]:
    return [_build(name) for name in list_enabled_gateway_names()]


def get_gateway(name: str, *, enabled_only: bool = True) -> PaymentGateway:
    """The gateway called ``name``. Customers may start payments only with enabled ones; an
    existing payment (a refund, a late webhook) still reaches its gateway if it was switched off."""
    if enabled_only and name not in list_enabled_gateway_names():
        raise GatewayNotAvailable()
    return _build(name)


def get_gateway_for_events(name: str) -> PaymentGateway:
    """The gateway whose signed events arrived. A gateway's events may count after it is
    switched off (Stripe's late refunds); one that says they do not (the test gateway) is
    refused where it is off, as in production."""
    gateway = _build(name)
    if not gateway.events_count_when_switched_off and name not in list_enabled_gateway_names():
        raise GatewayNotAvailable()
    return gateway
