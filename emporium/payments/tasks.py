"""Celery callers of the payment services. They take ids, not rows: the row may have changed
since the task was queued. Capture and refunds reuse their idempotency keys, so a retry after a
timeout is the same request to the provider and never moves money twice."""

from __future__ import annotations

from celery import shared_task

from emporium.core.mail import MAIL_TASK_RETRY
from emporium.payments.exceptions import GatewayUnavailable
from emporium.payments.gateways.base import CancelReason
from emporium.payments.models import Payment
from emporium.payments.services import (
    cancel_open_payment,
    capture_payment,
    check_pending_refunds,
    release_expired_orders,
    retry_pending_refunds,
    send_payment_confirmation,
    send_unsent_payment_confirmations,
)


@shared_task(autoretry_for=(GatewayUnavailable,), retry_backoff=True, max_retries=5)
def capture_payment_task(*, payment_id: int) -> str:
    return str(capture_payment(payment=Payment.objects.get(pk=payment_id)).state)


@shared_task(autoretry_for=(GatewayUnavailable,), retry_backoff=True, max_retries=5)
def cancel_open_payment_task(*, payment_id: int, reason: str) -> str:
    payment = cancel_open_payment(payment=Payment.objects.get(pk=payment_id), reason=CancelReason(reason))
    return str(payment.state)


@shared_task
def release_expired_orders_task() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): unpaid orders past their reservation are cancelled,
    their stock, voucher use and open payment attempts given back."""
    return release_expired_orders()


@shared_task
def retry_pending_refunds_task() -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): refunds that timed out go out again, same keys,
    and refunds the provider left pending for an hour are looked up in case their event was lost."""
    return retry_pending_refunds() + check_pending_refunds()


@shared_task(**MAIL_TASK_RETRY)
def send_payment_confirmation_task(*, payment_id: int) -> bool:
    # Retried when the mail server fails, like the order's other e-mails; the e-mail is
    # recorded as sent under the order's lock, so a retry or a second delivery sends it once.
    return send_payment_confirmation(payment=Payment.objects.select_related("order").get(pk=payment_id))


@shared_task
def send_unsent_payment_confirmations_task() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE): e-mails a broker outage kept from being queued."""
    return send_unsent_payment_confirmations()
