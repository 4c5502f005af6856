"""Reads behind every analytics endpoint: the daily roll-ups, never the orders themselves.

Each report takes a :class:`~emporium.analytics.periods.Period`, a currency (amounts of
different currencies are never added), and compares with the previous period of the same
length. Money is a :class:`~emporium.core.money.Money`; ratios are Decimals or ``None`` where
the base is zero. Answers are cached under the roll-ups' version (``cached_report``), which
every refresh bumps, so a cached answer never outlives the data it was built from.

What counts as a sale, and net revenue, is documented in emporium.analytics.models.
Storefront events (product views, add-to-cart, recommendation clicks: the recommendations
app's ``Event`` table) are read through :func:`count_storefront_events` and the click
attribution below it only.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DateField, DecimalField, F, Max, Q, Sum, Window
from django.db.models.functions import Coalesce, Lag, Trunc, TruncMonth

from emporium.accounts.models import User
from emporium.analytics.exceptions import UnknownSegment
from emporium.analytics.models import (
    CustomerDay,
    DailyCategorySales,
    DailyProductSales,
    DailySales,
    ProductSalesToDate,
    RollupState,
)
from emporium.analytics.periods import (
    Granularity,
    Period,
    bucket_start,
    list_buckets,
    month_start,
    months_between,
    next_month,
)
from emporium.analytics.segments import SEGMENTS
from emporium.catalog.models import Category, Product
from emporium.core.money import Money
from emporium.orders.models import OrderLine, OrderStatus
from emporium.recommendations.models import Event, EventKind

if TYPE_CHECKING:
    import pandas as pd

# Statuses of an order that was paid for (or imported as delivered), whatever came after.
SALE_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.FULFILLED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.PARTIALLY_REFUNDED,
    OrderStatus.REFUNDED,
)
MONEY = DecimalField(max_digits=14, decimal_places=2)
CACHE_SECONDS = 3600
T = TypeVar("T")


def is_sale(*, through: str = "") -> Q:
    """An order that counts as a sale: paid, and cash on delivery only once the cash is in.

    ``through`` names the path to the order from another model (``"order__"`` for its lines).
    """
    return Q(**{f"{through}status__in": SALE_STATUSES}) & ~Q(
        **{f"{through}pays_on_delivery": True, f"{through}paid_at__isnull": True}
    )


def change_ratio(current: Decimal | int, previous: Decimal | int) -> Decimal | None:
    """(current - previous) / previous to four places; None when there was nothing before."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(Decimal("0.0001"))


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


CENTS = Decimal("0.01")


def money(amount: Decimal | int | None, currency: str) -> Money:
    # Orders hold amounts to two places whatever the currency, and so do the reports.
    return Money(Decimal(amount or 0).quantize(CENTS, rounding=ROUND_HALF_UP), currency)


def get_rollup_version() -> int:
    return RollupState.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def cached_report(name: str, build: Callable[[], T], **params: Any) -> T:
    """The report built once per roll-up version and parameters (one query when cached)."""
    key_source = json.dumps(params, sort_keys=True, default=str)
    digest = hashlib.sha256(key_source.encode()).hexdigest()[:32]
    key = f"analytics:{get_rollup_version()}:{name}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return,unused-ignore]
    report = build()
    cache.set(key, report, CACHE_SECONDS)
    return report


# --- Revenue, orders and average order value ------------------------------------------------------


@dataclass(frozen=True)
class SalesTotals:
    orders: int
    placed_orders: int
    cancelled_orders: int
    revenue: Money
    refunded: Money
    average_order_value: Money


def _totals(
    *, orders: int, placed: int, cancelled: int, net: Decimal, refunded: Decimal, currency: str
) -> SalesTotals:
    return SalesTotals(
        orders=orders,
        placed_orders=placed,
        cancelled_orders=cancelled,
        revenue=money(net, currency),
        refunded=money(refunded, currency),
        average_order_value=money(net / orders if orders else 0, currency),
    )


