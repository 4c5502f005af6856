"""Recording money that went back, on the payment then on the order, as the provider reports it.

A refund is pending until the provider says it succeeded (only then is it counted as refunded)
or failed (flagged for staff). A refund reported as succeeded can still fail later: it is then
taken back off the payment and the order, and flagged.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.orders.models import OrderStatus
from emporium.orders.services import record_refund_on_order, take_back_failed_refund
from emporium.payments.gateways.base import GatewayEvent, GatewayRefund, RefundStatus
from emporium.payments.models import Payment, PaymentState, Refund, RefundState
from emporium.payments.services.review import describe_mismatch, flag_payment, lock_payment, note_on_order
from emporium.payments.services.workflows import refund_order_and_release, refund_to_gift_card

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
        payment.order = refund_order_and_release(order=order, amount=amount, actor=actor, note=note)
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


def settle_refund(
    *, payment: Payment, refund: Refund, report: GatewayRefund, order_follows: bool = True, event: str = ""
) -> None:
    """Bring our refund to where the provider has it (both rows locked by the caller)."""
    if report.reference and refund.provider_reference != report.reference:
        refund.provider_reference = report.reference
        refund.save(update_fields=["provider_reference", "updated_at"])
    if report.status is RefundStatus.SUCCEEDED and refund.state == RefundState.PENDING:
        refund.state = RefundState.SUCCEEDED
        refund.save(update_fields=["state", "updated_at"])
        record_refunded(
            payment=payment,
            amount=refund.total,
            actor=refund.actor,
            note=refund.reason,
            move_order=order_follows,
        )
        if refund.gift_card_amount > 0 and order_follows:  # cancelling gives the card its part itself
            _give_back_gift_card_part(payment=payment, refund=refund)
    elif report.status is RefundStatus.FAILED and refund.state != RefundState.FAILED:
        counted = refund.state == RefundState.SUCCEEDED
        refund.state = RefundState.FAILED
        refund.save(update_fields=["state", "updated_at"])
        why = report.failure_message or "no reason given"
        if counted:
            _take_back(payment=payment, refund=refund, why=why)
        flag_payment(
            payment,
            f"refund {refund.pk} of {format_money(refund.total)} failed ({why}): refund it another way",
        )
        payment.save(update_fields=["flagged_for_review", "review_reason", "updated_at"])
    elif report.status is RefundStatus.PENDING and refund.state == RefundState.PENDING and not event:
        note_on_order(
            payment.order,
            f"Refund {refund.pk} of {format_money(refund.total)} accepted by the provider, pending",
            refund.actor,
        )


def _give_back_gift_card_part(*, payment: Payment, refund: Refund) -> None:
    """The gift card's part of a refund that carried one (a refund of an order a gift card paid
    part of) goes back on the card now, in the transaction that records the provider's success:
    a refund refused, or not answered yet, leaves the card as it was. Capped by what the card
    still has to get back, so a card is never credited twice."""
    order = payment.order
    order.refresh_from_db(fields=["status", "refunded_amount"])
    if order.status not in REFUNDABLE_ORDER_STATES:
        return  # cancelled meanwhile: the cancellation gave the card its part back
    amount = Money(refund.gift_card_amount, order.currency)
    payment.order = refund_to_gift_card(order=order, amount=amount, actor=refund.actor, note=refund.reason)


def _take_back(*, payment: Payment, refund: Refund, why: str) -> None:
    """A refund we had counted failed after all: the money is back with us."""
    payment.refunded_amount = max(payment.refunded_amount - refund.amount, Decimal(0))
    if payment.refunded_amount:
        payment.reopen_partially_after_failed_refund()
    else:
        payment.reopen_after_failed_refund()
    payment.save(update_fields=["refunded_amount", "state", "updated_at"])
    payment.order = take_back_failed_refund(
        order=payment.order, amount=refund.total, note=f"refund {refund.pk} failed ({why})"
    )


def _find_refund(*, payment: Payment, report: GatewayRefund) -> Refund | None:
    refunds = payment.refunds.select_for_update()
    if found := refunds.filter(provider_reference=report.reference).first():
        return found
    # Ours, and the event beat the provider's answer to our request: our id is in its metadata.
    if report.refund_id is not None and (
        found := refunds.filter(pk=report.refund_id, provider_reference="").first()
    ):
        return found
    # Made at the provider and recorded from charge.refunded, which no longer names refunds.
    return refunds.filter(
        provider_reference="", actor=None, state=RefundState.SUCCEEDED, amount=report.amount.amount
    ).first()


def apply_refund_status(*, payment: Payment, event: GatewayEvent) -> None:
    """A ``refund.*`` event: settle the refund it names. A refund we know nothing of is left to
    ``charge.refunded``, which counts money back by the charge's totals, so none is counted twice."""
    if event.refund is None:
        return
    with transaction.atomic():
        payment = lock_payment(payment)
        refund = _find_refund(payment=payment, report=event.refund)
        if refund is None:
            return
        settle_refund(payment=payment, refund=refund, report=event.refund, event=event.type)
