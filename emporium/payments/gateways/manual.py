"""Bank transfer and cash on delivery: no provider to call; staff mark the payment received.

They still speak the gateway interface, so a manual payment has the same records, states and
refunds as a card payment; only "captured" comes from a person instead of a webhook. Nothing
the customer sends can move one: :meth:`ManualGateway.confirm_payment` refuses, and only
:meth:`ManualGateway.record_received`, which the staff-only service calls, captures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emporium.core.money import Money
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.gateways.base import (
    PAYMENT_PAGE,
    CancelReason,
    GatewayEvent,
    GatewayKind,
    GatewayPayment,
    GatewayRefund,
    NextAction,
    NextActionType,
    PaymentGateway,
    PaymentRequest,
    ProviderStatus,
    RefundRequest,
    RefundStatus,
)

STAFF_ONLY = (
    "Bank transfers and cash on delivery are confirmed by our staff when the money arrives; "
    "there is nothing to confirm here."
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

    def confirm_payment(
        self,
        *,
        reference: str,
        amount: Money,
        details: Mapping[str, str],
        awaiting_action: bool = False,
        return_url: str = "",
    ) -> GatewayPayment:
        # A customer saying "I paid" proves nothing: the money is seen by staff, in the bank
        # account or in the courier's hand (mark_payment_received).
        raise PaymentActionNotAllowed(STAFF_ONLY)

    def record_received(self, *, reference: str, amount: Money) -> GatewayPayment:
        """Staff confirm the money arrived (the transfer, or the courier's cash)."""
        return GatewayPayment(
            reference=reference, status=ProviderStatus.CAPTURED, amount=amount, captured=amount
        )

    def capture_payment(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayPayment:
        raise PaymentActionNotAllowed("Bank transfers and cash on delivery are never authorized first.")

    def cancel_payment(
        self, *, reference: str, amount: Money, idempotency_key: str, reason: CancelReason
    ) -> GatewayPayment:
        # Nobody to tell: the customer simply need not transfer or hand over the money.
        return GatewayPayment(reference=reference, status=ProviderStatus.CANCELLED, amount=amount)

    def refund_payment(self, *, request: RefundRequest) -> GatewayRefund:
        # Staff send the money back by hand; this records that they did.
        return GatewayRefund(
            reference=f"{request.reference}-R-{request.idempotency_key[:8]}",
            amount=request.amount,
            status=RefundStatus.SUCCEEDED,
            refund_id=request.refund_id,
        )

    def parse_event(self, *, payload: bytes, signature: str) -> GatewayEvent:
        raise PaymentActionNotAllowed("Manual payment methods receive no provider events.")


@dataclass(frozen=True)
class BankAccount:
    """Where customers transfer the money (BANK_TRANSFER_* settings)."""

    account_name: str
    iban: str
    bic: str


class BankTransferGateway(ManualGateway):
    name = "bank_transfer"
    label = "Bank transfer"
    reference_prefix = "BT"
    choice_description = (
        "Transfer the amount to our bank account, with your order number as the reference. "
        "We send your order once the money arrives."
    )
    pay_button_label = "Pay by bank transfer"
    instructions_template = "payments/instructions/bank_transfer.html"

    def __init__(self, *, account: BankAccount) -> None:
        self.account = account

    def next_action(self, *, awaiting_action: bool) -> NextAction:
        return NextAction(NextActionType.BANK_TRANSFER, page=PAYMENT_PAGE)

    def payment_page_context(self) -> dict[str, Any]:
        return {"bank": self.account}


class CashOnDeliveryGateway(ManualGateway):
    name = "cash_on_delivery"
    label = "Cash on delivery"
    reference_prefix = "COD"
    collects_on_delivery = True
    choice_description = "Pay the courier when your order arrives."
    pay_button_label = "Pay cash on delivery"
    instructions_template = "payments/instructions/cash_on_delivery.html"

    def next_action(self, *, awaiting_action: bool) -> NextAction:
        return NextAction(NextActionType.PAY_ON_DELIVERY)