def _daily_sales(*, period: Period, currency: str) -> dict[date, dict[str, Any]]:
    rows = (
        DailySales.objects.filter(day__gte=period.start, day__lte=period.end, currency=currency)
        .values("day")
        .annotate(
            orders=Sum("sale_orders"),
            placed=Sum("placed_orders"),
            cancelled=Sum("cancelled_orders"),
            net=Sum("net_amount"),
            refunded=Sum("refunded_amount"),
        )
        .order_by("day")
    )
    return {row["day"]: dict(row) for row in rows}


def _sum_days(days: list[dict[str, Any]], currency: str) -> SalesTotals:
    return _totals(
        orders=sum(day["orders"] for day in days),
        placed=sum(day["placed"] for day in days),
        cancelled=sum(day["cancelled"] for day in days),
        net=sum((day["net"] for day in days), Decimal(0)),
        refunded=sum((day["refunded"] for day in days), Decimal(0)),
        currency=currency,
    )


def get_sales_over_time(*, period: Period, granularity: Granularity, currency: str) -> dict[str, Any]:
    """Orders, net revenue and AOV per bucket, this period and the previous one, with totals."""
    return cached_report(
        "sales",
        lambda: _build_sales_over_time(period=period, granularity=granularity, currency=currency),
        period=period,
        granularity=granularity,
        currency=currency,
    )


def _build_sales_over_time(*, period: Period, granularity: Granularity, currency: str) -> dict[str, Any]:
    previous = period.previous()
    days = _daily_sales(period=Period(start=previous.start, end=period.end), currency=currency)

    def series(of: Period) -> list[dict[str, Any]]:
        grouped: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for day, row in days.items():
            if of.start <= day <= of.end:
                grouped[bucket_start(day, granularity)].append(row)
        return [
            {"bucket": bucket, **_sum_days(grouped.get(bucket, []), currency).__dict__}
            for bucket in list_buckets(of, granularity)
        ]

    current_rows = [row for day, row in days.items() if day >= period.start]
    previous_rows = [row for day, row in days.items() if day < period.start]
    current, before = _sum_days(current_rows, currency), _sum_days(previous_rows, currency)
    return {
        "currency": currency,
        "totals": current.__dict__,
        "previous_totals": before.__dict__,
        "changes": {
            "orders": change_ratio(current.orders, before.orders),
            "revenue": change_ratio(current.revenue.amount, before.revenue.amount),
            "average_order_value": change_ratio(
                current.average_order_value.amount, before.average_order_value.amount
            ),
        },
        "rows": series(period),
        "previous_rows": series(previous),
    }


# --- Countries, categories, products ----------------------------------------------------------------


def list_sales_by_country(*, period: Period, currency: str) -> dict[str, Any]:
    return cached_report(
        "countries",
        lambda: _build_sales_by_country(period=period, currency=currency),
        period=period,
        currency=currency,
    )


def _sales_by(field: str, *, period: Period, currency: str) -> dict[Any, dict[str, Any]]:
    return {
        row[field]: row
        for row in DailySales.objects.filter(day__gte=period.start, day__lte=period.end, currency=currency)
        .values(field)
        .annotate(orders=Sum("sale_orders"), net=Sum("net_amount"))
        .order_by()
    }


def _build_sales_by_country(*, period: Period, currency: str) -> dict[str, Any]:
    current = _sales_by("country", period=period, currency=currency)
    previous = _sales_by("country", period=period.previous(), currency=currency)
    total = sum((row["net"] for row in current.values()), Decimal(0))
    rows = [
        {
            "country": country,
            "orders": row["orders"],
            "revenue": money(row["net"], currency),
            "share": share(row["net"], total),
            "previous_revenue": money(previous.get(country, {}).get("net"), currency),
            "change": change_ratio(row["net"], previous.get(country, {}).get("net", 0)),
        }
        for country, row in current.items()
    ]
    rows.sort(key=lambda row: (-row["revenue"].amount, row["country"]))
    return {"currency": currency, "rows": rows}


