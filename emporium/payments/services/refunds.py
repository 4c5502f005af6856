"""Refunds staff ask for: recorded first, then sent to the provider with their own key."""

from __future__ import annotations

from django.db import transaction

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.payments.exceptions import PaymentActionNotAllowed, RefundExceedsCaptured
from emporium.payments.models import Payment, PaymentState, Refund, RefundState
from emporium.payments.registry import get_gateway
from emporium.payments.services.provider_calls import call_gateway
from emporium.payments.services.refund_records import pending_refunds, record_refunded
from emporium.payments.services.review import lock_payment, note_on_order

S = PaymentState


def refund_payment(
    *,
    payment: Payment,
    amount: Money | None = None,
    actor: User | None = None,
    reason: str = "",
    order_follows: bool = True,
) -> Refund:
    """Give back ``amount`` (everything still refundable when None) of a captured payment.

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
            payment=payment, amount=value, currency=payment.currency, actor=actor, reason=reason[:255]
        )
    return complete_refund(refund=refund, order_follows=order_follows)


def complete_refund(*, refund: Refund, order_follows: bool = True) -> Refund:
    """Ask the provider to send the money back, then record it on the payment and the order.

    Idempotent: a pending refund retried after a timeout sends the same key (refunded once); a
    finished one is returned as it is.
    """
    refund = Refund.objects.select_related("payment__order").get(pk=refund.pk)
    if refund.state != RefundState.PENDING:
        return refund
    payment = refund.payment
    gateway = get_gateway(payment.gateway, enabled_only=False)
    result = call_gateway(
        payment=payment,
        operation="refund",
        call=lambda: gateway.refund_payment(
            reference=payment.provider_reference,
            amount=refund.total,
            idempotency_key=str(refund.idempotency_key),
        ),
    )
    with transaction.atomic():
        payment = lock_payment(payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.state != RefundState.PENDING:
            return refund
        refund.provider_reference = result.reference
        if not result.succeeded:
            refund.state = RefundState.FAILED
            refund.save(update_fields=["state", "provider_reference", "updated_at"])
            note_on_order(payment.order, f"Refund {refund.pk} failed: {result.failure_message}", refund.actor)
            return refund
        refund.state = RefundState.SUCCEEDED
        refund.save(update_fields=["state", "provider_reference", "updated_at"])
        record_refunded(
            payment=payment,
            amount=refund.total,
            actor=refund.actor,
            note=refund.reason,
            move_order=order_follows,
        )
    return refund
