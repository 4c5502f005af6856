"""Daily roll-ups of the orders: what the analytics endpoints read instead of 500,000 orders.

Each table holds one row per day (in the shop's time zone, ``TIME_ZONE``) and key, rebuilt
whole for a day from that day's orders by ``emporium.analytics.services.refresh_rollups``:
a day is always recomputed, never incremented, so a task that runs twice or late writes the
same numbers. The orders stay the source of truth; these can be dropped and rebuilt
(``manage.py rebuild_analytics``).

What counts (the documented rule, ``emporium.analytics.selectors.SALE_STATUSES``): an order
is a *sale* once it is paid (or imported as delivered), whatever happened after; cancelled
orders are not sales, and cash-on-delivery orders count once the cash is in. Its *net*
revenue is its total less what was refunded, so a full refund nets to zero and a refund in
part leaves the rest. Orders are dated by when they were placed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DailySales(models.Model):
    """Orders and revenue of one day, currency and delivery country."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    country = models.CharField(max_length=64, blank=True)
    placed_orders = models.PositiveIntegerField(default=0)
    cancelled_orders = models.PositiveIntegerField(default=0)
    sale_orders = models.PositiveIntegerField(default=0)
    gross_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunded_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    net_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "currency", "country"], name="daily_sales_key"),
        ]
        verbose_name_plural = "daily sales"

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.country}"


class DailyProductSales(models.Model):
    """Units and line revenue of one product on one day (sales only, see the module)."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    # Kept when the product is deleted: history does not change with the catalog.
    product = models.ForeignKey("catalog.Product", null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(max_length=255)
    category = models.ForeignKey("catalog.Category", null=True, on_delete=models.SET_NULL, related_name="+")
    quantity = models.IntegerField(default=0)
    net_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="daily_product_day_idx")]
        verbose_name_plural = "daily product sales"

    def __str__(self) -> str:
        return f"{self.day} {self.product_name}"


class CustomerDay(models.Model):
    """A registered customer's sales on one day: new versus returning, cohorts and RFM."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(default=0)
    net_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "currency", "customer"], name="customer_day_key"),
        ]
        indexes = [models.Index(fields=["customer", "day"], name="customer_day_customer_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.customer_id}"


class RollupState(models.Model):
    """Where the periodic refresh got to: orders changed after ``orders_changed_until`` are
    the ones it has not folded in yet. One row (pk 1)."""

    orders_changed_until = models.DateTimeField(null=True)
    # Bumped by every refresh: the analytics answers cached under the old version go stale.
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"roll-ups up to {self.orders_changed_until}"