def _product_sales(*, period: Period, currency: str, by: str) -> dict[Any, dict[str, Any]]:
    fields = ("product_id", "product_name") if by == "product" else ("category_id",)
    table = DailyProductSales if by == "product" else DailyCategorySales
    rows = (
        table.objects.filter(day__gte=period.start, day__lte=period.end, currency=currency)
        .values(*fields)
        .annotate(quantity_sold=Sum("quantity"), net=Sum("net_amount"))
        .order_by()
    )
    return {tuple(row[field] for field in fields): row for row in rows}


def list_sales_by_category(*, period: Period, currency: str) -> dict[str, Any]:
    return cached_report(
        "categories",
        lambda: _build_sales_by_category(period=period, currency=currency),
        period=period,
        currency=currency,
    )


def _build_sales_by_category(*, period: Period, currency: str) -> dict[str, Any]:
    current = _product_sales(period=period, currency=currency, by="category")
    previous = _product_sales(period=period.previous(), currency=currency, by="category")
    ids = [key[0] for key in current if key[0] is not None]
    names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
    total = sum((row["net"] for row in current.values()), Decimal(0))
    rows = [
        {
            "category_id": key[0],
            "category": names.get(key[0], "(no category)"),
            "quantity": row["quantity_sold"],
            "revenue": money(row["net"], currency),
            "share": share(row["net"], total),
            "previous_revenue": money(previous.get(key, {}).get("net"), currency),
            "change": change_ratio(row["net"], previous.get(key, {}).get("net", 0)),
        }
        for key, row in current.items()
    ]
    rows.sort(key=lambda row: (-row["revenue"].amount, row["category"]))
    return {"currency": currency, "rows": rows}


class ProductRanking:
    TOP = "top"  # most revenue in the period
    RISING = "rising"  # most revenue gained on the previous period
    FALLING = "falling"  # most revenue lost on the previous period
    CHOICES = (TOP, RISING, FALLING)


def list_products(*, period: Period, currency: str, ranking: str, limit: int) -> dict[str, Any]:
    return cached_report(
        "products",
        lambda: _build_products(period=period, currency=currency, ranking=ranking, limit=limit),
        period=period,
        currency=currency,
        ranking=ranking,
        limit=limit,
    )


NO_LONGER_SOLD = "(products no longer sold)"


def _sales_to_day(*, day: date, last_kept: date | None) -> list[tuple[str, date, date | None, int]]:
    """Where each product's sales before ``day`` are read: parts of (table, from, until, sign).

    A running total at a month start (``ProductSalesToDate``), plus the daily rows from it up
    to the day, or minus the daily rows from the day up to the next month start when that is
    nearer: never more than half a month of daily rows. Before any month start is kept (a new
    shop, or before the first refresh), all the daily rows before the day.
    """
    if last_kept is None:
        return [("daily", date.min, day, 1)]
    start = min(month_start(day), last_kept)
    following = next_month(start)
    if following <= last_kept and (following - day) < (day - start):
        return [("to_date", following, None, 1), ("daily", day, following, -1)]
    return [("to_date", start, None, 1), ("daily", start, day, 1)]


def _weighted(column: str, weight: int) -> str:
    """A column counted ``weight`` times: NULL, not a zero, where it does not count, because
    ``SUM`` skips a NULL for free but adds a ``numeric`` zero like any other number (two thirds
    of a product report's rows count on one side only)."""
    if weight == 0:
        return f"CAST(NULL AS {'BIGINT' if column == 'quantity' else 'NUMERIC'})"
    return {1: column, -1: f"-{column}"}[weight]


