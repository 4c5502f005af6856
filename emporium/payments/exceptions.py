"""What can go wrong with a payment, each with its HTTP status and stable code for the API."""

from __future__ import annotations

from emporium.core.exceptions import DomainError


class GatewayNotAvailable(DomainError):
    status = 400
    code = "payment_method_not_available"
    default_message = "This payment method is not available."


class OrderNotPayable(DomainError):
    status = 409
    code = "order_not_payable"
    default_message = "This order cannot be paid now."


class PaymentDeclined(DomainError):
    """The provider refused the card. The customer may try another one."""

    status = 402
    code = "payment_declined"
    default_message = "Your card was declined. Please try another card."


class GatewayUnavailable(DomainError):
    """The provider did not answer in time or at all. Safe to retry: every call carries its
    idempotency key, so a retry never charges twice."""

    status = 503
    code = "payment_provider_unavailable"
    default_message = (
        "We could not reach the payment provider. Your order is saved and its items are held "
        "for you: please try again in a moment."
    )
    # The default message speaks to a customer at the checkout; staff in the admin need this.
    staff_message = (
        "The payment provider did not answer. A refund already asked for stays pending and is "
        "sent again automatically with the same key; anything else can be tried again in a moment."
    )


def message_for_staff(error: DomainError) -> str:
    """What the admin shows: never the checkout's words ("its items are held for you")."""
    return getattr(error, "staff_message", error.message)


class GatewayError(DomainError):
    """The provider answered with an error that retrying will not fix (a bug or bad configuration)."""

    status = 502
    code = "payment_provider_error"
    default_message = "The payment provider refused the request. Please try again later."


class PaymentActionNotAllowed(DomainError):
    status = 409
    code = "payment_action_not_allowed"
    default_message = "The payment cannot do that from its current state."


class RefundExceedsCaptured(DomainError):
    status = 409
    code = "refund_exceeds_captured"
    default_message = "A refund cannot be more than what was captured and not yet refunded."


class InvalidWebhook(DomainError):
    """A forged, stale or malformed provider event: refused with 400 and nothing recorded."""

    status = 400
    code = "invalid_webhook"
    default_message = "The event's signature or body is not valid."


class MalformedWebhook(InvalidWebhook):
    """Signed with our secret, so really the provider's, but not a shape we can read. Still a
    400 (a 500 would be retried for days), and logged, unlike a forged one."""

    default_message = "The event is signed but its body cannot be read."
