"""Shoppers waiting for a sold-out variant, by e-mail.

A guest's alert waits ``unconfirmed`` until they follow the signed link e-mailed to them
(double opt-in: nobody can sign somebody else up); a logged-in customer's own address is
``active`` at once. When stock returns each active alert is e-mailed once and becomes ``sent``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AlertStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Waiting for confirmation"
    ACTIVE = "active", "Waiting for stock"
    SENT = "sent", "Sent"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class StockAlert(models.Model):
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="stock_alerts")
    email = models.EmailField()
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.UNCONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open alert per address and variant: asking twice changes nothing.
            models.UniqueConstraint(
                fields=["variant", "email"],
                condition=Q(status__in=["unconfirmed", "active"]),
                name="stock_alert_one_open_per_email",
            )
        ]
        indexes = [
            # The sender's claim: a variant's active alerts in id order.
            models.Index(fields=["variant", "status", "id"], name="stock_alert_claim_idx"),
            models.Index(fields=["status", "-created_at"], name="stock_alert_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} waiting for {self.variant_id} ({self.status})"
