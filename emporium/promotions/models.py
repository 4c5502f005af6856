"""Automatic promotions: price rules without a code, applied to every cart they fit.

A promotion takes a percentage or an amount off the items it targets, gives Y of every X+Y
targeted items at a percentage off (100: free), or rewards a spend over a threshold with free
shipping or a discount off the order. Each has a schedule, a customer segment, a priority, a
stacking policy and an optional usage limit. ``emporium.promotions.engine`` prices a cart with
them (pure functions on Decimals); this module only stores them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from emporium.core.models import TimeStampedModel
from emporium.core.money import default_currency

ZERO = Decimal(0)


class PromotionQuerySet(models.QuerySet["Promotion"]):
    def enabled(self) -> PromotionQuerySet:
        """Switched on by staff; the schedule is the engine's to check, at the moment it prices."""
        return self.filter(is_active=True)


class Promotion(TimeStampedModel):
    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off items"
        FIXED = "fixed", "Amount off each item"
        BUY_X_GET_Y = "buy_x_get_y", "Buy X, get Y at a discount"
        SPEND_THRESHOLD = "spend_threshold", "Spend over a threshold"

    class Reward(models.TextChoices):
        """What a spend over the threshold earns (spend-threshold promotions only)."""

        FREE_SHIPPING = "free_shipping", "Free shipping"
        PERCENTAGE = "percentage", "Percentage off the order"
        FIXED = "fixed", "Amount off the order"

    class Segment(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        SIGNED_IN = "signed_in", "Signed-in customers"
        FIRST_ORDER = "first_order", "Signed-in customers' first order"

    class Stacking(models.TextChoices):
        STACKABLE = "stackable", "Combines with other promotions"
        EXCLUSIVE = "exclusive", "Exclusive: only on items no other promotion discounts, and stops lower ones"

    name = models.CharField(max_length=120, help_text="Shown to shoppers, e.g. “Summer sale”.")
    is_active = models.BooleanField(
        default=True, help_text="Switch off to stop it at once, whatever its dates."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERCENTAGE)
    value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text="Percent off (percentage, buy X get Y: 100 makes them free), or the amount off "
        "(fixed; spend threshold with an amount off). Not used for free shipping.",
    )
    currency = models.CharField(
        max_length=3,
        default=default_currency,
        help_text="Amounts and thresholds are in this currency; a percentage off items applies in any.",
    )
    # What it applies to: every product, or those in the categories (with their sub-categories),
    # of the product types, or chosen one by one (any of the three).
    applies_to_all_products = models.BooleanField(default=False)
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+")
    product_types = models.ManyToManyField("catalog.ProductType", blank=True, related_name="+")
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    buy_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Buy X (buy X get Y only).")
    get_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Get Y (buy X get Y only).")
    threshold_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text="Spend at least this on the targeted items, after their own promotions (spend threshold only).",
    )
    reward = models.CharField(max_length=16, choices=Reward.choices, blank=True)
    segment = models.CharField(max_length=12, choices=Segment.choices, default=Segment.EVERYONE)
    priority = models.IntegerField(default=0, help_text="Higher runs first.")
    stacking = models.CharField(max_length=10, choices=Stacking.choices, default=Stacking.STACKABLE)
    combines_with_vouchers = models.BooleanField(
        default=True, help_text="Off: a cart this promotion applies to takes no voucher code."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders it may apply to; blank for no limit."
    )
    # Counted under the promotion's row lock in place_order, so the limit holds under load.
    used_count = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[PromotionQuerySet] = PromotionQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering: ClassVar[list[str]] = ["-priority", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used_count__lte=F("usage_limit")),
                name="promotion_used_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(kind="fixed")
                | (Q(kind="spend_threshold") & ~Q(reward="percentage"))
                | Q(value__lte=100),
                name="promotion_percentage_at_most_100",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["is_active", "ends_at"], name="promotion_enabled_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_limited(self) -> bool:
        return self.usage_limit is not None

    def clean(self) -> None:
        """What the admin form and the staff API must refuse before the database or the engine
        meets it: every kind's own fields, a sane schedule and a limit not below the uses."""
        errors: dict[str, str] = {}
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The promotion must end after it starts."
        percent = self.kind in (self.Kind.PERCENTAGE, self.Kind.BUY_X_GET_Y) or (
            self.kind == self.Kind.SPEND_THRESHOLD and self.reward == self.Reward.PERCENTAGE
        )
        if percent and self.value is not None and self.value > 100:
            errors["value"] = "A percentage is at most 100."
        needs_value = self.kind != self.Kind.SPEND_THRESHOLD or self.reward != self.Reward.FREE_SHIPPING
        if needs_value and (self.value is None or self.value <= 0):
            errors["value"] = "Say how much it takes off."
        if self.kind == self.Kind.BUY_X_GET_Y:
            if not self.buy_quantity:
                errors["buy_quantity"] = "Say how many must be bought (X)."
            if not self.get_quantity:
                errors["get_quantity"] = "Say how many are discounted (Y)."
        if self.kind == self.Kind.SPEND_THRESHOLD:
            if self.threshold_amount is None:
                errors["threshold_amount"] = "Say how much must be spent."
            if not self.reward:
                errors["reward"] = "Say what the spend earns."
        elif self.reward:
            errors["reward"] = "Only a spend-threshold promotion has a reward."
        if self.usage_limit is not None and self.usage_limit < self.used_count:
            errors["usage_limit"] = (
                f"This promotion has been used {self.used_count} times already; "
                "the limit cannot be lower than that."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.kind != self.Kind.SPEND_THRESHOLD:
            self.reward = ""
        super().save(*args, **kwargs)


class PromotionUsage(models.Model):
    """One order a limited promotion applied to; deleted (and the count given back) when the
    order is cancelled or fully refunded, as a voucher's use is."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="usages")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="promotion_usages")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["promotion", "order"], name="promotion_usage_once_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} on {self.order_id}"
