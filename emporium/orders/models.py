"""Orders and their lines: prices, names and addresses frozen at the time of sale.

Minimal for now (enough for imported history and the catalog's bestsellers); the checkout
issue adds the state machine, events, addresses and stock reservation.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from emporium.core.models import TimeStampedModel
from emporium.core.money import Money


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PAID = "paid", "Paid"
    FULFILLED = "fulfilled", "Fulfilled"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


class Order(TimeStampedModel):
    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.UNPAID)
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    placed_at = models.DateTimeField()
    country = models.CharField(max_length=64, blank=True)
    # Where the order came from outside this shop (e.g. "online-retail:536365"): makes imports idempotent.
    external_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)

    lines: models.Manager[OrderLine]

    class Meta:
        ordering: ClassVar[list[str]] = ["-placed_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_placed_idx"),
            models.Index(fields=["status", "-placed_at"], name="order_status_placed_idx"),
            models.Index(fields=["-placed_at"], name="order_placed_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    product_name = models.CharField(max_length=255)
    sku = models.CharField(max_length=64)
    quantity = models.IntegerField(help_text="Negative on a cancellation or refund.")
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering: ClassVar[list[str]] = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_amount, self.order.currency)