def _build_products(*, period: Period, currency: str, ranking: str, limit: int) -> dict[str, Any]:
    """Every product's sales in the period and the previous one, ranked in the database.

    Sales between two days are the difference of the sales before each (see
    :func:`_sales_to_day`), so a year costs what a week does: three boundaries, each one row
    per product and a few days of daily rows, added up in one statement.
    """
    last_kept = ProductSalesToDate.objects.aggregate(last=Max("month"))["last"]
    boundaries = (period.previous().start, period.start, period.end + timedelta(days=1))
    # Weights of the sales before each boundary in the period (now) and the one before (before).
    weights = ((0, -1), (-1, 1), (1, 0))
    to_date, daily = ProductSalesToDate._meta.db_table, DailyProductSales._meta.db_table
    parts: list[str] = []
    params: list[Any] = []
    for boundary, (now, before) in zip(boundaries, weights, strict=True):
        for table, since, until, sign in _sales_to_day(day=boundary, last_kept=last_kept):
            now_weight, before_weight = sign * now, sign * before
            columns = (
                f"product_id, {_weighted('quantity', now_weight)} AS now_units, "
                f"{_weighted('net_amount', now_weight)} AS now_net, "
                f"{_weighted('quantity', before_weight)} AS before_units, "
                f"{_weighted('net_amount', before_weight)} AS before_net"
            )
            if table == "to_date":
                # Only table names and integer weights are written into the SQL; values are bound.
                parts.append(f"SELECT {columns} FROM {to_date} WHERE currency = %s AND month = %s")  # noqa: S608  # nosec B608
                params += [currency, since]
            else:
                parts.append(
                    f"SELECT {columns} FROM {daily} WHERE currency = %s AND day >= %s AND day < %s"  # noqa: S608  # nosec B608
                )
                params += [currency, since, until]
    change = "ROUND(COALESCE(SUM(now_net), 0) - COALESCE(SUM(before_net), 0), 2)"
    having, order, order_after = {
        ProductRanking.TOP: (
            "ROUND(SUM(now_net), 2) <> 0 OR SUM(now_units) <> 0",
            "COALESCE(SUM(now_net), 0) DESC",
            "net DESC",
        ),
        ProductRanking.RISING: (f"{change} > 0", f"{change} DESC", "ROUND(net - net_before, 2) DESC"),
        ProductRanking.FALLING: (f"{change} < 0", f"{change} ASC", "ROUND(net - net_before, 2) ASC"),
    }[ranking]
    # Ranked and cut to ``limit`` before the names are joined (ties go by product id), so the
    # join reads twenty products, not fifty thousand rows.
    sql = (
        "SELECT ranked.product_id, product.name, units, net, units_before, net_before FROM ("  # noqa: S608  # nosec B608
        "SELECT product_id, COALESCE(SUM(now_units), 0) AS units, COALESCE(SUM(now_net), 0) AS net, "
        "COALESCE(SUM(before_units), 0) AS units_before, COALESCE(SUM(before_net), 0) AS net_before "
        f"FROM ({' UNION ALL '.join(parts)}) AS sold "
        f"GROUP BY product_id HAVING {having} ORDER BY {order}, product_id LIMIT %s"
        f") AS ranked LEFT JOIN {Product._meta.db_table} AS product ON product.id = ranked.product_id "
        f"ORDER BY {order_after}, ranked.product_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        found = cursor.fetchall()
    rows = []
    for product_id, product_name, units, net, units_before, net_before in found:
        net, net_before = _cents(net), _cents(net_before)
        rows.append(
            {
                "product_id": product_id,
                "product": product_name or NO_LONGER_SOLD,
                "quantity": int(units or 0),
                "revenue": money(net, currency),
                "previous_quantity": int(units_before or 0),
                "previous_revenue": money(net_before, currency),
                "revenue_change": money(net - net_before, currency),
                "change": change_ratio(net, net_before),
            }
        )
    return {"currency": currency, "ranking": ranking, "rows": rows}


def _as_date(value: date | datetime | str) -> date:
    """A day from raw SQL: PostgreSQL truncates a date to a midnight timestamp, SQLite to text."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)


def _cents(value: Decimal | float | int | None) -> Decimal:
    """A sum from raw SQL as a Decimal of cents (SQLite adds decimals up as floats)."""
    return Decimal(str(value or 0)).quantize(CENTS, rounding=ROUND_HALF_UP)


# --- Customers ----------------------------------------------------------------------------------------


def get_new_and_returning_customers(
    *, period: Period, granularity: Granularity, currency: str
) -> dict[str, Any]:
    return cached_report(
        "customers",
        lambda: _build_new_and_returning(period=period, granularity=granularity, currency=currency),
        period=period,
        granularity=granularity,
        currency=currency,
    )


def _build_new_and_returning(*, period: Period, granularity: Granularity, currency: str) -> dict[str, Any]:
    """A customer is *new* in the bucket of their first sale ever and *returning* in any later
    one. Guests (orders without an account) cannot be told apart, so they are counted apart.

    One pass over the period's customer-days in customer and day order (an index holds them so):
    each row knows the customer's previous day in the period, so the first row of a customer in
    a bucket counts them in that bucket, and the first row in the period counts them in the
    totals. A customer has exactly one row on their first sale day ever: the new customers are
    those rows. No ``COUNT(DISTINCT)``, no sort, and the totals come from the same rows.
    """
    days = (
        CustomerDay.objects.filter(day__gte=period.start, day__lte=period.end, currency=currency)
        .annotate(
            bucket=Trunc("day", str(granularity), output_field=DateField()),
            previous_day=Window(Lag("day"), partition_by=[F("customer_id")], order_by=F("day").asc()),
        )
        .values("bucket", "day", "first_day", "orders", "net_amount", "previous_day")
        .order_by()
    )
    inner, params = days.query.sql_with_params()
    # Django cannot aggregate over a window function in one query: the days are a subquery.
    sql = (
        "SELECT bucket, "  # noqa: S608  # nosec B608: only the ORM's own SQL is written in
        "SUM(CASE WHEN previous_day IS NULL OR previous_day < bucket THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN previous_day IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN day = first_day THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN first_day >= bucket THEN net_amount END), "  # first sale in this bucket
        "SUM(net_amount), SUM(orders) "
        f"FROM ({inner}) AS customer_days GROUP BY bucket"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    per_bucket: dict[date, dict[str, Any]] = {}
    totals = {"customers": 0, "new": 0}
    for bucket, customers, first_in_period, new, new_net, net, customer_orders in found:
        new_net, net = _cents(new_net), _cents(net)
        per_bucket[_as_date(bucket)] = {
            "new": new,
            "returning": customers - new,
            "new_net": new_net,
            "returning_net": net - new_net,
            "customer_orders": customer_orders,
        }
        totals["customers"] += first_in_period
        totals["new"] += new
    sales: dict[date, dict[str, Any]] = defaultdict(lambda: {"orders": 0, "net": Decimal(0)})
    for day, row in _daily_sales(period=period, currency=currency).items():
        sales[bucket_start(day, granularity)]["orders"] += row["orders"]
        sales[bucket_start(day, granularity)]["net"] += row["net"]
    empty: dict[str, Any] = {
        "new": 0,
        "returning": 0,
        "new_net": Decimal(0),
        "returning_net": Decimal(0),
        "customer_orders": 0,
    }
    rows = []
    for bucket in list_buckets(period, granularity):
        entry, sold = per_bucket.get(bucket, empty), sales[bucket]
        rows.append(
            {
                "bucket": bucket,
                "new_customers": entry["new"],
                "returning_customers": entry["returning"],
                "new_revenue": money(entry["new_net"], currency),
                "returning_revenue": money(entry["returning_net"], currency),
                "guest_orders": sold["orders"] - entry["customer_orders"],
                "guest_revenue": money(sold["net"] - entry["new_net"] - entry["returning_net"], currency),
            }
        )
    return {
        "currency": currency,
        "totals": {
            "customers": totals["customers"],
            "new_customers": totals["new"],
            "returning_customers": totals["customers"] - totals["new"],
        },
        "rows": rows,
    }


def get_cohort_retention(*, period: Period, currency: str) -> dict[str, Any]:
    return cached_report(
        "cohorts",
        lambda: _build_cohort_retention(period=period, currency=currency),
        period=period,
        currency=currency,
    )


def _build_cohort_retention(*, period: Period, currency: str) -> dict[str, Any]:
    """Customers grouped by the month of their first sale (months the period touches), and the
    share of each cohort that bought again in each month after, up to the period's end."""
    first_month = month_start(period.start)
    counts = (
        CustomerDay.objects.filter(currency=currency, day__gte=first_month, day__lte=period.end)
        .filter(first_day__gte=first_month)
        .annotate(
            cohort=TruncMonth("first_day", output_field=DateField()),
            month=TruncMonth("day", output_field=DateField()),
        )
        .values("cohort", "month")
        .annotate(customers=Count("customer_id", distinct=True))
        .order_by("cohort", "month")
    )
    by_cohort: dict[date, dict[int, int]] = defaultdict(dict)
    for row in counts:
        by_cohort[row["cohort"]][months_between(row["cohort"], row["month"])] = row["customers"]
    rows = []
    for cohort in list_buckets(Period(start=first_month, end=period.end), Granularity.MONTH):
        active = by_cohort.get(cohort, {})
        size = active.get(0, 0)
        span = months_between(cohort, month_start(period.end))
        rows.append(
            {
                "cohort": cohort,
                "customers": size,
                "retention": [
                    {
                        "month": offset,
                        "customers": active.get(offset, 0),
                        "share": share(active.get(offset, 0), size),
                    }
                    for offset in range(span + 1)
                ],
            }
        )
    return {"currency": currency, "rows": rows}


# --- RFM --------------------------------------------------------------------------------------------------


def _scored_customers(*, period: Period, currency: str) -> pd.DataFrame:
    # pandas is loaded by the first RFM report a process builds, not by every web process.
    import pandas as pd

    from emporium.analytics.rfm import score_customers

    def build() -> pd.DataFrame:
        # Whole cents added up by the database and read straight into typed columns: building
        # a Decimal and a date object per customer (100,000 at the benchmark size) and turning
        # them back into numbers took longer than the query. Columns of Python objects also
        # took longer to pickle into the cache than the query to run.
        per_customer = (
            CustomerDay.objects.filter(day__gte=period.start, day__lte=period.end, currency=currency)
            .values("customer_id")
            .annotate(last_day=Max("day"), order_count=Sum("orders"), net=Sum("net_amount"))
            .order_by()
        )
        inner, params = per_customer.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT customer_id, last_day, order_count, CAST(ROUND(net * 100) AS BIGINT) "  # noqa: S608  # nosec B608
                f"FROM ({inner}) AS per_customer",
                params,
            )
            found = cursor.fetchall()
        columns = ["customer_id", "last_day", "orders", "net_cents"]
        frame = pd.DataFrame.from_records(found, columns=columns).astype(
            {"customer_id": "int64", "orders": "int64", "net_cents": "int64"}
        )
        frame["last_day"] = pd.to_datetime(frame["last_day"])
        scored = score_customers(frame, as_of=period.end, value="net_cents")
        return scored.assign(segment=scored["segment"].astype("category"))

    return cached_report("rfm-frame", build, period=period, currency=currency)


