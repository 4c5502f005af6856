"""Keeping the daily roll-ups (emporium.analytics.models) in step with the orders.

A day is rebuilt whole from its orders, inside one transaction, so refreshing the same day
twice, or two workers refreshing it at once, leaves the same rows (refreshes take the
RollupState row's lock first, so they run one after the other). Callers:
the receiver of order status changes (the day of the order that moved, after its commit),
the periodic task (every day some order changed since the last run: placed, paid, refunded),
and ``manage.py rebuild_analytics`` (all of history).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from emporium.analytics.models import (
    CustomerDay,
    DailyCategorySales,
    DailyProductSales,
    DailySales,
    ProductSalesToDate,
    RollupState,
)
from emporium.analytics.periods import Period, month_start, next_month
from emporium.analytics.selectors import is_sale
from emporium.orders.models import Order, OrderLine, OrderStatus

# Orders whose transaction commits after the refresh that began before it still get folded in:
# each run looks this far back behind its watermark (re-doing a few days costs little).
COMMIT_LAG = timedelta(minutes=5)
REBUILD_SPAN_DAYS = 31
FIRST_DAY_BATCH = 2_000  # customers per UPDATE (SQLite caps the parameters of one statement)

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = 0


def _net_of(prefix: str = "") -> ExpressionWrapper:
    return ExpressionWrapper(F(f"{prefix}total_amount") - F(f"{prefix}refunded_amount"), output_field=MONEY)


@transaction.atomic
def refresh_rollups(*, period: Period) -> None:
    """Rebuild every roll-up row of the period's days from the orders placed on them.

    Refreshes queue on the one RollupState row: a second refresh of the same day waits for the
    first to commit and then deletes what it wrote, so two workers never leave a day twice.
    """
    _locked_state()
    since, until = period.bounds()
    zone = timezone.get_current_timezone()
    orders = Order.objects.filter(placed_at__gte=since, placed_at__lt=until).order_by()
    DailySales.objects.filter(day__gte=period.start, day__lte=period.end).delete()
    product_sums_before = _product_sums_by_month(period=period)
    DailyProductSales.objects.filter(day__gte=period.start, day__lte=period.end).delete()
    DailyCategorySales.objects.filter(day__gte=period.start, day__lte=period.end).delete()
    customer_days = CustomerDay.objects.filter(day__gte=period.start, day__lte=period.end)
    customers_touched = set(customer_days.values_list("customer_id", flat=True).distinct().order_by())
    customer_days.delete()

    sale = is_sale()
    daily = (
        orders.annotate(day=TruncDate("placed_at", tzinfo=zone))
        .values("day", "currency", "country")
        .annotate(
            placed=Count("pk"),
            cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED)),
            sales=Count("pk", filter=sale),
            gross=Coalesce(Sum("total_amount", filter=sale), ZERO, output_field=MONEY),
            refunded_total=Coalesce(Sum("refunded_amount", filter=sale), ZERO, output_field=MONEY),
        )
    )
    DailySales.objects.bulk_create(
        DailySales(
            day=row["day"],
            currency=row["currency"],
            country=row["country"],
            placed_orders=row["placed"],
            cancelled_orders=row["cancelled"],
            sale_orders=row["sales"],
            gross_amount=row["gross"],
            refunded_amount=row["refunded_total"],
            net_amount=row["gross"] - row["refunded_total"],
        )
        for row in daily
    )

    # Lines of sales not refunded in full: a refund in part is money back on the order, not
    # on a line we could name, so products keep their line totals (see the README).
    lines = (
        OrderLine.objects.filter(order__in=orders.filter(sale).exclude(status=OrderStatus.REFUNDED))
        .annotate(day=TruncDate("order__placed_at", tzinfo=zone))
        .values("day", "order__currency", "variant__product_id", "variant__product__category_id")
        .annotate(name=Max("product_name"), quantity_sold=Sum("quantity"), amount=Sum("total_amount"))
        .order_by()
    )
    DailyProductSales.objects.bulk_create(
        DailyProductSales(
            day=row["day"],
            currency=row["order__currency"],
            product_id=row["variant__product_id"],
            product_name=row["name"] if row["variant__product_id"] else "(products no longer sold)",
            category_id=row["variant__product__category_id"],
            quantity=row["quantity_sold"],
            net_amount=row["amount"],
        )
        for row in lines
    )
    fill_category_sales(period=period)
    _carry_into_sales_to_date(before=product_sums_before, after=_product_sums_by_month(period=period))

    customers = (
        orders.filter(sale, customer__isnull=False)
        .annotate(day=TruncDate("placed_at", tzinfo=zone))
        .values("day", "currency", "customer_id")
        .annotate(count=Count("pk"), net=Sum(_net_of()))
    )
    CustomerDay.objects.bulk_create(
        CustomerDay(
            day=row["day"],
            currency=row["currency"],
            customer_id=row["customer_id"],
            orders=row["count"],
            net_amount=row["net"],
        )
        for row in customers
    )
    customers_touched.update(customer_days.values_list("customer_id", flat=True).distinct().order_by())
    mark_first_sale_days(customer_ids=customers_touched)
    _bump_version()


# --- Product sales to date: running totals at each month start --------------------------------------

ProductMonthKey = tuple[date, str, int | None]  # the month start that follows the days, currency, product


def _product_sums_by_month(*, period: Period) -> dict[ProductMonthKey, tuple[int, Decimal]]:
    """The period's product rows added up per product and per the month start that follows them,
    for the month starts that are kept (days after the last one count in no running total yet)."""
    last = _last_month_kept()
    if last is None or period.start >= last:
        return {}
    sums: dict[ProductMonthKey, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    rows = (
        DailyProductSales.objects.filter(day__gte=period.start, day__lte=period.end, day__lt=last)
        .annotate(month=TruncMonth("day"))
        .values("month", "currency", "product_id")
        .annotate(units=Sum("quantity"), net=Sum("net_amount"))
        .values_list("month", "currency", "product_id", "units", "net")
        .order_by()
    )
    for month, currency, product_id, units, net in rows:
        key = (next_month(month), currency, product_id)
        sums[key] = (sums[key][0] + units, sums[key][1] + net)
    return sums


def _carry_into_sales_to_date(
    *, before: dict[ProductMonthKey, tuple[int, Decimal]], after: dict[ProductMonthKey, tuple[int, Decimal]]
) -> None:
    """Add what a refresh changed to every running total kept after the changed days.

    A refund of an order from three years ago changes its product's totals at every month start
    since; a refresh of this month's days changes none (their month start is not kept yet).
    """
    if not before and not after:
        return
    months = list(ProductSalesToDate.objects.values_list("month", flat=True).distinct().order_by("month"))
    changes: dict[tuple[str, int | None], dict[date, tuple[int, Decimal]]] = defaultdict(dict)
    for key in before.keys() | after.keys():
        old, new = before.get(key, (0, Decimal(0))), after.get(key, (0, Decimal(0)))
        if old != new:
            changes[(key[1], key[2])][key[0]] = (new[0] - old[0], new[1] - old[1])
    rows = []
    for (currency, product_id), by_month in changes.items():
        pending = sorted(by_month.items())  # days before the first month kept count from it on
        units, net, taken = 0, Decimal(0), 0
        for month in months:
            while taken < len(pending) and pending[taken][0] <= month:
                units, net = units + pending[taken][1][0], net + pending[taken][1][1]
                taken += 1
            if units or net:
                rows.append((month, currency, product_id, units, net))
    table = ProductSalesToDate._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (month, currency, product_id, quantity, net_amount) "  # noqa: S608  # nosec B608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (month, currency, product_id) DO UPDATE SET "
            f"quantity = {table}.quantity + excluded.quantity, "
            f"net_amount = {table}.net_amount + excluded.net_amount",
            rows,
        )


def _last_month_kept() -> date | None:
    return ProductSalesToDate.objects.aggregate(last=Max("month"))["last"]


@transaction.atomic
def extend_sales_to_date(*, today: date | None = None) -> int:
    """Add the running totals of every month start not kept yet, up to this month's. Returns
    how many month starts were added (one a month; all of history after a rebuild)."""
    _locked_state()
    days = DailyProductSales.objects.aggregate(first=Min("day"), last=Max("day"))
    if days["first"] is None:
        return 0
    # Up to this month's start, or the one after the last sale if the shop has been quiet
    # since: later month starts would only copy it.
    current = min(month_start(today or timezone.localdate()), next_month(days["last"]))
    last = _last_month_kept()
    if last is None:
        month, previous = next_month(days["first"]), None
    else:
        month, previous = next_month(last), last
    table, daily = ProductSalesToDate._meta.db_table, DailyProductSales._meta.db_table
    added = 0
    with connection.cursor() as cursor:
        while month <= current:
            cursor.execute(
                f"INSERT INTO {table} (month, currency, product_id, quantity, net_amount) "  # noqa: S608  # nosec B608
                "SELECT %s, currency, product_id, SUM(quantity), SUM(net_amount) FROM ("
                f"  SELECT currency, product_id, quantity, net_amount FROM {table} WHERE month = %s"
                "   UNION ALL"
                f"  SELECT currency, product_id, quantity, net_amount FROM {daily}"
                "   WHERE day >= %s AND day < %s"
                ") AS sold GROUP BY currency, product_id",
                [month, previous or month, previous or date.min, month],
            )
            previous, month, added = month, next_month(month), added + 1
    if added:
        _bump_version()
    return added


def mark_first_sale_days(*, customer_ids: Iterable[int]) -> None:
    """Write each customer's first sale day (per currency) on all their rows.

    Called with every customer whose rows a refresh deleted or wrote: a first sale that was
    cancelled moves their first day later, an older order imported moves it earlier.
    """
    ids = sorted(customer_ids)
    first = (
        CustomerDay.objects.filter(customer_id=OuterRef("customer_id"), currency=OuterRef("currency"))
        .order_by("day")
        .values("day")[:1]
    )
    for start in range(0, len(ids), FIRST_DAY_BATCH):
        CustomerDay.objects.filter(customer_id__in=ids[start : start + FIRST_DAY_BATCH]).update(
            first_day=Subquery(first, output_field=DateField())
        )


def fill_category_sales(*, period: Period) -> None:
    """The period's category rows, added up from its product rows (built just before)."""
    DailyCategorySales.objects.bulk_create(
        DailyCategorySales(
            day=row["day"],
            currency=row["currency"],
            category_id=row["category_id"],
            quantity=row["units"],
            net_amount=row["net"],
        )
        for row in DailyProductSales.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("day", "currency", "category_id")
        .annotate(units=Sum("quantity"), net=Sum("net_amount"))
        .order_by()
    )


