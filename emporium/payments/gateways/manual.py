"""Bank transfer and cash on delivery: no provider to call; staff mark the payment received.

They still speak the gateway interface, so a manual payment has the same records, states and
refunds as a card payment; only "captured" comes from a person instead of a webhook.
"""

from __future__ import annotations

from collections.abc import Mapping

from emporium.core.money import Money
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.gateways.base import (
    GatewayEvent,
    GatewayKind,
    GatewayPayment,
    GatewayRefund,
    PaymentGateway,
    PaymentRequest,
    ProviderStatus,
)


class ManualGateway(PaymentGateway):
    kind = GatewayKind.MANUAL
    reference_prefix = "MAN"

    def start_payment(self, *, request: PaymentRequest) -> GatewayPayment:
        # The order number is what the customer writes on the transfer; the payment id keeps it unique.
        return GatewayPayment(
            reference=f"{self.reference_prefix}-{request.order_number}-{request.payment_id}",
            status=ProviderStatus.PENDING,
            amount=request.amount,
        )

    def confirm_payment(self, *, reference: str, amount: Money, details: Mapping[str, str]) -> GatewayPayment:
        """Staff confirm the money arrived (the transfer, or the courier's cash)."""
        return GatewayPayment(
            reference=reference, status=ProviderStatus.CAPTURED, amount=amount, captured=amount
        )

    def capture_payment(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayPayment:
        return self.confirm_payment(reference=reference, amount=amount, details={})

    def refund_payment(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayRefund:
        # Staff send the money back by hand; this records that they did.
        return GatewayRefund(reference=f"{reference}-R-{idempotency_key[:8]}", amount=amount, succeeded=True)

    def parse_event(self, *, payload: bytes, signature: str) -> GatewayEvent:
        raise PaymentActionNotAllowed("Manual payment methods receive no provider events.")


class BankTransferGateway(ManualGateway):
    name = "bank_transfer"
    label = "Bank transfer"
    reference_prefix = "BT"


class CashOnDeliveryGateway(ManualGateway):
    name = "cash_on_delivery"
    label = "Cash on delivery"
    reference_prefix = "COD"