def list_rfm_segments(*, period: Period, currency: str) -> dict[str, Any]:
    frame = _scored_customers(period=period, currency=currency)
    cents_by_segment = frame.groupby("segment")["net_cents"].sum()
    counts = frame["segment"].value_counts()
    total = _from_cents(int(frame["net_cents"].sum()))
    rows = []
    for segment in SEGMENTS:
        revenue = _from_cents(int(cents_by_segment.get(segment, 0)))
        members = int(counts.get(segment, 0))
        rows.append(
            {
                "segment": segment,
                "customers": members,
                "revenue": money(revenue, currency),
                "revenue_share": share(revenue, total),
                "average_revenue": money(revenue / members if members else 0, currency),
            }
        )
    return {"currency": currency, "as_of": period.end, "rows": rows}


def _from_cents(cents: int) -> Decimal:
    return Decimal(cents) / 100


def list_customers_in_segment(
    *, period: Period, currency: str, segment: str, limit: int, offset: int
) -> dict[str, Any]:
    """The customers of one segment, highest spenders first."""
    if segment not in SEGMENTS:
        raise UnknownSegment(segment=segment)
    frame = _scored_customers(period=period, currency=currency)
    members = frame[frame["segment"] == segment].sort_values(
        ["net_cents", "customer_id"], ascending=[False, True]
    )
    page = members.iloc[offset : offset + limit]
    emails = dict(User.objects.filter(pk__in=page["customer_id"].tolist()).values_list("pk", "email"))
    rows = [
        {
            "customer_id": int(record.customer_id),
            "email": emails.get(int(record.customer_id), ""),
            "last_order_day": record.last_day.date(),
            "recency_days": int(record.recency_days),
            "orders": int(record.orders),
            "revenue": money(_from_cents(int(record.net_cents)), currency),
            "r": int(record.r),
            "f": int(record.f),
            "m": int(record.m),
        }
        for record in page.itertuples()
    ]
    return {"currency": currency, "segment": segment, "count": len(members), "rows": rows}


