"""The one interface every payment gateway speaks, and the plain values that cross it.

Services never see a provider's SDK objects: a gateway answers with :class:`GatewayPayment`,
:class:`GatewayRefund` and :class:`GatewayEvent`, all in :class:`Money`. Adding a provider means
writing one class with these methods and naming it in ``PAYMENT_GATEWAYS``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

from emporium.core.money import Money


class GatewayKind(enum.StrEnum):
    CARD = "card"  # the customer pays online, the provider tells us the outcome
    MANUAL = "manual"  # staff mark it paid when the money arrives


class ProviderStatus(enum.StrEnum):
    """Where the provider says the payment is, in our words."""

    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    CANCELLED = "cancelled"


class CancelReason(enum.StrEnum):
    """Why we cancel a payment at the provider (Stripe's ``cancellation_reason`` values)."""

    ABANDONED = "abandoned"  # the order expired or was cancelled before it was paid
    DUPLICATE = "duplicate"  # the order was paid another way
    REQUESTED_BY_CUSTOMER = "requested_by_customer"  # refunded or cancelled at the customer's word


@dataclass(frozen=True)
class PaymentRequest:
    """What a gateway needs to start collecting an order's total. Built from the order on the
    server, so the amount is never the browser's to choose."""

    payment_id: int
    order_number: str
    amount: Money
    email: str
    idempotency_key: str
    description: str = ""


@dataclass(frozen=True)
class GatewayPayment:
    reference: str
    status: ProviderStatus
    amount: Money
    captured: Money | None = None
    client_secret: str = ""
    failure_code: str = ""
    failure_message: str = ""
    # Stripe-shaped events the offline gateway emits for this step (see gateways/offline.py).
    events: tuple[SignedEvent, ...] = ()


class RefundStatus(enum.StrEnum):
    """Where the provider says a refund is. A pending refund is accepted but not done: card
    refunds can stay pending for days, and can still fail (a closed card), even after success."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class RefundRequest:
    """One refund to send: ``refund_id`` is ours (providers keep it in metadata, so their events
    find it); ``captured`` and ``refunded_before`` describe the payment, as a charge would."""

    refund_id: int
    payment_id: int
    reference: str  # the payment's provider reference
    amount: Money
    idempotency_key: str
    captured: Money
    refunded_before: Money


@dataclass(frozen=True)
class GatewayRefund:
    reference: str
    amount: Money
    status: RefundStatus
    failure_message: str = ""
    refund_id: int | None = None  # ours, when the provider gives our metadata back
    # Stripe-shaped events the offline gateway emits for this refund (charge.refunded).
    events: tuple[SignedEvent, ...] = ()


@dataclass(frozen=True)
class SignedEvent:
    payload: bytes
    signature: str


class EventKind(enum.StrEnum):
    PAYMENT = "payment"  # the payment's status changed
    REFUND = "refund"  # money went back (possibly refunded outside our admin); never pays an order
    REFUND_STATUS = "refund_status"  # one refund's status changed (pending, succeeded, failed)
    OTHER = "other"  # recorded, nothing to do


@dataclass(frozen=True)
class GatewayEvent:
    """A verified provider event, reduced to what our services act on."""

    id: str
    type: str
    kind: EventKind
    payload: dict[str, Any]
    reference: str = ""
    payment_id: int | None = None  # our id, from the metadata we sent when starting the payment
    status: ProviderStatus | None = None
    amount: Money | None = None
    # What the provider took (Stripe: amount_received, or a charge's amount_captured).
    captured: Money | None = None
    # A charge's refunded total so far; None when nothing was captured to refund.
    refunded: Money | None = None
    refund_reference: str = ""
    # REFUND_STATUS events: the refund, as the provider now has it.
    refund: GatewayRefund | None = None
    failure_code: str = ""
    failure_message: str = ""


class NextActionType(enum.StrEnum):
    """What the customer (or an app paying through the API) does next to pay an open payment."""

    USE_STRIPE_JS = "use_stripe_js"  # mount Stripe's Payment Element with the client secret
    CONFIRM_WITH_CARD = "confirm_with_card"  # send a test card number (the test gateway)
    AUTHENTICATE = "authenticate"  # answer the test gateway's confirmation step on our page
    BANK_TRANSFER = "bank_transfer"  # transfer the money; our payment page shows the bank details
    PAY_ON_DELIVERY = "pay_on_delivery"  # have the money ready for the courier


@dataclass(frozen=True)
class NextAction:
    type: NextActionType
    # The name of our page for it (its URL takes the order number and payment id), if any.
    page: str = ""


PAYMENT_PAGE = "payments:payment"
AUTHENTICATION_PAGE = "payments:authenticate"


class PaymentGateway:
    """Base class of the gateways; subclasses implement what their kind supports.

    Pages, the API and the services ask the gateway what to do (its attributes and
    :meth:`next_action`) and never branch on its name, so a new provider is one new class.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    kind: ClassVar[GatewayKind] = GatewayKind.CARD
    # Manual capture: the provider authorizes at checkout, staff capture when they ship.
    capture_automatically: bool = True
    # Cash on delivery: the order is fulfilled and shipped first, paid when the courier pays in.
    collects_on_delivery: ClassVar[bool] = False

    # -- What the customer sees and does --------------------------------------------------
    # Its section on "choose how to pay" (payments/pay.html): a button that starts the payment,
    # with this sentence above it and this label, unless a gateway brings its own form.
    choice_template: ClassVar[str] = "payments/methods/button.html"
    choice_description: ClassVar[str] = ""
    # The payment's page while it is open and its order payable (payments:payment), and the
    # instructions that page shows while the payment is open (bank details, cash to have ready).
    payment_template: ClassVar[str] = "payments/payment.html"
    instructions_template: ClassVar[str] = ""
    # The API hands the payment's client secret to the app (for the provider's own script).
    shares_client_secret: ClassVar[bool] = False
    # A customer sent back from the provider's site (a plain GET) makes us ask the provider
    # where the payment stands. Never for a gateway a GET must not move.
    confirms_on_return: ClassVar[bool] = False
    # The extra confirmation step (3-D Secure) is a page of ours, not the provider's.
    authenticates_on_our_page: ClassVar[bool] = False
    # Its signed events still count after it is switched off (late refunds of real payments).
    events_count_when_switched_off: ClassVar[bool] = True

    @property
    def pay_button_label(self) -> str:
        return f"Pay with {self.label}"

    def next_action(self, *, awaiting_action: bool) -> NextAction:
        """What the customer does next to pay an open payment; ``awaiting_action`` says whether
        our record has it waiting for the customer's extra step."""
        raise NotImplementedError

    def payment_page_context(self) -> dict[str, Any]:
        """What the payment's page needs besides the order and the payment."""
        return {}

    def start_payment(self, *, request: PaymentRequest) -> GatewayPayment:
        raise NotImplementedError

    def confirm_payment(
        self,
        *,
        reference: str,
        amount: Money,
        details: Mapping[str, str],
        awaiting_action: bool = False,
        return_url: str = "",
    ) -> GatewayPayment:
        """Bring the payment forward with what the customer supplied (a card, an approval), or,
        with nothing supplied, ask the provider where the payment stands.

        ``awaiting_action`` says whether our record has the payment waiting for the customer's
        extra step (3-D Secure); ``return_url`` is our page the provider sends the customer back
        to after a step on its own site."""
        raise NotImplementedError

    def capture_payment(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayPayment:
        raise NotImplementedError

    def cancel_payment(
        self, *, reference: str, amount: Money, idempotency_key: str, reason: CancelReason
    ) -> GatewayPayment:
        """Cancel a payment not yet captured: an open one, so it can never be paid, or an
        authorized one, whose hold on the customer's card is released (a void)."""
        raise NotImplementedError

    def refund_payment(self, *, request: RefundRequest) -> GatewayRefund:
        """Send money back. A pending answer is not a success: the provider's refund events
        say later whether it succeeded or failed."""
        raise NotImplementedError

    def retrieve_refund(self, *, reference: str) -> GatewayRefund:
        """Where a refund the provider left pending stands now: asked when its events are late.
        Only providers that answer a refund "pending" need it; the others settle at once."""
        raise NotImplementedError

    def parse_event(self, *, payload: bytes, signature: str) -> GatewayEvent:
        """Verify an event's signature and read it; raises InvalidWebhook for anything forged."""
        raise NotImplementedError


# --- The log of every exchange with a provider ---------------------------------------------


@dataclass
class Exchange:
    """One HTTP request to a provider and what came back (or the error instead)."""

    method: str
    url: str
    request: dict[str, Any]
    response: dict[str, Any] = field(default_factory=dict)
    status_code: int | None = None
    idempotency_key: str = ""
    error: str = ""
    duration_ms: int = 0


_exchanges: ContextVar[list[Exchange] | None] = ContextVar("payment_exchanges", default=None)

REDACTED_KEYS = frozenset({"client_secret", "number", "cvc", "card_number"})


def redact(data: Any) -> Any:
    """Secrets and card numbers never reach the log."""
    if isinstance(data, dict):
        return {key: "[redacted]" if key in REDACTED_KEYS else redact(value) for key, value in data.items()}
    if isinstance(data, list):
        return [redact(item) for item in data]
    return data


def record_exchange(exchange: Exchange) -> None:
    exchanges = _exchanges.get()
    if exchanges is not None:
        exchange.request = redact(exchange.request)
        exchange.response = redact(exchange.response)
        exchanges.append(exchange)


@contextmanager
def recording_exchanges() -> Iterator[list[Exchange]]:
    """Collect the exchanges a gateway call makes, retries included, for the services to store."""
    exchanges: list[Exchange] = []
    token = _exchanges.set(exchanges)
    try:
        yield exchanges
    finally:
        _exchanges.reset(token)
