"""Stripe through its official SDK: PaymentIntents, refunds and signed webhooks.

One :class:`stripe.StripeClient` per configuration, on the SDK's own httpx transport with a
timeout, the SDK's retries (timeouts, connection errors, 409 and 5xx answers) and our
idempotency key on every POST, so a retry, ours or the SDK's, is the same request to Stripe.
``STRIPE_API_BASE`` points the client elsewhere: the tests run a local HTTP fake shaped like
Stripe's documented answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from emporium.core.money import Money
from emporium.payments.exceptions import GatewayError, GatewayUnavailable, InvalidWebhook, MalformedWebhook
from emporium.payments.gateways import STRIPE
from emporium.payments.gateways.base import (
    PAYMENT_PAGE,
    CancelReason,
    EventKind,
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
    record_exchange,
    redact,
)
from emporium.payments.minor_units import from_minor_units, to_minor_units

# PaymentIntent statuses (https://docs.stripe.com/payments/paymentintents/lifecycle) in our words.
INTENT_STATUSES: dict[str, ProviderStatus] = {
    "requires_payment_method": ProviderStatus.PENDING,
    "requires_confirmation": ProviderStatus.PENDING,
    "processing": ProviderStatus.PENDING,
    "requires_action": ProviderStatus.REQUIRES_ACTION,
    "requires_capture": ProviderStatus.AUTHORIZED,
    "succeeded": ProviderStatus.CAPTURED,
    "canceled": ProviderStatus.CANCELLED,
}


class RecordingHTTPXClient(stripe.HTTPXClient):
    """The SDK's httpx transport, noting each attempt (retries too) for the payment log."""

    # HTTPXClient's own signature, which the SDK's base class types differently.
    def request(  # type: ignore[override]
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        started = time.monotonic()
        exchange = Exchange(
            method=method.upper(),
            url=urlsplit(url).path,
            request=dict(parse_qsl(post_data or "", keep_blank_values=True)),
            idempotency_key=next((v for k, v in headers.items() if k.lower() == "idempotency-key"), ""),
        )
        try:
            content, status_code, response_headers = super().request(method, url, headers, post_data)
        except stripe.APIConnectionError as error:
            exchange.error = (str(error.__cause__ or error) or type(error.__cause__).__name__)[:255]
            exchange.duration_ms = int((time.monotonic() - started) * 1000)
            record_exchange(exchange)
            raise
        exchange.status_code = status_code
        exchange.duration_ms = int((time.monotonic() - started) * 1000)
        try:
            exchange.response = json.loads(content)
        except ValueError:
            exchange.response = {"body": content[:500].decode("utf-8", "replace")}
        record_exchange(exchange)
        return content, status_code, response_headers


# Stripe's amounts are integers of minor units; anything else in a signed body is malformed.
MAX_MINOR_UNITS = 10**12
# What our columns hold: a longer id or type could not be stored (PostgreSQL refuses it).
MAX_ID_LENGTH, MAX_TYPE_LENGTH = 255, 100


def _minor(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_MINOR_UNITS:
        raise ValueError(f"not an amount in minor units: {value!r}")
    return value


def _currency(value: object) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise ValueError(f"not a currency code: {value!r}")
    return value.upper()


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError(f"not an id of at most {limit} characters: {value!r}")
    return value


def _object(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"not an object: {value!r}")
    return value


def _money(minor: int, currency: str) -> Money:
    return Money(from_minor_units(minor, currency), currency)


def _failure(intent: Mapping[str, Any]) -> tuple[str, str]:
    error = _object(intent.get("last_payment_error") or {})
    return str(error.get("decline_code") or error.get("code") or ""), str(error.get("message") or "")


def payment_from_intent(intent: Mapping[str, Any]) -> GatewayPayment:
    """A PaymentIntent in our words. ``captured`` is what Stripe says it received
    (``amount_received``), which a partial capture makes less than ``amount``."""
    currency = _currency(intent["currency"])
    amount = _minor(intent["amount"])
    received = _minor(intent.get("amount_received") or 0)
    if received > amount:
        raise ValueError("amount_received is more than the intent's amount")
    failure_code, failure_message = _failure(intent)
    return GatewayPayment(
        reference=_text(intent["id"], MAX_ID_LENGTH),
        status=INTENT_STATUSES.get(str(intent["status"]), ProviderStatus.PENDING),
        amount=_money(amount, currency),
        captured=_money(received, currency) if received else None,
        client_secret=str(intent.get("client_secret") or ""),
        failure_code=failure_code,
        failure_message=failure_message,
    )


def _payment_id(data: Mapping[str, Any]) -> int | None:
    value = _object(data.get("metadata") or {}).get("payment_id")
    if isinstance(value, str | int) and str(value).isdigit() and int(value) < 2**63:
        return int(value)
    return None


def parse_stripe_shaped_event(*, payload: bytes, signature: str, secret: str, tolerance: int) -> GatewayEvent:
    """Verify the ``t=...,v1=...`` signature with the SDK (HMAC-SHA256 over ``"{t}.{body}"``,
    refused when older than ``tolerance`` seconds) and read the event. Shared with the offline
    gateway, which signs its events the same way, so both go through one path.

    A forged or stale event raises :class:`InvalidWebhook`; a signed one whose body we cannot
    read raises :class:`MalformedWebhook` (also a 400, never a 500 that the provider would
    keep retrying), so the services can log it."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook() from error
    # The SDK refuses only old timestamps. One from the future is refused too: an event signed
    # ahead of time (a leaked secret, a skewed signer) must not stay replayable for longer.
    if _signed_at(signature) > time.time() + tolerance:
        raise InvalidWebhook()
    try:
        return _read_event(payload)
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as error:
        raise MalformedWebhook(f"The event is signed but cannot be read: {error}"[:255]) from error


def _signed_at(signature: str) -> int:
    """The ``t=`` of a header the SDK has already verified (so it is there and numeric)."""
    for item in signature.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return 0


def _read_event(payload: bytes) -> GatewayEvent:
    event = _object(redact(json.loads(payload)))  # Stripe's events carry the intent's client secret
    data = _object(_object(event["data"])["object"])
    event_id, event_type = _text(event["id"], MAX_ID_LENGTH), _text(event["type"], MAX_TYPE_LENGTH)
    obj_type = data.get("object")
    if obj_type == "payment_intent":
        payment = payment_from_intent(data)
        return GatewayEvent(
            id=event_id,
            type=event_type,
            kind=EventKind.PAYMENT,
            payload=dict(event),
            reference=payment.reference,
            payment_id=_payment_id(data),
            status=payment.status,
            amount=payment.amount,
            captured=payment.captured,
            failure_code=payment.failure_code,
            failure_message=payment.failure_message,
        )
    if obj_type == "charge" and event_type == "charge.refunded" and data.get("payment_intent"):
        return _refunded_charge(event_id=event_id, event=event, charge=data)
    if obj_type == "refund" and event_type in REFUND_EVENTS and data.get("payment_intent"):
        return _refund_status(event_id=event_id, event=event, refund=data)
    return GatewayEvent(id=event_id, type=event_type, kind=EventKind.OTHER, payload=dict(event))


# Refund statuses (https://docs.stripe.com/api/refunds/object#refund_object-status) in our words:
# only "succeeded" is money back; "pending" and "requires_action" may still go either way.
REFUND_STATUSES: dict[str, RefundStatus] = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}
REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")


def refund_from_stripe(refund: Mapping[str, Any]) -> GatewayRefund:
    refund_id = _object(refund.get("metadata") or {}).get("refund_id")
    status = str(refund["status"])
    if status not in REFUND_STATUSES:
        raise ValueError(f"unknown refund status {status!r}")
    return GatewayRefund(
        reference=_text(refund["id"], MAX_ID_LENGTH),
        amount=_money(_minor(refund["amount"]), _currency(refund["currency"])),
        status=REFUND_STATUSES[status],
        failure_message=str(refund.get("failure_reason") or ""),
        refund_id=int(refund_id)
        if isinstance(refund_id, str) and refund_id.isdigit() and len(refund_id) < 19
        else None,
    )


def _refund_status(*, event_id: str, event: Mapping[str, Any], refund: Mapping[str, Any]) -> GatewayEvent:
    """``refund.created``/``updated``/``failed`` and the older ``charge.refund.updated``: one
    refund as it now stands. The only news that a pending refund succeeded or failed, or that
    a succeeded one failed after all."""
    report = refund_from_stripe(refund)
    return GatewayEvent(
        id=event_id,
        type=str(event["type"]),
        kind=EventKind.REFUND_STATUS,
        payload=dict(event),
        reference=_text(refund["payment_intent"], MAX_ID_LENGTH),
        payment_id=_payment_id(refund),
        refund=report,
        refund_reference=report.reference,
    )


def _refunded_charge(*, event_id: str, event: Mapping[str, Any], charge: Mapping[str, Any]) -> GatewayEvent:
    """``charge.refunded``: money went back. A charge that was never captured (an authorization
    released by cancelling its intent) reports ``amount_captured`` 0: nothing was taken, so it
    refunds nothing and captures nothing. Current API versions no longer list the charge's
    refunds, so the refund's own id may be missing here; ``refund.*`` events carry it."""
    currency = _currency(charge["currency"])
    amount = _minor(charge["amount"])
    captured = _minor(charge.get("amount_captured", amount if charge.get("captured", True) else 0))
    refunded = _minor(charge.get("amount_refunded") or 0)
    if captured > amount or refunded > amount:
        raise ValueError("the charge refunds or captured more than its amount")
    listed = _object(charge.get("refunds") or {}).get("data") or []
    first = _object(listed[0]) if isinstance(listed, list) and listed else {}
    return GatewayEvent(
        id=event_id,
        type=str(event["type"]),
        kind=EventKind.REFUND,
        payload=dict(event),
        reference=_text(charge["payment_intent"], MAX_ID_LENGTH),
        payment_id=_payment_id(charge),
        amount=_money(amount, currency),
        captured=_money(captured, currency),
        refunded=_money(refunded, currency) if captured else None,
        refund_reference=str(first.get("id") or "")[:MAX_ID_LENGTH],
    )


class StripeGateway(PaymentGateway):
    name = STRIPE
    label = "Card (Stripe)"
    pay_button_label = "Pay by card"
    # Stripe's Payment Element (Stripe.js) takes the card on our page, with the client secret.
    payment_template = "payments/stripe.html"
    shares_client_secret = True
    # Stripe.js sends the customer back to payments:stripe-return after a bank's step.
    confirms_on_return = True

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str,
        webhook_secret: str,
        api_base: str,
        capture_method: str,
        timeout: float,
        max_network_retries: int,
        webhook_tolerance: int,
    ) -> None:
        self.publishable_key = publishable_key
        self.webhook_secret = webhook_secret
        self.webhook_tolerance = webhook_tolerance
        self.capture_automatically = capture_method != "manual"
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base},
            max_network_retries=max_network_retries,
            http_client=RecordingHTTPXClient(timeout=timeout, allow_sync_methods=True),
        )

    def next_action(self, *, awaiting_action: bool) -> NextAction:
        # Stripe.js on our payment page handles any bank step itself.
        return NextAction(NextActionType.USE_STRIPE_JS, page=PAYMENT_PAGE)

    def payment_page_context(self) -> dict[str, Any]:
        return {"stripe_publishable_key": self.publishable_key}

    def _call(self, call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run one SDK call, turning Stripe's errors into ours (card errors are the caller's)
        and its answer into a plain dict."""
        try:
            return dict(call(*args, **kwargs).to_dict())
        except stripe.CardError:
            raise
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise GatewayUnavailable() from error
        except stripe.APIError as error:
            raise GatewayUnavailable() from error  # Stripe's 5xx: the SDK already retried
        except stripe.StripeError as error:
            raise GatewayError(error.user_message or None) from error

    def start_payment(self, *, request: PaymentRequest) -> GatewayPayment:
        currency = str(request.amount.currency)
        intent = self._call(
            self.client.v1.payment_intents.create,
            params={
                "amount": to_minor_units(request.amount.amount, currency),
                "currency": currency.lower(),
                "capture_method": "automatic" if self.capture_automatically else "manual",
                "automatic_payment_methods": {"enabled": True},
                "description": request.description,
                "receipt_email": request.email,
                "metadata": {"order_number": request.order_number, "payment_id": str(request.payment_id)},
            },
            options={"idempotency_key": f"{request.idempotency_key}:start"},
        )
        return payment_from_intent(intent)

    def confirm_payment(
        self,
        *,
        reference: str,
        amount: Money,
        details: Mapping[str, str],
        awaiting_action: bool = False,
        return_url: str = "",
    ) -> GatewayPayment:
        """With a payment method id, confirm on the server; without, read back what Stripe.js did.

        Our intents accept the Dashboard's payment methods, some of which redirect the customer
        to their bank: Stripe refuses a server-side confirm without a ``return_url`` for those."""
        try:
            if payment_method := details.get("payment_method"):
                intent = self._call(
                    self.client.v1.payment_intents.confirm,
                    reference,
                    params={"payment_method": payment_method, "return_url": return_url},
                    options={"idempotency_key": f"{reference}:confirm:{payment_method}"},
                )
            else:
                intent = self._call(self.client.v1.payment_intents.retrieve, reference)
        except stripe.CardError as error:
            body: dict[str, Any] = error.json_body if isinstance(error.json_body, dict) else {}
            declined = (body.get("error") or {}).get("payment_intent")
            if not isinstance(declined, dict):
                raise GatewayError(error.user_message or None) from error
            intent = declined
        return payment_from_intent(intent)

    def capture_payment(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayPayment:
        intent = self._call(
            self.client.v1.payment_intents.capture,
            reference,
            params={"amount_to_capture": to_minor_units(amount.amount, str(amount.currency))},
            options={"idempotency_key": idempotency_key},
        )
        return payment_from_intent(intent)

    def cancel_payment(
        self, *, reference: str, amount: Money, idempotency_key: str, reason: CancelReason
    ) -> GatewayPayment:
        """``POST /v1/payment_intents/{id}/cancel``: an intent in ``requires_capture`` releases
        its hold (Stripe then also sends ``charge.refunded`` with nothing captured)."""
        intent = self._call(
            self.client.v1.payment_intents.cancel,
            reference,
            params={"cancellation_reason": str(reason)},
            options={"idempotency_key": idempotency_key},
        )
        return payment_from_intent(intent)

    def refund_payment(self, *, request: RefundRequest) -> GatewayRefund:
        """``POST /v1/refunds`` for the intent, our refund's id in the metadata (so the
        ``refund.*`` events that settle a pending refund find it, even before we saved Stripe's id)."""
        currency = str(request.amount.currency)
        try:
            refund = self._call(
                self.client.v1.refunds.create,
                params={
                    "payment_intent": request.reference,
                    "amount": to_minor_units(request.amount.amount, currency),
                    "metadata": {"refund_id": str(request.refund_id), "payment_id": str(request.payment_id)},
                },
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as error:
            raise GatewayError(error.user_message or None) from error
        return refund_from_stripe(refund)

    def retrieve_refund(self, *, reference: str) -> GatewayRefund:
        return refund_from_stripe(self._call(self.client.v1.refunds.retrieve, reference))

    def parse_event(self, *, payload: bytes, signature: str) -> GatewayEvent:
        return parse_stripe_shaped_event(
            payload=payload, signature=signature, secret=self.webhook_secret, tolerance=self.webhook_tolerance
        )