# --- Storefront events: the funnel and recommendations ---------------------------------------------------


class StorefrontEvent:
    PRODUCT_VIEW = "product_view"
    ADD_TO_CART = "add_to_cart"
    RECOMMENDATION_CLICK = "recommendation_click"


def count_storefront_events(*, period: Period, by_widget: bool = False) -> dict[Any, int]:
    """The one place analytics reads storefront events (recorded by the recommendations app):
    counts per event kind in the period, or clicks per recommendation widget with ``by_widget``.
    """
    start, until = period.bounds()
    events = Event.objects.filter(occurred_at__gte=start, occurred_at__lt=until)
    if by_widget:
        clicks = events.filter(kind=EventKind.CLICK).values_list("widget").annotate(count=Count("pk"))
        return dict(clicks.order_by())
    counted = dict(events.values_list("kind").annotate(count=Count("pk")).order_by())
    return {
        StorefrontEvent.PRODUCT_VIEW: counted.get(EventKind.VIEW, 0),
        StorefrontEvent.ADD_TO_CART: counted.get(EventKind.ADD_TO_CART, 0),
        StorefrontEvent.RECOMMENDATION_CLICK: counted.get(EventKind.CLICK, 0),
    }


# A click leads to an order when the same customer places it within this many days.
ATTRIBUTION_DAYS = 7


