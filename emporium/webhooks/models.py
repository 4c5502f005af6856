"""Outbound webhooks: endpoints staff register, and a transactional outbox of events to send them.

A :class:`WebhookEvent` is written in the transaction of the change it describes (one row,
naming the endpoints subscribed to its type at that moment), so a rolled-back order leaves no
trace and a committed one cannot lose its webhook (even if the broker is down). After the
commit a worker fans it out into one :class:`WebhookDelivery` per endpoint; each delivery
keeps its own log of :class:`WebhookAttempt` rows.
"""

from __future__ import annotations

import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from emporium.core.models import TimeStampedModel


class WebhookEventType(models.TextChoices):
    ORDER_PLACED = "order.placed", "Order placed"
    ORDER_PAID = "order.paid", "Order paid"
    ORDER_SHIPPED = "order.shipped", "Order shipped"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_REFUNDED = "order.refunded", "Order refunded (in full or in part)"
    PRODUCT_UPDATED = "product.updated", "Product updated"
    PRODUCT_DELETED = "product.deleted", "Product deleted"
    STOCK_CHANGED = "stock.changed", "Stock changed"
    RETURN_REQUESTED = "return.requested", "Return requested"
    RETURN_APPROVED = "return.approved", "Return approved"
    RETURN_REFUSED = "return.refused", "Return refused"
    RETURN_RECEIVED = "return.received", "Return received (also when a refused refund reopens it)"
    RETURN_REFUNDED = "return.refunded", "Return refunded"


def generate_webhook_secret() -> str:
    """256 random bits; the prefix tells whoever finds one in a config file what it is."""
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEndpoint(TimeStampedModel):
    url = models.URLField(
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where events are POSTed (https outside a test set-up).",
    )
    description = models.CharField(max_length=200, blank=True)
    # Kept in clear: signing needs it. Shown to staff who manage webhooks, never logged.
    secret = models.CharField(max_length=100, default=generate_webhook_secret, editable=False)
    is_active = models.BooleanField(default=True, help_text="Inactive endpoints get no new events.")
    event_types = models.JSONField(default=list, blank=True, help_text="The event types it receives.")

    class Meta:
        ordering: ClassVar[list[str]] = ["pk"]

    def __str__(self) -> str:
        return self.description or self.url

    def clean(self) -> None:
        known = set(WebhookEventType.values)
        types = self.event_types
        if not isinstance(types, list) or not all(isinstance(name, str) for name in types):
            raise ValidationError({"event_types": "A list of event type names."})
        if unknown := sorted(set(types) - known):
            raise ValidationError({"event_types": f"Unknown event types: {', '.join(unknown)}."})
        self.event_types = sorted(set(types))


class WebhookEvent(models.Model):
    # The id receivers de-duplicate on: the same in every retry and redelivery.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The endpoints subscribed to this type when it happened: they get it, whatever changes later.
    endpoint_ids = models.JSONField(default=list)
    # When its deliveries were written (after the commit, by a worker or the sweep).
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        indexes = [
            # The sweep's other question: which committed events have no deliveries yet?
            models.Index(
                fields=["created_at"],
                condition=Q(fanned_out_at__isnull=True),
                name="webhook_event_fan_out_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


def _default_attempt_limit() -> int:
    return int(settings.WEBHOOK_MAX_ATTEMPTS)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its next attempt (next_attempt_at)
    DELIVERING = "delivering", "Delivering"  # claimed by a worker until claimed_until
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # refused (4xx), or out of attempts


class WebhookDelivery(models.Model):
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When it is due: for a pending delivery its next attempt; for one being delivered, when
    # the worker's claim lapses (a worker that died mid-request leaves it to the sweep then).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Attempts allowed before it is marked failed; a manual redelivery grants a fresh round.
    attempt_limit = models.PositiveIntegerField(default=_default_attempt_limit)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # One delivery per event per endpoint: the unit that is sent at most once at a time.
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [
            # The sweep's question: what is due? Only unfinished rows are in this index.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "delivering"]),
                name="webhook_delivery_due_idx",
            ),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to endpoint {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the delivery log staff read in the admin."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
