"""The test gateway: a card form on our own page, no provider, no real money.

For embedded mode, demos and browser tests. It answers through the same interface as Stripe,
and each step also produces a Stripe-shaped event, signed the way Stripe signs webhooks, that
the services feed through the very path a Stripe webhook takes (verify, record once by id,
apply). So the test gateway exercises the code that real payments depend on.

It keeps no state of its own: references and event ids derive from the idempotency keys, so
a repeated call gets the same answer, as it would from Stripe.

Test card numbers (spaces are ignored):

=====================  ===========================================================
4242 4242 4242 4242    succeeds
4000 0000 0000 0002    declined (``card_declined``)
4000 0000 0000 9995    declined for insufficient funds (``insufficient_funds``)
4000 0000 0000 3220    asks for a confirmation step (like 3-D Secure) on our own page
=====================  ===========================================================
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from emporium.core.money import Money
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.gateways.base import (
    AUTHENTICATION_PAGE,
    CancelReason,
    Exchange,
    GatewayEvent,
    GatewayPayment,
    GatewayRefund,
    NextAction,
    NextActionType,
    PaymentGateway,
    PaymentRequest,
    ProviderStatus,
    RefundRequest,
    RefundStatus,
    SignedEvent,
    record_exchange,
)
from emporium.payments.minor_units import to_minor_units

CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_INSUFFICIENT_FUNDS = "4000000000009995"
CARD_REQUIRES_CONFIRMATION = "4000000000003220"

TEST_CARDS: tuple[tuple[str, str], ...] = (
    ("4242 4242 4242 4242", "Payment succeeds"),
    ("4000 0000 0000 0002", "Card declined"),
    ("4000 0000 0000 9995", "Declined: insufficient funds"),
    ("4000 0000 0000 3220", "Asks you to confirm the payment first (like 3-D Secure)"),
)

DECLINES: dict[str, tuple[str, str]] = {
    CARD_DECLINED: ("card_declined", "Your card was declined."),
    CARD_INSUFFICIENT_FUNDS: ("insufficient_funds", "Your card has insufficient funds."),
}
AUTHENTICATION_FAILED = ("authentication_failed", "The payment was not confirmed with your bank.")
UNKNOWN_CARD = ("incorrect_number", "This is not one of the test card numbers.")

# What each outcome is called at Stripe: the event type and the PaymentIntent status.
STRIPE_SHAPES: dict[ProviderStatus, tuple[str, str]] = {
    ProviderStatus.CAPTURED: ("payment_intent.succeeded", "succeeded"),
    ProviderStatus.AUTHORIZED: ("payment_intent.amount_capturable_updated", "requires_capture"),
    ProviderStatus.REQUIRES_ACTION: ("payment_intent.requires_action", "requires_action"),
    ProviderStatus.PENDING: ("payment_intent.payment_failed", "requires_payment_method"),
    ProviderStatus.FAILED: ("payment_intent.payment_failed", "requires_payment_method"),
    ProviderStatus.CANCELLED: ("payment_intent.canceled", "canceled"),
}


def _digest(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:24]


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for a body: ``t=<unix time>,v1=<HMAC-SHA256 of "t.body">``."""
    import stripe  # only to sign test events: a shop without Stripe never loads the SDK

    return str(stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp))


