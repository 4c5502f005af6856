"""Refunds staff ask for: recorded first, then sent to the provider with their own key."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.payments.exceptions import (
    GatewayError,
    GatewayUnavailable,
    PaymentActionNotAllowed,
    RefundExceedsCaptured,
)
from emporium.payments.gateways.base import RefundRequest
from emporium.payments.models import Payment, PaymentState, Refund, RefundState
from emporium.payments.registry import get_gateway
from emporium.payments.services.events import deliver_events
from emporium.payments.services.provider_calls import call_gateway
from emporium.payments.services.refund_records import pending_refunds, settle_refund
from emporium.payments.services.review import flag_payment, lock_payment

logger = logging.getLogger(__name__)

S = PaymentState


def refund_payment(
    *,
    payment: Payment,
    amount: Money | None = None,
    actor: User | None = None,
    reason: str = "",
    order_follows: bool = True,
    gift_card_amount: Decimal = Decimal(0),
) -> Refund:
    """Give back ``amount`` (everything still refundable when None) of a captured payment.

    ``gift_card_amount``: the order's gift card part that goes back on the card with this
    refund, once the provider says it succeeded (``refund_records.settle_refund``), never before.

    The refund is recorded first, under the payment's lock and counting refunds still in flight,
    so two staff clicking at once cannot refund more than was captured. Then the provider is
    called with the refund's own key; see :func:`complete_refund`. With ``order_follows`` False
    the order's status is left to the caller (it is cancelling the order).
    """
    with transaction.atomic():
        payment = lock_payment(payment)
        if payment.state not in (S.CAPTURED, S.PARTIALLY_REFUNDED):
            raise PaymentActionNotAllowed(
                f"Payment {payment.pk} is {payment.get_state_display().lower()}: only captured payments are refunded."
            )
        available = payment.captured_amount - payment.refunded_amount - pending_refunds(payment)
        value = available if amount is None else amount.amount
        if amount is not None and str(amount.currency) != payment.currency:
            raise RefundExceedsCaptured(f"The payment is in {payment.currency}.")
        if value <= 0 or value > available:
            raise RefundExceedsCaptured(
                f"At most {format_money(Money(available, payment.currency))} can be refunded.",
                refundable=str(available),
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=value,
            currency=payment.currency,
            actor=actor,
            reason=reason[:255],
            gift_card_amount=gift_card_amount,
        )
    return complete_refund(refund=refund, order_follows=order_follows)


def complete_refund(*, refund: Refund, order_follows: bool = True) -> Refund:
    """Ask the provider to send the money back, then record its answer.

    Idempotent: a refund that never got an answer is sent again with the same key (refunded
    once); one the provider has accepted (it has its reference) or finished is left as it is.
    A succeeded refund is recorded on the payment and the order; a pending one stays pending
    until the provider's refund event says how it ended (refund_records.apply_refund_status);
    a failed one is flagged for staff.
    """
    refund = Refund.objects.select_related("payment__order").get(pk=refund.pk)
    if refund.state != RefundState.PENDING or refund.provider_reference:
        return refund
    payment = refund.payment
    gateway = get_gateway(payment.gateway, enabled_only=False)
    request = RefundRequest(
        refund_id=refund.pk,
        payment_id=payment.pk,
        reference=payment.provider_reference,
        amount=refund.total,
        idempotency_key=str(refund.idempotency_key),
        captured=Money(payment.captured_amount, payment.currency),
        refunded_before=Money(payment.refunded_amount, payment.currency),
    )
    result = call_gateway(
        payment=payment, operation="refund", call=lambda: gateway.refund_payment(request=request)
    )
    with transaction.atomic():
        payment = lock_payment(payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.state == RefundState.PENDING and not refund.provider_reference:
            settle_refund(payment=payment, refund=refund, report=result, order_follows=order_follows)
    deliver_events(gateway_name=gateway.name, events=result.events)
    refund.refresh_from_db()
    return refund


# Stripe keeps an idempotency key for 24 hours: within that, resending a refund with its key is
# answered with the first result, never a second refund. Past it, a resend could refund twice.
REFUND_RETRY_WINDOW = timedelta(hours=23)
# Younger refunds may still be waiting for their first answer: let that request finish.
REFUND_RETRY_AFTER = timedelta(minutes=1)


def retry_pending_refunds(*, now: datetime | None = None) -> int:
    """Resend the refunds that never got the provider's answer (a timeout, the provider down),
    each with its own key; returns how many the provider has now answered.

    Run every few minutes (``retry_pending_refunds_task``), so staff need not press a button. A
    refund still unanswered after :data:`REFUND_RETRY_WINDOW` is not resent: its key may have
    expired. It is marked failed and its payment flagged, for staff to check the provider's
    dashboard and refund again if no money went back.
    """
    now = now or timezone.now()
    unsent = Refund.objects.filter(state=RefundState.PENDING, provider_reference="")
    answered = 0
    for refund in unsent.filter(
        created_at__gte=now - REFUND_RETRY_WINDOW, created_at__lte=now - REFUND_RETRY_AFTER
    ):
        try:
            refund = complete_refund(refund=refund)
        except (GatewayUnavailable, GatewayError):
            logger.warning("Refund %s is still unanswered", refund.pk)  # the next run tries again
            continue
        if refund.provider_reference or refund.state != RefundState.PENDING:
            answered += 1
    for refund in unsent.filter(created_at__lt=now - REFUND_RETRY_WINDOW).select_related("payment"):
        _give_up_on(refund=refund)
    return answered


def _give_up_on(*, refund: Refund) -> None:
    with transaction.atomic():
        payment = lock_payment(refund.payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.state != RefundState.PENDING or refund.provider_reference:
            return
        refund.state = RefundState.FAILED
        refund.save(update_fields=["state", "updated_at"])
        flag_payment(
            payment,
            f"refund {refund.pk} of {format_money(refund.total)} got no answer from the provider for a day: "
            "check its dashboard, and refund again if nothing went back",
        )
        payment.save(update_fields=["flagged_for_review", "review_reason", "updated_at"])


# A refund the provider accepted as pending (card refunds can take days) is settled by its
# ``refund.*`` event. Should that event never come (the webhook endpoint down for longer than
# the provider keeps resending), the provider is asked, at most this often per refund.
REFUND_CHECK_EVERY = timedelta(hours=1)


def check_pending_refunds(*, now: datetime | None = None) -> int:
    """Ask the provider where each refund it left pending stands, and settle those it has
    finished (succeeded: recorded on the payment and the order; failed: flagged for staff), as
    their events would have. Returns how many were settled. Run with ``retry_pending_refunds``."""
    now = now or timezone.now()
    due = Refund.objects.filter(state=RefundState.PENDING, updated_at__lte=now - REFUND_CHECK_EVERY).exclude(
        provider_reference=""
    )
    settled = 0
    for refund in due.select_related("payment").order_by("pk"):
        payment = refund.payment
        gateway = get_gateway(payment.gateway, enabled_only=False)
        try:
            report = call_gateway(
                payment=payment,
                operation="retrieve_refund",
                call=partial(gateway.retrieve_refund, reference=refund.provider_reference),
            )
        except (GatewayUnavailable, GatewayError):
            continue  # logged by call_gateway; the next run asks again
        with transaction.atomic():
            payment = lock_payment(payment)
            refund = Refund.objects.select_for_update().get(pk=refund.pk)
            if refund.state == RefundState.PENDING:
                settle_refund(payment=payment, refund=refund, report=report, event="refund checked")
            if refund.state == RefundState.PENDING:
                Refund.objects.filter(pk=refund.pk).update(updated_at=now)  # ask again in an hour
            else:
                settled += 1
    return settled
