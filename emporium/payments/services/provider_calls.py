"""Every request to a provider goes through :func:`call_gateway`, which logs it whatever happens."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from emporium.payments.gateways.base import Exchange, recording_exchanges
from emporium.payments.models import LogDirection, Payment, PaymentLogEntry

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _store_exchanges(
    *, payment: Payment | None, gateway: str, operation: str, exchanges: Iterable[Exchange]
) -> None:
    PaymentLogEntry.objects.bulk_create(
        PaymentLogEntry(
            payment=payment,
            gateway=gateway,
            direction=LogDirection.OUTGOING,
            operation=operation,
            method=exchange.method,
            url=exchange.url[:500],
            idempotency_key=exchange.idempotency_key[:100],
            request=exchange.request,
            response=exchange.response,
            status_code=exchange.status_code,
            error=exchange.error[:255],
            duration_ms=exchange.duration_ms,
        )
        for exchange in exchanges
    )


def call_gateway(*, payment: Payment, operation: str, call: Callable[[], T]) -> T:
    """Run one gateway call and log every request it made, retries and failures included.

    Never inside a database transaction: a slow provider must not hold row locks, and the log
    of a failed call has to survive the failure."""
    with recording_exchanges() as exchanges:
        try:
            return call()
        except Exception:
            logger.warning("Payment %s: %s %s failed", payment.pk, payment.gateway, operation, exc_info=True)
            raise
        finally:
            _store_exchanges(
                payment=payment, gateway=payment.gateway, operation=operation, exchanges=exchanges
            )
