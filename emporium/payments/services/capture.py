"""Taking the money of an authorized payment, or letting it go (cancel, void).

With manual capture the provider only holds the money at checkout; the order is marked paid on
that hold. We capture when the goods are on their way (the order is fulfilled or shipped; see
ADR 0007), and release the hold when the order is refunded or cancelled before that.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from emporium.accounts.models import User
from emporium.core.money import format_money
from emporium.orders.models import OrderStatus
from emporium.payments.exceptions import GatewayError, PaymentActionNotAllowed
from emporium.payments.gateways.base import CancelReason, GatewayPayment, ProviderStatus
from emporium.payments.models import Payment, PaymentState
from emporium.payments.registry import get_gateway
from emporium.payments.services.events import deliver_events
from emporium.payments.services.progress import advance_payment
from emporium.payments.services.provider_calls import call_gateway
from emporium.payments.services.review import flag_payment, lock_payment, note_on_order

logger = logging.getLogger(__name__)

S = PaymentState
# The order still wants the goods paid for: captured money for a cancelled or refunded order
# would only have to be refunded again.
CAPTURABLE_ORDER_STATES = (
    OrderStatus.PAID,
    OrderStatus.FULFILLED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


def capture_payment(*, payment: Payment, actor: User | None = None) -> Payment:
    """Take the money of an authorized payment. Safe to repeat: the capture has its own key.

    Refused when the order is no longer to be paid for (cancelled, refunded) or a cancel of
    the payment was asked for. A capture the provider refuses (an expired authorization) flags
    the payment for staff."""
    payment = Payment.objects.select_related("order").get(pk=payment.pk)
    if payment.state != S.AUTHORIZED:
        if payment.state in (S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED):
            return payment
        raise PaymentActionNotAllowed(f"Payment {payment.pk} is {payment.get_state_display().lower()}.")
    order = payment.order
    if order.status not in CAPTURABLE_ORDER_STATES:
        raise PaymentActionNotAllowed(
            f"Order {order.number} is {order.get_status_display().lower()}: its payment is not captured."
        )
    if payment.cancel_requested_at is not None:
        raise PaymentActionNotAllowed(f"Payment {payment.pk} is being cancelled.")
    gateway = get_gateway(payment.gateway, enabled_only=False)
    try:
        result = call_gateway(
            payment=payment,
            operation="capture",
            call=lambda: gateway.capture_payment(
                reference=payment.provider_reference,
                amount=payment.total,
                idempotency_key=f"{payment.idempotency_key}:capture",
            ),
        )
    except GatewayError as error:
        with transaction.atomic():
            locked = lock_payment(payment)
            flag_payment(locked, f"the provider refused to capture it: {error.message}")
            locked.save(update_fields=["flagged_for_review", "review_reason", "updated_at"])
        raise
    payment, _ = advance_payment(payment=payment, result=result, actor=actor)
    deliver_events(gateway_name=gateway.name, events=result.events)
    return payment


def cancel_payment(
    *,
    payment: Payment,
    reason: CancelReason,
    actor: User | None = None,
) -> Payment:
    """Cancel a payment that has not taken money: an open one (it can never be paid after), or
    an authorized one, whose hold on the card is released. A captured payment is refunded
    instead (:func:`refund_payment`). Safe to repeat: the cancel has its own idempotency key.

    The request is noted on the payment first, so the provider's "cancelled" event, however
    early, is known to be ours. If the provider refuses, the note is taken back.
    """
    with transaction.atomic():
        payment = lock_payment(payment)
        if payment.state in (S.CANCELLED, S.FAILED):
            return payment
        if payment.state not in (S.PENDING, S.REQUIRES_ACTION, S.AUTHORIZED):
            raise PaymentActionNotAllowed(
                f"Payment {payment.pk} is {payment.get_state_display().lower()}: refund it instead."
            )
        if payment.cancel_requested_at is None:
            payment.cancel_requested_at = timezone.now()
            payment.save(update_fields=["cancel_requested_at", "updated_at"])
    was_authorized = payment.state == S.AUTHORIZED
    gateway = get_gateway(payment.gateway, enabled_only=False)
    if not payment.provider_reference:
        # The provider never answered "start": there is nothing of ours there to cancel.
        result = GatewayPayment(reference="", status=ProviderStatus.CANCELLED, amount=payment.total)
    else:
        try:
            result = call_gateway(
                payment=payment,
                operation="cancel",
                call=lambda: gateway.cancel_payment(
                    reference=payment.provider_reference,
                    amount=payment.total,
                    idempotency_key=f"{payment.idempotency_key}:cancel",
                    reason=reason,
                ),
            )
        except GatewayError:
            Payment.objects.filter(pk=payment.pk).update(cancel_requested_at=None)
            raise
    payment, _ = advance_payment(payment=payment, result=result, actor=actor)
    deliver_events(gateway_name=gateway.name, events=result.events)
    if was_authorized and payment.state == S.CANCELLED:
        note_on_order(
            payment.order, f"Hold of {format_money(payment.total)} released (payment {payment.pk})", actor
        )
    return payment


def cancel_open_payment(*, payment: Payment, reason: CancelReason) -> Payment:
    """Close an attempt nobody will finish: its order was paid another way, cancelled or expired.
    A Stripe intent left open could still be paid from a browser tab; cancelled, it cannot.

    Does nothing to a payment that is no longer open (it may be the one that paid). A provider
    that refuses (the customer paid at that very moment) is only logged: its "succeeded" event
    will flag the payment for staff, as any money for a closed order is."""
    payment = Payment.objects.select_related("order").get(pk=payment.pk)
    if not payment.is_open:
        return payment
    try:
        return cancel_payment(payment=payment, reason=reason)
    except GatewayError:
        logger.warning("Payment %s could not be cancelled at %s", payment.pk, payment.gateway, exc_info=True)
        return payment