def count_orders_attributed_to_recommendations(*, period: Period, currency: str) -> dict[str, dict[str, Any]]:
    """Orders and revenue per recommendation widget.

    An order placed (and counted as a sale) in the period is the widget's when its customer
    clicked one of the order's products in that widget in the ``ATTRIBUTION_DAYS`` before; the
    widget gets that product's lines, net of nothing (refunds are shop-wide, not per line). Only
    logged-in customers are followed: a visitor's click has no order to meet. Two widgets that
    led to the same line share it, each counting it, as every "last touch" report does.
    """
    start, until = period.bounds()
    clicks = Event.objects.filter(
        kind=EventKind.CLICK,
        customer__isnull=False,
        occurred_at__gte=start - timedelta(days=ATTRIBUTION_DAYS),
        occurred_at__lt=until,
    ).values_list("customer_id", "product_id", "widget", "occurred_at")
    clicked: dict[tuple[int, int], list[tuple[str, datetime]]] = defaultdict(list)
    for customer_id, product_id, widget, occurred_at in clicks:
        clicked[(customer_id, product_id)].append((widget, occurred_at))
    if not clicked:
        return {}
    lines = (
        OrderLine.objects.filter(
            is_sale(through="order__"),
            order__placed_at__gte=start,
            order__placed_at__lt=until,
            order__currency=currency,
            order__customer_id__in={customer for customer, _ in clicked},
            variant__product_id__in={product for _, product in clicked},
        )
        .values_list(
            "order_id", "order__customer_id", "variant__product_id", "order__placed_at", "total_amount"
        )
        .order_by()
    )
    orders: dict[str, set[int]] = defaultdict(set)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    window = timedelta(days=ATTRIBUTION_DAYS)
    for order_id, customer_id, product_id, placed_at, amount in lines:
        widgets = {
            widget
            for widget, occurred_at in clicked.get((customer_id, product_id), ())
            if placed_at - window <= occurred_at <= placed_at
        }
        for widget in widgets:
            orders[widget].add(order_id)
            revenue[widget] += amount
    return {widget: {"orders": len(orders[widget]), "net": revenue[widget]} for widget in orders}


