"""Keeping the daily roll-ups (emporium.analytics.models) in step with the orders.

A day is rebuilt whole from its orders, inside one transaction, so refreshing the same day
twice, or two workers refreshing it at once, leaves the same rows (refreshes take the
RollupState row's lock first, so they run one after the other). Callers:
the receiver of order status changes (the day of the order that moved, after its commit),
the periodic task (every day some order changed since the last run: placed, paid, refunded),
and ``manage.py rebuild_analytics`` (all of history).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from emporium.analytics.models import CustomerDay, DailyProductSales, DailySales, RollupState
from emporium.analytics.periods import Period
from emporium.analytics.selectors import is_sale
from emporium.orders.models import Order, OrderLine, OrderStatus

# Orders whose transaction commits after the refresh that began before it still get folded in:
# each run looks this far back behind its watermark (re-doing a few days costs little).
COMMIT_LAG = timedelta(minutes=5)
REBUILD_SPAN_DAYS = 31

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
    DailyProductSales.objects.filter(day__gte=period.start, day__lte=period.end).delete()
    CustomerDay.objects.filter(day__gte=period.start, day__lte=period.end).delete()

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
    _bump_version()


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
    day = start
    while day <= end:
        span_end = min(day + timedelta(days=REBUILD_SPAN_DAYS - 1), end)
        refresh_rollups(period=Period(start=day, end=span_end))
        day = span_end + timedelta(days=1)
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
