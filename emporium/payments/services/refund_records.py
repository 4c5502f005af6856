"""Recording money that went back: on the payment, then on the order."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.orders.models import OrderStatus
from emporium.orders.services import record_refund_on_order, refund_order
from emporium.payments.gateways.base import GatewayEvent
from emporium.payments.models import Payment, PaymentState, Refund, RefundState
from emporium.payments.services.review import describe_mismatch, flag_payment, lock_payment, note_on_order

S = PaymentState
REFUNDABLE_ORDER_STATES = (
    OrderStatus.PAID,
    OrderStatus.FULFILLED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.PARTIALLY_REFUNDED,
)


def pending_refunds(payment: Payment) -> Decimal:
    pending = payment.refunds.filter(state=RefundState.PENDING).aggregate(total=Sum("amount"))["total"]
    return pending or Decimal(0)


def record_refunded(
    *, payment: Payment, amount: Money, actor: User | None, note: str, move_order: bool = True
) -> None:
    """Money went back: the payment and the order follow (both locked by the caller's transaction).

    The order's status follows a refund while it is one the state machine refunds (paid,
    shipped...); otherwise, or with ``move_order`` False (the order is being cancelled), the
    amount is only recorded on it. An order never marked paid (the refund overtook the
    payment's event) is left for :func:`progress._catch_up_with_early_refund`.
    """
    payment.refunded_amount += amount.amount
    in_full = payment.refunded_amount >= payment.captured_amount
    payment.refund() if in_full else payment.refund_partially()
    payment.save(update_fields=["refunded_amount", "state", "updated_at"])
    order = payment.order
    order.refresh_from_db(fields=["status", "refunded_amount"])
    if order.status == OrderStatus.UNPAID:
        note_on_order(order, f"{format_money(amount)} refunded on payment {payment.pk}", actor)
        return
    fits = amount.amount <= order.total_amount - order.refunded_amount
    if move_order and fits and order.status in REFUNDABLE_ORDER_STATES:
        payment.order = refund_order(order=order, amount=amount, actor=actor, note=note)
    else:
        detail = f"on payment {payment.pk}" + (f": {note}" if note else "")
        payment.order = record_refund_on_order(order=order, amount=amount, actor=actor, note=detail)


def apply_refund_event(*, payment: Payment, event: GatewayEvent) -> None:
    """A refund the provider reports, perhaps made in its dashboard rather than our admin.

    Never marks the order paid. A refund of a payment we did not know was captured (its event
    is late) records the capture on the payment only; the order catches up when the payment's
    own event arrives (progress._catch_up_with_early_refund). A released authorization
    (nothing captured) refunds nothing: ``event.refunded`` is None.
    """
    if event.refunded is None or event.captured is None:
        return
    with transaction.atomic():
        payment = lock_payment(payment)
        if payment.state in (S.PENDING, S.REQUIRES_ACTION, S.AUTHORIZED) and not _record_early_capture(
            payment=payment, event=event
        ):
            return
        if payment.state not in (S.CAPTURED, S.PARTIALLY_REFUNDED):
            return
        unknown = event.refunded.amount - payment.refunded_amount - pending_refunds(payment)
        if unknown <= 0:
            return  # our own refunds, already recorded or on their way
        amount = Money(unknown, payment.currency)
        Refund.objects.create(
            payment=payment,
            amount=unknown,
            currency=payment.currency,
            state=RefundState.SUCCEEDED,
            provider_reference=event.refund_reference,
            reason=f"Refunded at the provider ({event.type})",
        )
        record_refunded(payment=payment, amount=amount, actor=None, note="Refunded at the provider")


def _record_early_capture(*, payment: Payment, event: GatewayEvent) -> bool:
    """The refund proves the money was captured: say so on the payment (locked by the caller),
    checked against the order like any capture. Returns whether the refund can be recorded."""
    assert event.captured is not None
    if payment.flagged_for_review:
        return False
    if mismatch := describe_mismatch(payment=payment, amount=event.amount):
        flag_payment(payment, mismatch)
        payment.save(update_fields=["flagged_for_review", "review_reason", "updated_at"])
        return False
    payment.capture()
    payment.captured_amount = event.captured.amount
    payment.failure_code = payment.failure_message = ""
    payment.save(update_fields=["state", "captured_amount", "failure_code", "failure_message", "updated_at"])
    return True
