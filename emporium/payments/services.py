"""Every change to a payment goes through here, whoever asks: a page, the API, a webhook, staff.

Three rules keep the shop paid exactly once:

* **Amounts come from the order.** A payment copies the order's total when it starts; what the
  provider later reports is checked against it, and a mismatch flags the payment for staff
  instead of marking the order paid.
* **Provider calls happen outside database transactions**, carry the payment's idempotency key
  and are logged (:class:`PaymentLogEntry`) whatever happens. A timeout leaves the payment as
  it was; the retry sends the same key, so the provider does the work at most once.
* **State moves only forwards, under the payment's row lock** (then the order's, always in that
  order). Provider events are recorded once by id and may arrive late, early, or three times:
  applying one twice, or after a later one, changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.orders.exceptions import TransitionNotAllowed
from emporium.orders.models import Order, OrderEvent, OrderEventType, OrderStatus, StockState
from emporium.orders.services import mark_order_paid, refund_order
from emporium.payments.exceptions import (
    OrderNotPayable,
    PaymentActionNotAllowed,
    PaymentDeclined,
    RefundExceedsCaptured,
)
from emporium.payments.gateways.base import (
    EventKind,
    Exchange,
    GatewayEvent,
    GatewayKind,
    GatewayPayment,
    PaymentRequest,
    ProviderStatus,
    SignedEvent,
    recording_exchanges,
)
from emporium.payments.models import (
    PROGRESS,
    LogDirection,
    Payment,
    PaymentLogEntry,
    PaymentState,
    ProviderEvent,
    Refund,
    RefundState,
)
from emporium.payments.registry import get_gateway

logger = logging.getLogger(__name__)

T = TypeVar("T")
S = PaymentState
PAYMENT_CONFIRMATION = "Payment confirmation"
REFUNDABLE_ORDER_STATES = (
    OrderStatus.PAID,
    OrderStatus.FULFILLED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.PARTIALLY_REFUNDED,
)


# --- Talking to the provider ----------------------------------------------------------------


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


def _call_gateway(*, payment: Payment, operation: str, call: Callable[[], T]) -> T:
    """Run one gateway call and log every request it made, retries and failures included."""
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


def _lock(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)


def _note(order: Order, message: str, actor: User | None = None) -> None:
    OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, actor=actor, message=message[:255])


def _flag(payment: Payment, reason: str) -> None:
    payment.flagged_for_review = True
    payment.review_reason = reason[:255]
    _note(payment.order, f"Payment {payment.pk} flagged for review: {reason}")
    logger.warning("Payment %s of order %s flagged for review: %s", payment.pk, payment.order.number, reason)


# --- Moving a payment forwards ----------------------------------------------------------------


def _mismatch(*, payment: Payment, amount: Money | None) -> str:
    order = payment.order
    if amount is None:
        return ""
    if str(amount.currency) != order.currency or amount.amount != order.total_amount:
        return (
            f"the provider reports {format_money(amount)}, "
            f"but order {order.number} is for {format_money(order.total)}"
        )
    if str(amount.currency) != payment.currency or amount.amount != payment.amount:
        return f"the provider reports {format_money(amount)}, but the payment is for {format_money(payment.total)}"
    return ""


def _mark_order_paid(*, payment: Payment, actor: User | None) -> None:
    order = payment.order
    other_paid = order.payments.exclude(pk=payment.pk).filter(state__in=[S.AUTHORIZED, S.CAPTURED]).first()
    if other_paid is not None:
        _flag(payment, f"order {order.number} was already paid by payment {other_paid.pk}: refund one")
        return
    try:
        payment.order = mark_order_paid(
            order=order, actor=actor, note=f"{payment.gateway} payment {payment.pk}"
        )
    except TransitionNotAllowed:
        _flag(payment, f"money received for order {order.number}, which is {order.get_status_display()}")
        return
    payment_id = payment.pk
    transaction.on_commit(lambda: _queue_payment_confirmation(payment_id))


def _advance(
    *, payment: Payment, result: GatewayPayment | GatewayEvent, actor: User | None = None
) -> tuple[Payment, bool]:
    """Apply what the provider says to the payment, never backwards; returns it and whether it
    changed. The one place that marks an order paid, so that happens once."""
    with transaction.atomic():
        payment = _lock(payment)
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
            if payment.state == S.AUTHORIZED and payment.order.status != OrderStatus.UNPAID:
                _flag(payment, "the provider cancelled an authorization the order was marked paid on")
            payment.cancel()
        payment.save()
        return payment, before != (payment.state, payment.flagged_for_review, payment.failure_code)


def _advance_to_paid(
    *, payment: Payment, status: ProviderStatus, result: GatewayPayment | GatewayEvent, actor: User | None
) -> None:
    target = S.CAPTURED if status is ProviderStatus.CAPTURED else S.AUTHORIZED
    if PROGRESS[payment.state] >= PROGRESS[target] and payment.state not in (S.FAILED, S.CANCELLED):
        return  # already there or beyond: a late or repeated event
    if payment.flagged_for_review:
        return  # staff decide; nothing moves on its own
    if mismatch := _mismatch(payment=payment, amount=result.amount):
        _flag(payment, mismatch)
        return
    if payment.state in (S.FAILED, S.CANCELLED):
        _flag(
            payment,
            f"the provider took the money for a payment we had closed ({payment.get_state_display()})",
        )
        return
    was_paid = payment.is_paid
    if target == S.CAPTURED:
        payment.capture()
        captured = result.captured if isinstance(result, GatewayPayment) else None
        payment.captured_amount = (captured or result.amount or payment.total).amount
    else:
        payment.authorize()
    payment.failure_code = payment.failure_message = ""
    if not was_paid:
        _mark_order_paid(payment=payment, actor=actor)


# --- Starting and confirming -----------------------------------------------------------------


def _check_payable(order: Order) -> None:
    if order.status != OrderStatus.UNPAID or order.stock_state == StockState.RELEASED:
        raise OrderNotPayable(
            f"Order {order.number} is {order.get_status_display().lower()}: it cannot be paid."
        )


def start_payment(*, order: Order, gateway_name: str) -> Payment:
    """Start (or pick up again) paying ``order`` with one gateway; the amount is the order's.

    An open payment of the same gateway is reused with its idempotency key, so a retry after
    the provider was unreachable, or a reloaded page, never creates a second charge.
    """
    gateway = get_gateway(gateway_name)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _check_payable(order)
        payment = order.payments.filter(
            gateway=gateway.name, state__in=[S.PENDING, S.REQUIRES_ACTION]
        ).first()
        if payment is None:
            payment = Payment.objects.create(
                order=order, gateway=gateway.name, amount=order.total_amount, currency=order.currency
            )
        if gateway.kind is GatewayKind.MANUAL:
            _hold_stock_for_manual_payment(order=order, payment=payment)
    if payment.provider_reference:
        return payment
    request = PaymentRequest(
        payment_id=payment.pk,
        order_number=order.number,
        amount=payment.total,
        email=order.email,
        idempotency_key=str(payment.idempotency_key),
        description=f"{settings.SITE_NAME} order {order.number}",
    )
    result = _call_gateway(
        payment=payment, operation="start", call=lambda: gateway.start_payment(request=request)
    )
    payment, _ = _advance(payment=payment, result=result)
    return payment


def _hold_stock_for_manual_payment(*, order: Order, payment: Payment) -> None:
    """A transfer takes days: keep the goods longer than a card payment would need."""
    until = timezone.now() + timedelta(days=settings.MANUAL_PAYMENT_RESERVATION_DAYS)
    if order.stock_state == StockState.RESERVED and (
        order.reserved_until is None or order.reserved_until < until
    ):
        Order.objects.filter(pk=order.pk).update(reserved_until=until)
        _note(order, f"Awaiting {payment.gateway.replace('_', ' ')}: items held until {until:%Y-%m-%d}")


def confirm_payment(*, payment: Payment, details: Mapping[str, str]) -> Payment:
    """Bring a payment forward with what the customer gave (a test card, an approval) or, with
    nothing, read where the provider has it (Stripe, after Stripe.js confirmed in the browser).

    A decline is saved first and then raised as :class:`PaymentDeclined`.
    """
    if payment.is_paid:
        return payment
    if not payment.is_open:
        raise PaymentActionNotAllowed("This payment attempt is over; please start a new one.")
    payment.order = Order.objects.get(pk=payment.order_id)
    _check_payable(payment.order)
    gateway = get_gateway(payment.gateway, enabled_only=False)
    result = _call_gateway(
        payment=payment,
        operation="confirm",
        call=lambda: gateway.confirm_payment(
            reference=payment.provider_reference, amount=payment.total, details=details
        ),
    )
    payment, _ = _advance(payment=payment, result=result)
    deliver_events(gateway_name=gateway.name, events=result.events)
    if result.failure_code and not payment.is_paid:
        raise PaymentDeclined(result.failure_message or None, decline_code=result.failure_code)
    return payment


def mark_payment_received(*, payment: Payment, actor: User | None) -> Payment:
    """Staff saw the bank transfer arrive, or the courier handed over the cash."""
    gateway = get_gateway(payment.gateway, enabled_only=False)
    if gateway.kind is not GatewayKind.MANUAL:
        raise PaymentActionNotAllowed("Only bank transfers and cash on delivery are marked received by hand.")
    if not payment.is_open:
        raise PaymentActionNotAllowed(f"Payment {payment.pk} is {payment.get_state_display().lower()}.")
    result = gateway.confirm_payment(reference=payment.provider_reference, amount=payment.total, details={})
    payment, _ = _advance(payment=payment, result=result, actor=actor)
    return payment


def capture_payment(*, payment: Payment, actor: User | None = None) -> Payment:
    """Take the money of an authorized payment. Safe to repeat: the capture has its own key."""
    payment = Payment.objects.select_related("order").get(pk=payment.pk)
    if payment.state != S.AUTHORIZED:
        if payment.state in (S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED):
            return payment
        raise PaymentActionNotAllowed(f"Payment {payment.pk} is {payment.get_state_display().lower()}.")
    gateway = get_gateway(payment.gateway, enabled_only=False)
    result = _call_gateway(
        payment=payment,
        operation="capture",
        call=lambda: gateway.capture_payment(
            reference=payment.provider_reference,
            amount=payment.total,
            idempotency_key=f"{payment.idempotency_key}:capture",
        ),
    )
    payment, _ = _advance(payment=payment, result=result, actor=actor)
    deliver_events(gateway_name=gateway.name, events=result.events)
    return payment


# --- Refunds ----------------------------------------------------------------------------------


def _pending_refunds(payment: Payment) -> Decimal:
    pending = payment.refunds.filter(state=RefundState.PENDING).aggregate(total=Sum("amount"))["total"]
    return pending or Decimal(0)


def refund_payment(
    *, payment: Payment, amount: Money | None = None, actor: User | None = None, reason: str = ""
) -> Refund:
    """Give back ``amount`` (everything still refundable when None) of a captured payment.

    The refund is recorded first, under the payment's lock and counting refunds still in flight,
    so two staff clicking at once cannot refund more than was captured. Then the provider is
    called with the refund's own key; see :func:`complete_refund`.
    """
    with transaction.atomic():
        payment = _lock(payment)
        if payment.state not in (S.CAPTURED, S.PARTIALLY_REFUNDED):
            raise PaymentActionNotAllowed(
                f"Payment {payment.pk} is {payment.get_state_display().lower()}: only captured payments are refunded."
            )
        available = payment.captured_amount - payment.refunded_amount - _pending_refunds(payment)
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
    return complete_refund(refund=refund)


def complete_refund(*, refund: Refund) -> Refund:
    """Ask the provider to send the money back, then record it on the payment and the order.

    Idempotent: a pending refund retried after a timeout sends the same key (refunded once); a
    finished one is returned as it is.
    """
    refund = Refund.objects.select_related("payment__order").get(pk=refund.pk)
    if refund.state != RefundState.PENDING:
        return refund
    payment = refund.payment
    gateway = get_gateway(payment.gateway, enabled_only=False)
    result = _call_gateway(
        payment=payment,
        operation="refund",
        call=lambda: gateway.refund_payment(
            reference=payment.provider_reference,
            amount=refund.total,
            idempotency_key=str(refund.idempotency_key),
        ),
    )
    with transaction.atomic():
        payment = _lock(payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.state != RefundState.PENDING:
            return refund
        refund.provider_reference = result.reference
        if not result.succeeded:
            refund.state = RefundState.FAILED
            refund.save(update_fields=["state", "provider_reference", "updated_at"])
            _note(payment.order, f"Refund {refund.pk} failed: {result.failure_message}", refund.actor)
            return refund
        refund.state = RefundState.SUCCEEDED
        refund.save(update_fields=["state", "provider_reference", "updated_at"])
        _record_refunded(payment=payment, amount=refund.total, actor=refund.actor, note=refund.reason)
    return refund


def _record_refunded(*, payment: Payment, amount: Money, actor: User | None, note: str) -> None:
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
        _note(order, f"{format_money(amount)} refunded on payment {payment.pk}", actor)


# --- Provider events (webhooks) ----------------------------------------------------------------


def _find_payment(*, gateway: str, event: GatewayEvent) -> Payment | None:
    payments = Payment.objects.filter(gateway=gateway)
    if event.reference and (payment := payments.filter(provider_reference=event.reference).first()):
        return payment
    if event.payment_id is not None:
        # The event beat us to saving the provider's reference: our id travels in its metadata.
        return payments.filter(pk=event.payment_id, provider_reference__in=["", event.reference]).first()
    return None


def _apply_refund_event(*, payment: Payment, event: GatewayEvent) -> None:
    """A refund the provider reports, perhaps made in its dashboard rather than our admin."""
    if event.refunded is None:
        return
    with transaction.atomic():
        payment = _lock(payment)
        if payment.state not in (S.CAPTURED, S.PARTIALLY_REFUNDED):
            return
        unknown = event.refunded.amount - payment.refunded_amount - _pending_refunds(payment)
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
        _record_refunded(payment=payment, amount=amount, actor=None, note="Refunded at the provider")


def receive_provider_event(*, gateway_name: str, payload: bytes, signature: str) -> ProviderEvent:
    """Verify, record once by id, and apply a provider's event. A forged or stale one raises
    :class:`InvalidWebhook` before anything is written; a redelivered one is counted, not re-applied.

    The event row is locked while it is applied, so two deliveries racing each other queue: the
    second finds it processed. Events may come in any order; :func:`_advance` only moves forwards.
    """
    # Stripe's events still count after Stripe is switched off (late refunds); the test
    # gateway's never do where it is off, as in production.
    gateway = get_gateway(gateway_name, enabled_only=gateway_name == "offline")
    event = gateway.parse_event(payload=payload, signature=signature)
    with transaction.atomic():
        record, created = ProviderEvent.objects.get_or_create(
            gateway=gateway.name, event_id=event.id, defaults={"type": event.type, "payload": event.payload}
        )
        record = ProviderEvent.objects.select_for_update().get(pk=record.pk)
        if not created:
            record.deliveries += 1
            record.save(update_fields=["deliveries"])
        duplicate = record.processed_at is not None
        if not duplicate:
            payment = _find_payment(gateway=gateway.name, event=event)
            if payment is not None:
                if event.kind in (EventKind.PAYMENT, EventKind.REFUND):
                    payment, _ = _advance(payment=payment, result=event)
                if event.kind is EventKind.REFUND:
                    _apply_refund_event(payment=payment, event=event)
                record.payment = payment
            if payment is not None or event.kind is EventKind.OTHER:
                record.processed_at = timezone.now()
            else:
                logger.warning("%s event %s names no payment of ours", gateway.name, event.id)
            record.save(update_fields=["payment", "processed_at"])
        PaymentLogEntry.objects.create(
            payment=record.payment,
            gateway=gateway.name,
            direction=LogDirection.INCOMING,
            operation=f"event {event.type}"[:40],
            request=event.payload,
            response={
                "event": record.pk,
                "duplicate": duplicate,
                "processed": record.processed_at is not None,
            },
            status_code=200,
        )
    return record


def deliver_events(*, gateway_name: str, events: Iterable[SignedEvent]) -> None:
    """The offline gateway has no server to call our webhook: its signed events go through the
    same :func:`receive_provider_event` a Stripe webhook does."""
    for event in events:
        receive_provider_event(gateway_name=gateway_name, payload=event.payload, signature=event.signature)


# --- E-mail -----------------------------------------------------------------------------------


def _queue_payment_confirmation(payment_id: int) -> None:
    from emporium.payments.tasks import send_payment_confirmation_task

    send_payment_confirmation_task.delay(payment_id=payment_id)


def send_payment_confirmation(*, payment: Payment) -> None:
    """Tell the customer we have their money: once per order, even if the task runs twice."""
    order = payment.order
    context = {"order": order, "payment": payment, "site_name": settings.SITE_NAME}
    message = EmailMultiAlternatives(
        subject=f"{settings.SITE_NAME}: payment received for order {order.number}",
        body=render_to_string("payments/email/payment_confirmation.txt", context),
        to=[order.email],
    )
    message.attach_alternative(
        render_to_string("payments/email/payment_confirmation.html", context), "text/html"
    )
    with transaction.atomic():
        # Under the order's lock: a second run of the task waits, then finds the e-mail sent.
        Order.objects.select_for_update().filter(pk=order.pk).values_list("pk").get()
        if order.events.filter(type=OrderEventType.EMAIL_SENT, message=PAYMENT_CONFIRMATION).exists():
            return
        message.send()
        OrderEvent.objects.create(order=order, type=OrderEventType.EMAIL_SENT, message=PAYMENT_CONFIRMATION)


def clear_review_flag(*, payment: Payment, actor: User | None) -> Payment:
    with transaction.atomic():
        payment = _lock(payment)
        if payment.flagged_for_review:
            payment.flagged_for_review = False
            _note(payment.order, f"Payment {payment.pk} reviewed: {payment.review_reason}", actor)
            payment.save(update_fields=["flagged_for_review", "updated_at"])
    return payment


def refund_order_payment(
    *,
    order: Order,
    amount: Money | None = None,
    partial: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> None:
    """The order admin's refund actions. Through the order's captured payment when it has one;
    an order paid outside the shop (imported, or marked paid by hand) only records the refund."""
    payment = order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk").first()
    if payment is None:
        refund_order(order=order, partial=partial, amount=amount, actor=actor, note=reason)
        return
    if partial and amount is None:
        raise PaymentActionNotAllowed("Enter the amount to refund in part.")
    refund_payment(payment=payment, amount=amount, actor=actor, reason=reason)
