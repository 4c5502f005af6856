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
from emporium.payments.exceptions import GatewayError, GatewayUnavailable, InvalidWebhook
from emporium.payments.gateways.base import (
    EventKind,
    Exchange,
    GatewayEvent,
    GatewayPayment,
    GatewayRefund,
    PaymentGateway,
    PaymentRequest,
    ProviderStatus,
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


def _money(minor: int | None, currency: str) -> Money:
    return Money(from_minor_units(minor or 0, currency), currency.upper())


def _failure(intent: Mapping[str, Any]) -> tuple[str, str]:
    error = intent.get("last_payment_error") or {}
    return str(error.get("decline_code") or error.get("code") or ""), str(error.get("message") or "")


def payment_from_intent(intent: Mapping[str, Any]) -> GatewayPayment:
    currency = str(intent["currency"])
    failure_code, failure_message = _failure(intent)
    received = intent.get("amount_received")
    return GatewayPayment(
        reference=str(intent["id"]),
        status=INTENT_STATUSES.get(str(intent["status"]), ProviderStatus.PENDING),
        amount=_money(intent["amount"], currency),
        captured=_money(received, currency) if received else None,
        client_secret=str(intent.get("client_secret") or ""),
        failure_code=failure_code,
        failure_message=failure_message,
    )


def _payment_id(data: Mapping[str, Any]) -> int | None:
    value = (data.get("metadata") or {}).get("payment_id")
    return int(value) if isinstance(value, str | int) and str(value).isdigit() else None


def parse_stripe_shaped_event(*, payload: bytes, signature: str, secret: str, tolerance: int) -> GatewayEvent:
    """Verify the ``t=...,v1=...`` signature with the SDK (HMAC-SHA256 over ``"{t}.{body}"``,
    refused when older than ``tolerance`` seconds) and read the event. Shared with the offline
    gateway, which signs its events the same way, so both go through one path."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
        event = redact(json.loads(payload))  # Stripe's events carry the intent's client secret
        data = event["data"]["object"]
        event_id, event_type = str(event["id"]), str(event["type"])
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError) as error:
        raise InvalidWebhook() from error
    obj_type = data.get("object")
    if obj_type == "payment_intent":
        payment = payment_from_intent(data)
        failure_code, failure_message = payment.failure_code, payment.failure_message
        return GatewayEvent(
            id=event_id,
            type=event_type,
            kind=EventKind.PAYMENT,
            payload=event,
            reference=payment.reference,
            payment_id=_payment_id(data),
            status=payment.status,
            amount=payment.amount,
            failure_code=failure_code,
            failure_message=failure_message,
        )
    if obj_type == "charge" and event_type == "charge.refunded" and data.get("payment_intent"):
        currency = str(data["currency"])
        refunds = (data.get("refunds") or {}).get("data") or []
        return GatewayEvent(
            id=event_id,
            type=event_type,
            kind=EventKind.REFUND,
            payload=event,
            reference=str(data["payment_intent"]),
            payment_id=_payment_id(data),
            status=ProviderStatus.CAPTURED,  # a refunded charge was captured first
            amount=_money(data.get("amount_captured") or data["amount"], currency),
            refunded=_money(data.get("amount_refunded"), currency),
            refund_reference=str(refunds[0]["id"]) if refunds else "",
        )
    return GatewayEvent(id=event_id, type=event_type, kind=EventKind.OTHER, payload=event)


class StripeGateway(PaymentGateway):
    name = "stripe"
    label = "Card (Stripe)"

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
        """With a payment method id, confirm on the server; without, read back what Stripe.js did."""
        try:
            if payment_method := details.get("payment_method"):
                intent = self._call(
                    self.client.v1.payment_intents.confirm,
                    reference,
                    params={"payment_method": payment_method},
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

    def refund_payment(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayRefund:
        currency = str(amount.currency)
        try:
            refund = self._call(
                self.client.v1.refunds.create,
                params={"payment_intent": reference, "amount": to_minor_units(amount.amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            raise GatewayError(error.user_message or None) from error
        return GatewayRefund(
            reference=str(refund["id"]),
            amount=_money(refund["amount"], str(refund["currency"])),
            succeeded=refund["status"] in {"succeeded", "pending"},
            failure_message=str(refund.get("failure_reason") or ""),
        )

    def parse_event(self, *, payload: bytes, signature: str) -> GatewayEvent:
        return parse_stripe_shaped_event(
            payload=payload, signature=signature, secret=self.webhook_secret, tolerance=self.webhook_tolerance
        )
