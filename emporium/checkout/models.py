"""What checkout prices with: shipping methods, VAT rates per country and vouchers.

All editable in the staff admin. Amounts are Decimals in the method's or voucher's currency,
rounded to its minor unit by emporium.checkout.calculations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from emporium.core.models import TimeStampedModel
from emporium.core.money import default_currency

ZERO = Decimal(0)


class ShippingMethodQuerySet(models.QuerySet["ShippingMethod"]):
    def active(self) -> ShippingMethodQuerySet:
        return self.filter(is_active=True)


class ShippingMethod(models.Model):
    class Kind(models.TextChoices):
        FLAT = "flat", "Flat rate"
        WEIGHT = "weight", "By weight"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FLAT)
    countries = models.CharField(
        max_length=1000,
        blank=True,
        help_text="ISO codes separated by commas, e.g. 'GB,IE'; blank for everywhere.",
    )
    currency = models.CharField(max_length=3, default=default_currency)
    price_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        help_text="Flat price, or base price by weight.",
    )
    price_per_kg_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text="By weight only.",
    )
    free_over_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Free when goods cost at least this.",
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects: ClassVar[ShippingMethodQuerySet] = ShippingMethodQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def country_codes(self) -> set[str]:
        return {code.strip().upper() for code in self.countries.split(",") if code.strip()}

    def ships_to(self, country: str) -> bool:
        return not self.country_codes or country.upper() in self.country_codes


class TaxRate(models.Model):
    """VAT by destination country. Prices include it; the summary shows the part that is tax."""

    country = models.CharField(max_length=2, unique=True, help_text="ISO code, e.g. GB.")
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(1))],
        help_text="0.2000 for 20%.",
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["country"]

    def __str__(self) -> str:
        return f"{self.country}: {self.rate:.2%}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.country = self.country.strip().upper()  # also for rows made without full_clean
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Checkout looks the rate up by the upper-case code: "gb" typed in the admin would
        # otherwise be saved and never found, and GB orders would silently carry no VAT.
        # Here, before the unique check, so "gb" beside an existing "GB" is a form error.
        self.country = self.country.strip().upper()


class Voucher(TimeStampedModel):
    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off"
        FIXED = "fixed", "Fixed amount off"

    code = models.CharField(
        max_length=40, unique=True, help_text="Stored upper-case; customers type any case."
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PERCENTAGE)
    value = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)], help_text="Percent, or amount."
    )
    currency = models.CharField(max_length=3, default=default_currency)
    minimum_spend_amount = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Blank for no limit.")
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Blank for no limit.")
    # Counted under the voucher's row lock in place_order, so the limit holds under load.
    used_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used_count__lte=F("usage_limit")),
                name="voucher_used_within_limit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100), name="voucher_percentage_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """What the admin form must refuse itself, or the database refuses it with a 500.

        The code is upper-cased here, before the unique check, so "save10" beside "SAVE10"
        is reported on the field. used_count is not a form field, so Django skips the check
        constraint that names it: a usage limit below the uses so far is checked here.
        """
        self.code = self.code.strip().upper()
        errors: dict[str, str] = {}
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The voucher must end after it starts."
        if self.usage_limit is not None and self.usage_limit < self.used_count:
            errors["usage_limit"] = (
                f"This voucher has been used {self.used_count} times already; "
                "the limit cannot be lower than that."
            )
        if errors:
            raise ValidationError(errors)


class VoucherUsage(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="usages")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="voucher_usage")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["voucher", "email"], name="voucher_usage_email_idx")]

    def __str__(self) -> str:
        return f"{self.voucher_id} on {self.order_id}"
