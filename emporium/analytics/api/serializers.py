"""Query parameters and answers of the analytics API (output shapes mirror the selectors')."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from emporium.analytics.periods import Granularity, Period
from emporium.analytics.segments import SEGMENTS
from emporium.analytics.selectors import ProductRanking
from emporium.core.api.fields import MoneyField
from emporium.core.money import CURRENCY_CODES

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 1, 1)
# A longer range would mostly read empty days; three years is what a dashboard compares.
LONGEST_PERIOD_DAYS = 3 * 366
DEFAULT_PERIOD_DAYS = 30


def _default_currency() -> str:
    return str(settings.DEFAULT_CURRENCY)


class ReportFilters(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text="First day (shop time zone), included. Default: 29 days before `end`."
    )
    end = serializers.DateField(required=False, help_text="Last day, included. Default: today.")
    currency = serializers.ChoiceField(
        choices=CURRENCY_CODES,
        required=False,
        help_text="ISO 4217. Default: the shop's currency. Orders in other currencies are left out.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end") or timezone.localdate()
        if not EARLIEST <= end <= LATEST:  # checked first: 29 days before 0001-01-05 is no date at all
            raise serializers.ValidationError({"start": [f"Days from {EARLIEST} to {LATEST} only."]})
        start = attrs.get("start") or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
            raise serializers.ValidationError({"start": [f"Days from {EARLIEST} to {LATEST} only."]})
        if start > end:
            raise serializers.ValidationError({"end": ["The end comes before the start."]})
        if (end - start).days + 1 > LONGEST_PERIOD_DAYS:
            raise serializers.ValidationError({"start": [f"At most {LONGEST_PERIOD_DAYS} days at once."]})
        return {
            **attrs,
            "period": Period(start=start, end=end),
            "currency": attrs.get("currency") or _default_currency(),
        }


class TimeSeriesFilters(ReportFilters):
    granularity = serializers.ChoiceField(
        choices=[choice.value for choice in Granularity], required=False, help_text="Default: day."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        return {**attrs, "granularity": Granularity(attrs.get("granularity") or Granularity.DAY)}


class ProductFilters(ReportFilters):
    ranking = serializers.ChoiceField(
        choices=ProductRanking.CHOICES,
        required=False,
        help_text="top: most revenue; rising/falling: most revenue gained/lost on the previous period.",
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, help_text="Default: 10.")


class SegmentCustomerFilters(ReportFilters):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, help_text="Default: 50.")
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000)


def ratio(
    help_text: str = "A fraction (0.25 = 25%); null when the base is zero.",
) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True, help_text=help_text)


class SalesTotalsOutput(serializers.Serializer):
    orders = serializers.IntegerField(help_text="Sales: paid orders, whatever happened after.")
    placed_orders = serializers.IntegerField(help_text="Every order placed, paid or not.")
    cancelled_orders = serializers.IntegerField()
    revenue = MoneyField(help_text="Net: sales' totals less what was refunded.")
    refunded = MoneyField()
    average_order_value = MoneyField(help_text="Net revenue / sales.")


class SalesBucketOutput(SalesTotalsOutput):
    bucket = serializers.DateField(help_text="First day of the day, ISO week (Monday) or month.")


class SalesChangesOutput(serializers.Serializer):
    orders = ratio()
    revenue = ratio()
    average_order_value = ratio()


class SalesOverTimeOutput(serializers.Serializer):
    currency = serializers.CharField()
    totals = SalesTotalsOutput()
    previous_totals = SalesTotalsOutput(help_text="The period of the same length just before.")
    changes = SalesChangesOutput(help_text="(this - previous) / previous.")
    rows = SalesBucketOutput(many=True)
    previous_rows = SalesBucketOutput(many=True)


class CountryRowOutput(serializers.Serializer):
    country = serializers.CharField(help_text="As the delivery address gave it; empty when unknown.")
    orders = serializers.IntegerField()
    revenue = MoneyField()
    share = ratio("Of the period's net revenue.")
    previous_revenue = MoneyField()
    change = ratio()


class CountriesOutput(serializers.Serializer):
    currency = serializers.CharField()
    rows = CountryRowOutput(many=True)


class CategoryRowOutput(serializers.Serializer):
    category_id = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    quantity = serializers.IntegerField()
    revenue = MoneyField(
        help_text="Line totals of sales not refunded in full (before shipping and vouchers)."
    )
    share = ratio()
    previous_revenue = MoneyField()
    change = ratio()


class CategoriesOutput(serializers.Serializer):
    currency = serializers.CharField()
    rows = CategoryRowOutput(many=True)


class ProductRowOutput(serializers.Serializer):
    product_id = serializers.IntegerField(allow_null=True, help_text="Null for products since deleted.")
    product = serializers.CharField()
    quantity = serializers.IntegerField()
    revenue = MoneyField()
    previous_quantity = serializers.IntegerField()
    previous_revenue = MoneyField()
    revenue_change = MoneyField()
    change = ratio()


class ProductsOutput(serializers.Serializer):
    currency = serializers.CharField()
    ranking = serializers.ChoiceField(choices=ProductRanking.CHOICES)
    rows = ProductRowOutput(many=True)


class CustomerTotalsOutput(serializers.Serializer):
    customers = serializers.IntegerField(help_text="Registered customers with a sale in the period.")
    new_customers = serializers.IntegerField(help_text="Whose first sale ever is in the period.")
    returning_customers = serializers.IntegerField()


class CustomerBucketOutput(serializers.Serializer):
    bucket = serializers.DateField()
    new_customers = serializers.IntegerField()
    returning_customers = serializers.IntegerField()
    new_revenue = MoneyField()
    returning_revenue = MoneyField()
    guest_orders = serializers.IntegerField()
    guest_revenue = MoneyField()


class CustomersOutput(serializers.Serializer):
    currency = serializers.CharField()
    totals = CustomerTotalsOutput()
    rows = CustomerBucketOutput(many=True)


class RetentionCellOutput(serializers.Serializer):
    month = serializers.IntegerField(help_text="Months after the cohort's first (0 = that month).")
    customers = serializers.IntegerField()
    share = ratio("Of the cohort.")


class CohortRowOutput(serializers.Serializer):
    cohort = serializers.DateField(help_text="First day of the month of the customers' first sale.")
    customers = serializers.IntegerField()
    retention = RetentionCellOutput(many=True)


class CohortsOutput(serializers.Serializer):
    currency = serializers.CharField()
    rows = CohortRowOutput(many=True)


class SegmentRowOutput(serializers.Serializer):
    segment = serializers.ChoiceField(choices=SEGMENTS)
    customers = serializers.IntegerField()
    revenue = MoneyField()
    revenue_share = ratio()
    average_revenue = MoneyField()


class SegmentsOutput(serializers.Serializer):
    currency = serializers.CharField()
    as_of = serializers.DateField(help_text="Recency is counted to this day (the period's end).")
    rows = SegmentRowOutput(many=True)


class SegmentCustomerOutput(serializers.Serializer):
    customer_id = serializers.IntegerField()
    email = serializers.CharField()
    last_order_day = serializers.DateField()
    recency_days = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = MoneyField()
    r = serializers.IntegerField(help_text="Recency score, 1-5.")
    f = serializers.IntegerField(help_text="Frequency score, 1-5.")
    m = serializers.IntegerField(help_text="Monetary score, 1-5.")


class SegmentCustomersOutput(serializers.Serializer):
    currency = serializers.CharField()
    segment = serializers.ChoiceField(choices=SEGMENTS)
    count = serializers.IntegerField(help_text="Customers in the segment (all pages).")
    rows = SegmentCustomerOutput(many=True)


class FunnelStageOutput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=["product_view", "add_to_cart", "checkout", "paid"])
    count = serializers.IntegerField(
        allow_null=True, help_text="Null while storefront events are not recorded."
    )
    previous_count = serializers.IntegerField(allow_null=True)
    rate_from_previous_stage = ratio()
    rate_from_first_stage = ratio()


class FunnelOutput(serializers.Serializer):
    currency = serializers.CharField()
    events_available = serializers.BooleanField(
        help_text="False until storefront events (views, add-to-cart) are recorded: then only orders count."
    )
    rows = FunnelStageOutput(many=True)


class WidgetRowOutput(serializers.Serializer):
    widget = serializers.CharField()
    clicks = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = MoneyField()
    revenue_share = ratio("Of the period's net revenue.")


class RecommendationsOutput(serializers.Serializer):
    currency = serializers.CharField()
    events_available = serializers.BooleanField()
    total_revenue = MoneyField()
    rows = WidgetRowOutput(many=True)
