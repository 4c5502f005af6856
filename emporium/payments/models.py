"""Payments, their refunds, every word exchanged with a provider, and the events it sent us.

A :class:`Payment` is one attempt to collect an order's total through one gateway. Its state
moves only along the transitions declared here (django-fsm-2), and only forwards: a late or
repeated provider event can never take a captured payment back to pending. The services in
``emporium.payments.services`` are the only callers.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from emporium.core.models import TimeStampedModel
from emporium.core.money import Money


class PaymentState(models.TextChoices):
    PENDING = "pending", "Pending"
    REQUIRES_ACTION = "requires_action", "Requires action"
    AUTHORIZED = "authorized", "Authorized"
    CAPTURED = "captured", "Captured"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


S = PaymentState

# How far along a payment is. A provider event may only move a payment to a higher rank, which
# is what makes events safe to apply in any order and any number of times.
PROGRESS: dict[str, int] = {
    S.PENDING: 0,
    S.REQUIRES_ACTION: 1,
    S.AUTHORIZED: 2,
    S.CAPTURED: 3,
    S.PARTIALLY_REFUNDED: 4,
    S.REFUNDED: 5,
    S.FAILED: 9,
    S.CANCELLED: 9,
}
OPEN_STATES = (S.PENDING, S.REQUIRES_ACTION)
PAID_STATES = (S.AUTHORIZED, S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED)


class Payment(TimeStampedModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=32)
    state = FSMField(max_length=24, choices=PaymentState.choices, default=PaymentState.PENDING)
    # Copied from the order when the payment starts: the browser never names an amount.
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    captured_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    # The provider's id for it (Stripe: the PaymentIntent id, "pi_...").
    provider_reference = models.CharField(max_length=255, blank=True)
    # Stripe.js needs it to show the Payment Element; it only lets a browser confirm this one payment.
    client_secret = models.CharField(max_length=255, blank=True)
    # Sent with every call that creates or changes this payment at the provider, so a retried call
    # after a timeout is recognised there instead of charging twice.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    flagged_for_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=255, blank=True)
    # Set before we ask the provider to cancel (or release the hold of) this payment, so the
    # provider's "cancelled" event, which may beat our own request's answer, is known to be
    # ours and not flagged; a capture is refused from then on.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["order", "-created_at"], name="payment_order_created_idx"),
            models.Index(fields=["state", "-created_at"], name="payment_state_created_idx"),
            models.Index(
                fields=["-created_at"],
                condition=models.Q(flagged_for_review=True),
                name="payment_flagged_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="payment_unique_provider_reference",
            )
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} ({self.gateway}, {self.get_state_display()})"

    @property
    def total(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def refundable(self) -> Money:
        return Money(self.captured_amount - self.refunded_amount, self.currency)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paid(self) -> bool:
        return self.state in PAID_STATES

    @transition(field=state, source=S.PENDING, target=S.REQUIRES_ACTION)
    def require_action(self) -> None:
        pass

    @transition(field=state, source=[S.PENDING, S.REQUIRES_ACTION], target=S.AUTHORIZED)
    def authorize(self) -> None:
        pass

    @transition(field=state, source=[S.PENDING, S.REQUIRES_ACTION, S.AUTHORIZED], target=S.CAPTURED)
    def capture(self) -> None:
        pass

    @transition(field=state, source=[S.PENDING, S.REQUIRES_ACTION], target=S.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=state, source=[S.PENDING, S.REQUIRES_ACTION, S.AUTHORIZED], target=S.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=state, source=[S.CAPTURED, S.PARTIALLY_REFUNDED], target=S.PARTIALLY_REFUNDED)
    def refund_partially(self) -> None:
        pass

    @transition(field=state, source=[S.CAPTURED, S.PARTIALLY_REFUNDED], target=S.REFUNDED)
    def refund(self) -> None:
        pass

    # The one way back: a refund the provider had reported done failed after all (a closed
    # card), so the money is with us again. Only services.refund_records calls these.
    @transition(field=state, source=[S.PARTIALLY_REFUNDED, S.REFUNDED], target=S.CAPTURED)
    def reopen_after_failed_refund(self) -> None:
        pass

    @transition(field=state, source=[S.PARTIALLY_REFUNDED, S.REFUNDED], target=S.PARTIALLY_REFUNDED)
    def reopen_partially_after_failed_refund(self) -> None:
        pass


class RefundState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Refund(TimeStampedModel):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=12, choices=RefundState.choices, default=RefundState.PENDING)
    provider_reference = models.CharField(max_length=255, blank=True)
    # A retry of this refund (a Celery retry after a timeout) reuses the key: refunded once.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reason = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The order's gift card part that goes back on the card with this refund: written on the
    # card in the transaction that records the refund's success, so a refund the provider
    # refuses (or has not answered yet) never credits the card (order_actions._refund_with_gift_card).
    gift_card_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        indexes = [models.Index(fields=["payment", "state"], name="refund_payment_state_idx")]

    def __str__(self) -> str:
        return f"Refund {self.pk} of {self.amount} {self.currency} ({self.get_state_display()})"

    @property
    def total(self) -> Money:
        return Money(self.amount, self.currency)


class LogDirection(models.TextChoices):
    OUTGOING = "out", "To the provider"
    INCOMING = "in", "From the provider"


class PaymentLogEntry(models.Model):
    """One request to a provider and its answer, or one event it sent us. Written, never edited:
    when a customer says they were charged twice, this is what we read."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="log_entries"
    )
    gateway = models.CharField(max_length=32)
    direction = models.CharField(max_length=3, choices=LogDirection.choices)
    operation = models.CharField(max_length=40)
    method = models.CharField(max_length=8, blank=True)
    url = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    request = models.JSONField(default=dict, blank=True)
    response = models.JSONField(default=dict, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        verbose_name_plural = "payment log entries"
        indexes = [models.Index(fields=["payment", "created_at"], name="paymentlog_payment_idx")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.gateway} {self.operation} {self.status_code or ''}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Payment log entries are written once and never edited.")
        super().save(*args, **kwargs)


class ProviderEvent(models.Model):
    """An event a provider sent, recorded once by its id, so a redelivery is recognised and skipped."""

    gateway = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="provider_events"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # How many times the provider sent it (redeliveries are normal; a growing count is not).
    deliveries = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar[list[str]] = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="providerevent_unique_event_id")
        ]
        indexes = [models.Index(fields=["type", "-received_at"], name="providerevent_type_idx")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.type} {self.event_id}"