class OfflineTestGateway(PaymentGateway):
    name = "offline"
    label = "Test card (no real money)"
    # The card form with the test card numbers, and the confirmation step on our own page.
    choice_template = "payments/methods/test_card.html"
    authenticates_on_our_page = True
    # Where it is switched off (always in production) nobody may pay through its events.
    events_count_when_switched_off = False

    def __init__(
        self,
        *,
        webhook_secret: str,
        capture_method: str = "automatic",
        webhook_tolerance: int = 300,
        refuses_refunds: bool = False,
    ):
        self.webhook_secret = webhook_secret
        # OFFLINE_GATEWAY_REFUNDS=refuse: every refund answered "failed", as Stripe answers one
        # to a closed card, so a shop can see what a refused refund leaves behind.
        self.refuses_refunds = refuses_refunds
        self.webhook_tolerance = webhook_tolerance
        self.capture_automatically = capture_method != "manual"

    def next_action(self, *, awaiting_action: bool) -> NextAction:
        if awaiting_action:
            return NextAction(NextActionType.AUTHENTICATE, page=AUTHENTICATION_PAGE)
        return NextAction(NextActionType.CONFIRM_WITH_CARD)

    def _answer(
        self,
        *,
        operation: str,
        reference: str,
        status: ProviderStatus,
        amount: Money,
        request: dict[str, Any],
        failure: tuple[str, str] = ("", ""),
        event_key: str = "",
    ) -> GatewayPayment:
        captured = amount if status is ProviderStatus.CAPTURED else None
        intent: dict[str, Any] = {
            "id": reference,
            "object": "payment_intent",
            "amount": to_minor_units(amount.amount, str(amount.currency)),
            "amount_received": to_minor_units(captured.amount, str(amount.currency)) if captured else 0,
            "currency": str(amount.currency).lower(),
            "status": STRIPE_SHAPES[status][1],
            "capture_method": "automatic" if self.capture_automatically else "manual",
            "last_payment_error": {"decline_code": failure[0], "message": failure[1]} if failure[0] else None,
        }
        record_exchange(
            Exchange(
                method="POST", url=f"offline://{operation}", request=request, response=intent, status_code=200
            )
        )
        events = (self._event(intent=intent, status=status, key=event_key),) if event_key else ()
        return GatewayPayment(
            reference=reference,
            status=status,
            amount=amount,
            captured=captured,
            failure_code=failure[0],
            failure_message=failure[1],
            events=events,
        )

    def _event(self, *, intent: dict[str, Any], status: ProviderStatus, key: str) -> SignedEvent:
        return self._signed(STRIPE_SHAPES[status][0], intent, key=key)

    def _signed(self, event_type: str, obj: dict[str, Any], *, key: str) -> SignedEvent:
        event = {
            "id": f"evt_off_{_digest(obj['id'], event_type, key)}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
        payload = json.dumps(event, separators=(",", ":"))
        return SignedEvent(payload=payload.encode(), signature=sign_payload(payload, self.webhook_secret))

    def start_payment(self, *, request: PaymentRequest) -> GatewayPayment:
        return self._answer(
            operation="start",
            reference=f"off_pi_{_digest(request.idempotency_key)}",
            status=ProviderStatus.PENDING,
            amount=request.amount,
            request={"order_number": request.order_number, "amount": str(request.amount.amount)},
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
        card = "".join(ch for ch in details.get("card_number", "") if ch.isdigit())
        authentication = details.get("authentication", "")
        paid = ProviderStatus.CAPTURED if self.capture_automatically else ProviderStatus.AUTHORIZED
        if authentication and not awaiting_action:
            # Like a bank's 3-D Secure page: only a payment that asked for the step can pass it.
            # Otherwise "approve" would pay without any card at all.
            raise PaymentActionNotAllowed("This payment is not waiting for a confirmation step.")
        if authentication:  # the customer's answer on the confirmation page
            status, failure, key = (
                (paid, ("", ""), "3ds-approved")
                if authentication == "approve"
                else (ProviderStatus.FAILED, AUTHENTICATION_FAILED, "3ds-failed")
            )
        elif card == CARD_SUCCEEDS:
            status, failure, key = paid, ("", ""), card
        elif card == CARD_REQUIRES_CONFIRMATION:
            status, failure, key = ProviderStatus.REQUIRES_ACTION, ("", ""), card
        else:
            status, failure, key = ProviderStatus.FAILED, DECLINES.get(card, UNKNOWN_CARD), card
        return self._answer(
            operation="confirm",
            reference=reference,
            status=status,
            amount=amount,
            request={"card_last4": card[-4:], "authentication": authentication},
            failure=failure,
            event_key=key,
        )

    def capture_payment(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayPayment:
        return self._answer(
            operation="capture",
            reference=reference,
            status=ProviderStatus.CAPTURED,
            amount=amount,
            request={"amount_to_capture": str(amount.amount)},
            event_key=idempotency_key,
        )

    def cancel_payment(
        self, *, reference: str, amount: Money, idempotency_key: str, reason: CancelReason
    ) -> GatewayPayment:
        """Like Stripe's cancel: the payment can no longer be paid, a hold is released, and a
        ``payment_intent.canceled`` event follows."""
        return self._answer(
            operation="cancel",
            reference=reference,
            status=ProviderStatus.CANCELLED,
            amount=amount,
            request={"cancellation_reason": str(reason)},
            event_key=idempotency_key,
        )

    def refund_payment(self, *, request: RefundRequest) -> GatewayRefund:
        """Refunds succeed at once, and like Stripe the test gateway then sends
        ``charge.refunded`` for the payment's charge, with the running refunded total."""
        currency = str(request.amount.currency)
        refund_reference = f"off_re_{_digest(request.idempotency_key)}"
        refund = {
            "id": refund_reference,
            "object": "refund",
            "amount": to_minor_units(request.amount.amount, currency),
            "currency": currency.lower(),
            "payment_intent": request.reference,
            "status": "failed" if self.refuses_refunds else "succeeded",
            "metadata": {"refund_id": str(request.refund_id), "payment_id": str(request.payment_id)},
        }
        if self.refuses_refunds:
            refund["failure_reason"] = "expired_or_canceled_card"
            record_exchange(
                Exchange(
                    method="POST",
                    url="offline://refund",
                    request={"payment_intent": request.reference, "amount": str(request.amount.amount)},
                    response=refund,
                    status_code=200,
                    idempotency_key=request.idempotency_key,
                )
            )
            return GatewayRefund(
                reference=refund_reference,
                amount=request.amount,
                status=RefundStatus.FAILED,
                failure_message="The card can no longer take money back (expired_or_canceled_card).",
                refund_id=request.refund_id,
            )
        record_exchange(
            Exchange(
                method="POST",
                url="offline://refund",
                request={"payment_intent": request.reference, "amount": str(request.amount.amount)},
                response=refund,
                status_code=200,
                idempotency_key=request.idempotency_key,
            )
        )
        refunded = request.refunded_before.amount + request.amount.amount
        charge = {
            "id": f"off_ch_{_digest(request.reference)}",
            "object": "charge",
            "payment_intent": request.reference,
            "amount": to_minor_units(request.captured.amount, currency),
            "amount_captured": to_minor_units(request.captured.amount, currency),
            "captured": True,
            "amount_refunded": to_minor_units(refunded, currency),
            "refunded": refunded >= request.captured.amount,
            "currency": currency.lower(),
            "metadata": {"payment_id": str(request.payment_id)},
            "refunds": {"object": "list", "data": [refund]},
        }
        event = self._signed("charge.refunded", charge, key=request.idempotency_key)
        return GatewayRefund(
            reference=refund_reference,
            amount=request.amount,
            status=RefundStatus.SUCCEEDED,
            refund_id=request.refund_id,
            events=(event,),
        )

    def parse_event(self, *, payload: bytes, signature: str) -> GatewayEvent:
        # Its events are Stripe-shaped and checked by the Stripe SDK, loaded on the first one.
        from emporium.payments.gateways.stripe import parse_stripe_shaped_event

        return parse_stripe_shaped_event(
            payload=payload, signature=signature, secret=self.webhook_secret, tolerance=self.webhook_tolerance
        )
