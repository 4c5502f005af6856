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


class ProductNeighbour(models.Model):
    """'Customers also bought': the top neighbours of a product, best first."""

    # No index of its own: the lookup index starts with the version, and each index costs
    # training time on every one of the millions of rows a version writes.
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Product ids get no index of their own: a product is deleted rarely (the shop unpublishes),
    # and then a scan is fine, while each index costs every nightly write of millions of rows.
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+", db_index=False)
    neighbour = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["version", "product", "rank"], name="recs_neighbour_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} -> {self.neighbour_id} #{self.rank}"


class CustomerListKind(models.TextChoices):
    BUY_AGAIN = "buy_again", "Buy it again"
    FOR_YOU = "for_you", "Recommended for you"
    POPULAR = "popular", "Popular right now"  # everyone's list: no customer


class CustomerRecommendation(models.Model):
    """A rank in a ranked list: one customer's ("buy it again", "for you") or everyone's.

    Popularity with time decay, for visitors and customers the model knows nothing about, is
    the list with no customer: a customer's lists and the popular fallback then come from one
    query (and one for images), whatever the customer's lists hold.
    """

    # No index of its own: the lookup index starts with the version, and each index costs
    # training time on every one of the millions of rows a version writes.
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=CustomerListKind.choices)
    # Indexed by customer (an account deletion must be quick), not by product: see ProductNeighbour.
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+", db_index=False)
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["version", "customer", "kind", "rank"], name="recs_customer_lookup_idx"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(customer__isnull=True, kind=CustomerListKind.POPULAR)
                | (Q(customer__isnull=False) & ~Q(kind=CustomerListKind.POPULAR)),
                name="recs_popular_list_has_no_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id or 'everyone'} {self.kind} {self.product_id} #{self.rank}"


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
