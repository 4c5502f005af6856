"""Recording money that went back: on the payment, then on the order."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.orders.models import OrderStatus
from emporium.orders.services import refund_order
from emporium.payments.gateways.base import GatewayEvent
from emporium.payments.models import Payment, PaymentState, Refund, RefundState
from emporium.payments.services.review import lock_payment, note_on_order

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


def record_refunded(*, payment: Payment, amount: Money, actor: User | None, note: str) -> None:
    """Money went back: the payment and the order follow (both locked by the caller's transaction)."""
    payment.refunded_amount += amount.amount
    in_full = payment.refunded_amount >= payment.captured_amount
    payment.refund() if in_full else payment.refund_partially()
    payment.save(update_fields=["refunded_amount", "state", "updated_at"])
    order = payment.order
    order.refresh_from_db(fields=["status"])
    if order.status in REFUNDABLE_ORDER_STATES:
        payment.order = refund_order(order=order, partial=not in_full, amount=amount, actor=actor, note=note)
    else:
        note_on_order(order, f"{format_money(amount)} refunded on payment {payment.pk}", actor)


def apply_refund_event(*, payment: Payment, event: GatewayEvent) -> None:
    """A refund the provider reports, perhaps made in its dashboard rather than our admin."""
    if event.refunded is None:
        return
    with transaction.atomic():
        payment = lock_payment(payment)
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