def get_funnel(*, period: Period, currency: str) -> dict[str, Any]:
    return cached_report(
        "funnel", lambda: _build_funnel(period=period, currency=currency), period=period, currency=currency
    )


def _funnel_counts(*, period: Period, currency: str) -> dict[str, int | None]:
    events = count_storefront_events(period=period)
    orders = DailySales.objects.filter(
        day__gte=period.start, day__lte=period.end, currency=currency
    ).aggregate(placed=Coalesce(Sum("placed_orders"), 0), paid=Coalesce(Sum("sale_orders"), 0))
    return {
        StorefrontEvent.PRODUCT_VIEW: events.get(StorefrontEvent.PRODUCT_VIEW),
        StorefrontEvent.ADD_TO_CART: events.get(StorefrontEvent.ADD_TO_CART),
        "checkout": orders["placed"],  # a checkout completed is an order placed
        "paid": orders["paid"],
    }


def _build_funnel(*, period: Period, currency: str) -> dict[str, Any]:
    current = _funnel_counts(period=period, currency=currency)
    previous = _funnel_counts(period=period.previous(), currency=currency)
    rows = []
    before: int | None = None
    first = next((count for count in current.values() if count is not None), None)
    for stage, count in current.items():
        rows.append(
            {
                "stage": stage,
                "count": count,
                "previous_count": previous[stage],
                "rate_from_previous_stage": None if count is None or before is None else share(count, before),
                "rate_from_first_stage": None if count is None or first is None else share(count, first),
            }
        )
        if count is not None:
            before = count
    return {
        "currency": currency,
        "events_available": True,
        "rows": rows,
    }


def get_recommendation_contribution(*, period: Period, currency: str) -> dict[str, Any]:
    clicks = count_storefront_events(period=period, by_widget=True)
    attributed = count_orders_attributed_to_recommendations(period=period, currency=currency)
    sales = DailySales.objects.filter(
        day__gte=period.start, day__lte=period.end, currency=currency
    ).aggregate(net=Coalesce(Sum("net_amount"), 0, output_field=MONEY))
    rows = []
    for widget in sorted(set(clicks) | set(attributed)):
        won = attributed.get(widget, {"orders": 0, "net": Decimal(0)})
        rows.append(
            {
                "widget": widget,
                "clicks": clicks.get(widget, 0),
                "orders": won["orders"],
                "revenue": money(won["net"], currency),
                "revenue_share": share(won["net"], sales["net"]),
            }
        )
    return {
        "currency": currency,
        "events_available": True,
        "total_revenue": money(sales["net"], currency),
        "rows": rows,
    }
