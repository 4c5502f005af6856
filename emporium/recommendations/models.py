"""Trained recommendations, stored per model version, and the storefront events they learn from.

Readers join through :class:`ModelVersion` and only see the one active version. A training run
writes its rows under a new, inactive version and activates it in one transaction at the end,
so a half-written model is never served and a failed run leaves the last good one active.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class ModelVersionStatus(models.TextChoices):
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ModelVersion(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ModelVersionStatus.choices, default=ModelVersionStatus.TRAINING
    )
    is_active = models.BooleanField(default=False)
    summary = models.JSONField(default=dict, blank=True)  # rows read, customers, seconds, peak memory
    error = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_model_version"
            ),
        ]

    def __str__(self) -> str:
        return f"model {self.pk} ({self.status}{', active' if self.is_active else ''})"


class NeighbourList(models.Model):
    """'Customers also bought': one product's neighbours, best first, in one row.

    A list is one row, not one row per rank: a version is a few hundred thousand rows instead
    of millions, which is what made writing a trained model (and deleting the old one) cost
    more than training it. Serving unnests the list in SQL (:mod:`.selectors`).
    """

    # No index of its own: the unique lookup starts with the version.
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+", db_index=False)
    # Product ids and their similarity scores, best first. A neighbour deleted later is
    # simply not found when served: there is no foreign key inside a list.
    neighbour_ids = models.JSONField(default=list)
    scores = models.JSONField(default=list)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["version", "product"], name="recs_neighbour_list_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} -> {self.neighbour_ids}"


class CustomerListKind(models.TextChoices):
    BUY_AGAIN = "buy_again", "Buy it again"
    FOR_YOU = "for_you", "Recommended for you"
    POPULAR = "popular", "Popular right now"  # everyone's list: no customer


class CustomerList(models.Model):
    """A ranked list of product ids, best first: one customer's ("buy it again", "for you") or
    everyone's.

    Popularity with time decay, for visitors and customers the model knows nothing about, is
    the list with no customer: a customer's lists and the popular fallback then come from one
    query, whatever the customer's lists hold.
    """

    # No index of its own: the lookup index starts with the version.
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(  # indexed: an account deletion must be quick
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=CustomerListKind.choices)
    product_ids = models.JSONField(default=list)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["version", "customer", "kind"], name="recs_customer_list_lookup"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(customer__isnull=True, kind=CustomerListKind.POPULAR)
                | (Q(customer__isnull=False) & ~Q(kind=CustomerListKind.POPULAR)),
                name="recs_list_popular_has_no_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id or 'everyone'} {self.kind} {self.product_ids}"


class EventKind(models.TextChoices):
    VIEW = "view", "Product view"
    ADD_TO_CART = "add_to_cart", "Added to cart"
    CLICK = "click", "Recommendation clicked"


class Event(models.Model):
    """One storefront event; written in batches, read by training and analytics."""

    kind = models.CharField(max_length=16, choices=EventKind.choices)
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.CharField(max_length=40, blank=True)
    widget = models.CharField(max_length=16, blank=True)  # for clicks: which widget
    position = models.PositiveSmallIntegerField(null=True, blank=True)  # for clicks: 1-based
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.product_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
