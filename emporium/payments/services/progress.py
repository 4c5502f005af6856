"""Moving a payment forwards with what the provider says, and the order with it.

:func:`advance_payment` is the one place that marks an order paid, so that happens once however
many answers and events say the same thing.
"""

from __future__ import annotations

from django.db import transaction

from emporium.accounts.models import User
from emporium.core.money import Money
from emporium.orders.exceptions import TransitionNotAllowed
from emporium.orders.models import Order, OrderStatus
from emporium.payments.exceptions import OrderNotPayable
from emporium.payments.gateways.base import GatewayEvent, GatewayPayment, ProviderStatus
from emporium.payments.models import PROGRESS, Payment, PaymentState
from emporium.payments.services.emails import queue_payment_confirmation
from emporium.payments.services.review import describe_mismatch, flag_payment, lock_payment
from emporium.payments.services.workflows import pay_order, refund_order_and_release

S = PaymentState


def check_payable(order: Order) -> None:
    if not order.accepts_payment:
        raise OrderNotPayable(
            f"Order {order.number} is {order.get_status_display().lower()}: it cannot be paid."
        )


def _mark_order_paid(*, payment: Payment, actor: User | None) -> bool:
    """Mark the order paid by this payment (and queue the customer's e-mail); False when it
    cannot be, with the payment flagged for staff instead."""
    order = payment.order
    other_paid = order.payments.exclude(pk=payment.pk).filter(state__in=[S.AUTHORIZED, S.CAPTURED]).first()
    if other_paid is not None:
        flag_payment(payment, f"order {order.number} was already paid by payment {other_paid.pk}: refund one")
        return False
    try:
        payment.order = pay_order(
            order=order, actor=actor, note=f"{payment.gateway} payment {payment.pk}", paid_by=payment
        )
    except TransitionNotAllowed:
        flag_payment(
            payment, f"money received for order {order.number}, which is {order.get_status_display()}"
        )
        return False
    queue_payment_confirmation(payment.pk)
    return True


def advance_payment(
    *, payment: Payment, result: GatewayPayment | GatewayEvent, actor: User | None = None
) -> tuple[Payment, bool]:
    """Apply what the provider says to the payment, never backwards; returns it and whether it
    changed. The one place that marks an order paid, so that happens once."""
    with transaction.atomic():
        payment = lock_payment(payment)
        before = (payment.state, payment.flagged_for_review, payment.failure_code)
        reference = result.reference
        if reference and not payment.provider_reference:
            payment.provider_reference = reference
        if isinstance(result, GatewayPayment) and result.client_secret and not payment.client_secret:
            payment.client_secret = result.client_secret
        if result.failure_code and payment.is_open:
            payment.failure_code = result.failure_code[:64]
            payment.failure_message = result.failure_message[:255]
        status = result.status
        if status in (ProviderStatus.AUTHORIZED, ProviderStatus.CAPTURED):
            _advance_to_paid(payment=payment, status=status, result=result, actor=actor)
        elif status is ProviderStatus.REQUIRES_ACTION and payment.state == S.PENDING:
            payment.require_action()
        elif status is ProviderStatus.FAILED and payment.is_open:
            payment.fail()
        elif status is ProviderStatus.CANCELLED and payment.state in (
            S.PENDING,
            S.REQUIRES_ACTION,
            S.AUTHORIZED,
        ):
            ours = payment.cancel_requested_at is not None
            if payment.state == S.AUTHORIZED and payment.order.status != OrderStatus.UNPAID and not ours:
                flag_payment(payment, "the provider cancelled an authorization the order was marked paid on")
            payment.cancel()
        payment.save()
        return payment, before != (payment.state, payment.flagged_for_review, payment.failure_code)


def _advance_to_paid(
    *, payment: Payment, status: ProviderStatus, result: GatewayPayment | GatewayEvent, actor: User | None
) -> None:
    target = S.CAPTURED if status is ProviderStatus.CAPTURED else S.AUTHORIZED
    if payment.state in (S.PARTIALLY_REFUNDED, S.REFUNDED):
        _catch_up_with_early_refund(payment=payment, actor=actor)
        return
    if PROGRESS[payment.state] >= PROGRESS[target] and payment.state not in (S.FAILED, S.CANCELLED):
        return  # already there or beyond: a late or repeated event
    if payment.flagged_for_review:
        return  # staff decide; nothing moves on its own
    if mismatch := describe_mismatch(payment=payment, amount=result.amount):
        flag_payment(payment, mismatch)
        return
    if payment.state in (S.FAILED, S.CANCELLED):
        flag_payment(
            payment,
            f"the provider took the money for a payment we had closed ({payment.get_state_display()})",
        )
        return
    was_paid = payment.is_paid
    if target == S.CAPTURED:
        payment.capture()
        # What the provider received, which a partial capture makes less than the amount.
        payment.captured_amount = (result.captured or result.amount or payment.total).amount
    else:
        payment.authorize()
    payment.failure_code = payment.failure_message = ""
    if not was_paid:
        _mark_order_paid(payment=payment, actor=actor)


def _catch_up_with_early_refund(*, payment: Payment, actor: User | None) -> None:
    """The provider's refund event came before its "paid" event (events arrive in any order):
    the refund was recorded on the payment, but the order was never marked paid. Now the payment
    itself is reported: the order is marked paid and refunded in one go, so its history is true
    and it ends refunded. The "payment received" e-mail is not sent for money already returned
    in full (see send_payment_confirmation)."""
    order = payment.order
    order.refresh_from_db(fields=["status"])
    if order.status != OrderStatus.UNPAID or payment.flagged_for_review:
        return  # the order moved on already (or staff decide)
    if not _mark_order_paid(payment=payment, actor=actor):
        return
    payment.order = refund_order_and_release(
        order=payment.order,
        partial=payment.state == S.PARTIALLY_REFUNDED,
        amount=Money(payment.refunded_amount, payment.currency),
        actor=actor,
        note=f"refunded at the provider before it reported payment {payment.pk}",
    )