def refresh_rollups_for_days(*, days: Iterable[date]) -> None:
    for day in sorted(set(days)):
        refresh_rollups(period=Period(start=day, end=day))


def rebuild_all_rollups() -> int:
    """Every day from the first order to the last, a month per transaction. Returns the days."""
    first = Order.objects.order_by("placed_at").values_list("placed_at", flat=True).first()
    last = Order.objects.order_by("-placed_at").values_list("placed_at", flat=True).first()
    if first is None or last is None:
        return 0
    start, end = timezone.localdate(first), timezone.localdate(last)
    ProductSalesToDate.objects.all().delete()  # rebuilt whole below, once the days are
    day = start
    while day <= end:
        span_end = min(day + timedelta(days=REBUILD_SPAN_DAYS - 1), end)
        refresh_rollups(period=Period(start=day, end=span_end))
        day = span_end + timedelta(days=1)
    extend_sales_to_date()
    with transaction.atomic():
        state = _locked_state()
        state.orders_changed_until = timezone.now()
        state.save(update_fields=["orders_changed_until"])
    return (end - start).days + 1


def refresh_changed_orders(*, now: datetime | None = None) -> int:
    """Fold in the orders changed since the last run (placed, paid, refunded, cancelled).

    The first run ever rebuilds all of history. Returns how many days were rebuilt.
    """
    now = now or timezone.now()
    with transaction.atomic():
        state = _locked_state()
        since = state.orders_changed_until
    if since is None:
        return rebuild_all_rollups()
    zone = timezone.get_current_timezone()
    days = set(
        Order.objects.filter(updated_at__gt=since - COMMIT_LAG, updated_at__lte=now)
        .annotate(day=TruncDate("placed_at", tzinfo=zone))
        .values_list("day", flat=True)
        .order_by()
        .distinct()
    )
    refresh_rollups_for_days(days=days)
    extend_sales_to_date(today=timezone.localdate(now))
    with transaction.atomic():
        state = _locked_state()
        if state.orders_changed_until is None or state.orders_changed_until < now:
            state.orders_changed_until = now
            state.save(update_fields=["orders_changed_until"])
    return len(days)


def _locked_state() -> RollupState:
    RollupState.objects.get_or_create(pk=1)
    return RollupState.objects.select_for_update().get(pk=1)


def _bump_version() -> None:
    RollupState.objects.get_or_create(pk=1)
    RollupState.objects.filter(pk=1).update(version=F("version") + 1)
