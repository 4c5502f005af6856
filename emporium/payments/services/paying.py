"""Starting a payment and bringing it forward: the customer's side."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from emporium.accounts.models import User
from emporium.orders.models import Order, StockState
from emporium.orders.services import confirm_order_for_cash_on_delivery
from emporium.payments.exceptions import PaymentActionNotAllowed, PaymentDeclined
from emporium.payments.gateways.base import GatewayKind, PaymentRequest
from emporium.payments.gateways.manual import STAFF_ONLY, ManualGateway
from emporium.payments.models import Payment, PaymentState
from emporium.payments.registry import get_gateway
from emporium.payments.services.events import deliver_events
from emporium.payments.services.progress import advance_payment, check_payable
from emporium.payments.services.provider_calls import call_gateway
from emporium.payments.services.review import note_on_order

S = PaymentState


def start_payment(*, order: Order, gateway_name: str) -> Payment:
    """Start (or pick up again) paying ``order`` with one gateway; the amount is what the
    order still owes (``Order.amount_due``: its total less what a gift card paid at checkout).

    An open payment of the same gateway is reused with its idempotency key, so a retry after
    the provider was unreachable, or a reloaded page, never creates a second charge.
    """
    gateway = get_gateway(gateway_name)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        check_payable(order)
        payment = order.payments.filter(
            gateway=gateway.name, state__in=[S.PENDING, S.REQUIRES_ACTION]
        ).first()
        if payment is None:
            payment = Payment.objects.create(
                order=order, gateway=gateway.name, amount=order.amount_due.amount, currency=order.currency
            )
        if gateway.collects_on_delivery:
            confirm_order_for_cash_on_delivery(order=order)
        elif gateway.kind is GatewayKind.MANUAL:
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
    result = call_gateway(
        payment=payment, operation="start", call=lambda: gateway.start_payment(request=request)
    )
    payment, _ = advance_payment(payment=payment, result=result)
    return payment


def _hold_stock_for_manual_payment(*, order: Order, payment: Payment) -> None:
    """A transfer takes days: keep the goods longer than a card payment would need."""
    until = timezone.now() + timedelta(days=settings.MANUAL_PAYMENT_RESERVATION_DAYS)
    if order.stock_state == StockState.RESERVED and (
        order.reserved_until is None or order.reserved_until < until
    ):
        Order.objects.filter(pk=order.pk).update(reserved_until=until)
        note_on_order(
            order, f"Awaiting {payment.gateway.replace('_', ' ')}: items held until {until:%Y-%m-%d}"
        )


def confirm_payment(*, payment: Payment, details: Mapping[str, str], return_url: str = "") -> Payment:
    """Bring a payment forward with what the customer gave (a test card, an approval) or, with
    nothing, read where the provider has it (Stripe, after Stripe.js confirmed in the browser).

    ``return_url`` is the absolute address of our return page for this payment, where a
    provider sends the customer back after a step on its own site (Stripe needs it to confirm
    on the server).

    A decline is saved first and then raised as :class:`PaymentDeclined`. Bank transfers and
    cash on delivery are refused: only staff mark them received (:func:`mark_payment_received`).
    """
    gateway = get_gateway(payment.gateway, enabled_only=False)
    if gateway.kind is GatewayKind.MANUAL:
        raise PaymentActionNotAllowed(STAFF_ONLY)
    if payment.is_paid:
        return payment
    if not payment.is_open:
        raise PaymentActionNotAllowed("This payment attempt is over; please start a new one.")
    payment.order = Order.objects.get(pk=payment.order_id)
    check_payable(payment.order)
    result = call_gateway(
        payment=payment,
        operation="confirm",
        call=lambda: gateway.confirm_payment(
            reference=payment.provider_reference,
            amount=payment.total,
            details=details,
            awaiting_action=payment.state == S.REQUIRES_ACTION,
            return_url=return_url,
        ),
    )
    payment, _ = advance_payment(payment=payment, result=result)
    deliver_events(gateway_name=gateway.name, events=result.events)
    if result.failure_code and not payment.is_paid:
        raise PaymentDeclined(result.failure_message or None, decline_code=result.failure_code)
    return payment


def mark_payment_received(*, payment: Payment, actor: User | None) -> Payment:
    """Staff saw the bank transfer arrive, or the courier handed over the cash."""
    gateway = get_gateway(payment.gateway, enabled_only=False)
    if not isinstance(gateway, ManualGateway):
        raise PaymentActionNotAllowed("Only bank transfers and cash on delivery are marked received by hand.")
    if not payment.is_open:
        raise PaymentActionNotAllowed(f"Payment {payment.pk} is {payment.get_state_display().lower()}.")
    result = gateway.record_received(reference=payment.provider_reference, amount=payment.total)
    payment, _ = advance_payment(payment=payment, result=result, actor=actor)
    return payment
