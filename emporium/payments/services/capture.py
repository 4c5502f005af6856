"""Taking the money of an authorized payment."""

from __future__ import annotations

from emporium.accounts.models import User
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.models import Payment, PaymentState
from emporium.payments.registry import get_gateway
from emporium.payments.services.events import deliver_events
from emporium.payments.services.progress import advance_payment
from emporium.payments.services.provider_calls import call_gateway

S = PaymentState


def capture_payment(*, payment: Payment, actor: User | None = None) -> Payment:
    """Take the money of an authorized payment. Safe to repeat: the capture has its own key."""
    payment = Payment.objects.select_related("order").get(pk=payment.pk)
    if payment.state != S.AUTHORIZED:
        if payment.state in (S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED):
            return payment
        raise PaymentActionNotAllowed(f"Payment {payment.pk} is {payment.get_state_display().lower()}.")
    gateway = get_gateway(payment.gateway, enabled_only=False)
    result = call_gateway(
        payment=payment,
        operation="capture",
        call=lambda: gateway.capture_payment(
            reference=payment.provider_reference,
            amount=payment.total,
            idempotency_key=f"{payment.idempotency_key}:capture",
        ),
    )
    payment, _ = advance_payment(payment=payment, result=result, actor=actor)
    deliver_events(gateway_name=gateway.name, events=result.events)
    return payment
