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
        indexes = [
            # Covering on PostgreSQL: a report's few days of edges are read from the index alone.
            models.Index(
                fields=["day", "currency"],
                include=["product_id", "quantity", "net_amount"],
                name="daily_product_day_cover_idx",
            )
        ]
        verbose_name_plural = "daily product sales"

    def __str__(self) -> str:
        return f"{self.day} {self.product_name}"


class ProductSalesToDate(models.Model):
    """A product's units and line revenue on every day before ``month`` (a month's first day).

    Kept at every month start from the month after the first sale to the current month's, for
    every product that sold before it, so a period's sales of all products are two of these
    lookups and at most half a month of daily rows at each end, whatever the period's length
    (see ``emporium.analytics.selectors.list_products``). Maintained with the daily rows by
    ``emporium.analytics.services``.
    """

    month = models.DateField()
    currency = models.CharField(max_length=3)
    product = models.ForeignKey("catalog.Product", null=True, on_delete=models.SET_NULL, related_name="+")
    quantity = models.BigIntegerField(default=0)
    net_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "currency", "product"], name="product_to_date_key"),
        ]
        verbose_name_plural = "product sales to date"

    def __str__(self) -> str:
        return f"{self.product_id} before {self.month}"


class DailyCategorySales(models.Model):
    """Units and line revenue of one category on one day: the product rows of the day, added up
    by category when they are built, so a year's report reads hundreds of rows, not millions."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    category = models.ForeignKey("catalog.Category", null=True, on_delete=models.SET_NULL, related_name="+")
    quantity = models.IntegerField(default=0)
    net_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="daily_category_day_idx")]
        verbose_name_plural = "daily category sales"

    def __str__(self) -> str:
        return f"{self.day} {self.category_id}"


class CustomerDay(models.Model):
    """A registered customer's sales on one day: new versus returning, cohorts and RFM."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(default=0)
    net_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # The day of the customer's first sale ever in this currency, on each of their rows: new
    # versus returning and cohorts read it here instead of looking it up for every row.
    first_day = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "currency", "customer"], name="customer_day_key"),
        ]
        indexes = [
            models.Index(fields=["customer", "day"], name="customer_day_customer_idx"),
            # Covering on PostgreSQL, so a year of customer-days is read from an index alone:
            # new versus returning and cohorts scan the period's days in day order ...
            models.Index(
                fields=["currency", "day"],
                include=["customer", "first_day", "orders", "net_amount"],
                name="customer_day_cover_idx",
            ),
            # ... and RFM adds them up per customer in customer order, with no hash table to
            # build and spill (300 ms down to about 100 ms for a year of the benchmark shop),
            # while new versus returning walks each customer's days in order to tell the
            # first one of each bucket, with no sort and no COUNT(DISTINCT).
            models.Index(
                fields=["currency", "customer", "day"],
                include=["first_day", "orders", "net_amount"],
                name="customer_day_by_customer_idx",
            ),
        ]

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
