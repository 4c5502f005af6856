"""Running totals of product sales at month starts: always the sum of the daily rows before them,
and a period's product ranking read through them equal to adding up its days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from emporium.analytics import selectors
from emporium.analytics.models import DailyProductSales, ProductSalesToDate
from emporium.analytics.periods import Period, next_month
from emporium.analytics.services import extend_sales_to_date, rebuild_all_rollups, refresh_rollups
from emporium.analytics.tests.factories import make_order
from emporium.catalog.tests.factories import make_product
from emporium.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def _assert_totals_agree_with_the_days() -> None:
    kept = ProductSalesToDate.objects.values_list("month", "currency", "product_id", "quantity", "net_amount")
    assert kept, "no running totals were kept"
    for month, currency, product_id, quantity, net in kept:
        days = DailyProductSales.objects.filter(day__lt=month, currency=currency, product_id=product_id)
        totals = days.aggregate(units=Sum("quantity"), net=Sum("net_amount"))
        assert (quantity, net) == (totals["units"] or 0, totals["net"] or Decimal(0)), (month, product_id)


def _ranking_by_adding_up_days(period: Period) -> list[tuple[str, Decimal, Decimal]]:
    def revenue(of: Period) -> dict[tuple[int, str], Decimal]:
        rows = DailyProductSales.objects.filter(day__gte=of.start, day__lte=of.end, currency="GBP")
        by_product = rows.values("product_id", "product__name").annotate(net=Sum("net_amount"))
        return {(row["product_id"], row["product__name"]): row["net"] for row in by_product}

    now, before = revenue(period), revenue(period.previous())
    ranked = sorted(now, key=lambda key: (-now[key], key[0]))  # ties by product id
    return [(key[1], now[key], before.get(key, Decimal(0))) for key in ranked]


@pytest.fixture
def shop() -> dict[str, object]:
    lamp, clock, vase = make_product("Lamp"), make_product("Clock"), make_product("Vase")
    start = date(2025, 11, 1)
    for offset in range(0, 230, 3):  # November 2025 to mid-June 2026, every third day
        day = start + timedelta(days=offset)
        make_order(day=day, total=f"{10 + offset % 7}.00", product=lamp, quantity=1 + offset % 3)
        if offset % 2:
            make_order(day=day, total="25.50", product=clock)
        if offset > 150:
            make_order(day=day, total="4.25", product=vase, quantity=2)
    rebuild_all_rollups()  # keeps every month start up to today's
    return {"lamp": lamp, "clock": clock, "vase": vase}


def test_each_month_start_holds_the_sales_of_every_day_before_it(shop):
    months = sorted(set(ProductSalesToDate.objects.values_list("month", flat=True)))
    # From the first month start after the first sale (November) to the one after the last
    # sale (June): later month starts would copy it, so they wait for the next sale.
    expected, month = [], date(2025, 12, 1)
    while month <= date(2026, 7, 1):
        expected.append(month)
        month = next_month(month)
    assert months == expected
    _assert_totals_agree_with_the_days()


def test_a_new_month_start_is_added_once_and_a_shop_without_sales_keeps_none(shop):
    assert extend_sales_to_date() == 0  # nothing sold since
    make_order(day=date(2026, 9, 3), total="5.00", product=shop["vase"])
    refresh_rollups(period=Period(start=date(2026, 9, 3), end=date(2026, 9, 3)))
    assert extend_sales_to_date(today=date(2026, 9, 5)) == 2  # August and September
    assert extend_sales_to_date(today=date(2026, 10, 5)) == 1
    _assert_totals_agree_with_the_days()
    ProductSalesToDate.objects.all().delete()
    DailyProductSales.objects.all().delete()
    assert extend_sales_to_date() == 0


@pytest.mark.parametrize(
    "period",
    [
        Period(start=date(2026, 3, 1), end=date(2026, 3, 31)),  # whole months
        Period(start=date(2026, 2, 3), end=date(2026, 4, 27)),  # edges near the month starts
        Period(start=date(2026, 1, 17), end=date(2026, 5, 14)),  # edges mid-month
        Period(start=date(2026, 5, 20), end=date(2026, 6, 18)),  # into the month not kept yet
        Period(start=date(2025, 11, 2), end=date(2025, 11, 29)),  # before the first month start
    ],
    ids=str,
)
def test_the_ranking_equals_adding_up_the_days_of_both_periods(shop, period):
    ranked = selectors._build_products(period=period, currency="GBP", ranking="top", limit=10)["rows"]

    assert [
        (row["product"], row["revenue"].amount, row["previous_revenue"].amount) for row in ranked
    ] == _ranking_by_adding_up_days(period)


def test_a_refund_of_an_old_order_reaches_every_later_month_start(shop):
    old = Order.objects.filter(lines__variant__product=shop["clock"]).earliest("placed_at")
    Order.objects.filter(pk=old.pk).update(status=OrderStatus.REFUNDED, refunded_amount=old.total_amount)
    day = old.placed_at.date()

    refresh_rollups(period=Period(start=day, end=day))

    _assert_totals_agree_with_the_days()
    period = Period(start=date(2026, 1, 10), end=date(2026, 5, 25))
    ranked = selectors._build_products(period=period, currency="GBP", ranking="top", limit=10)["rows"]
    assert [(row["product"], row["revenue"].amount) for row in ranked] == [
        (name, now) for name, now, _ in _ranking_by_adding_up_days(period)
    ]


def test_a_product_first_sold_on_a_day_refreshed_later_gets_running_totals_from_then(shop):
    stool = make_product("Stool")
    make_order(day=date(2025, 12, 10), total="99.00", product=stool)

    refresh_rollups(period=Period(start=date(2025, 12, 10), end=date(2025, 12, 10)))

    assert ProductSalesToDate.objects.filter(
        product=stool, month=date(2026, 1, 1)
    ).get().net_amount == Decimal("99.00")
    _assert_totals_agree_with_the_days()


def test_rising_and_falling_products_by_the_change_on_the_previous_period(shop):
    period = Period(start=date(2026, 4, 11), end=date(2026, 6, 9))
    changes = {name: now - before for name, now, before in _ranking_by_adding_up_days(period)}

    rising = selectors._build_products(period=period, currency="GBP", ranking="rising", limit=10)["rows"]
    falling = selectors._build_products(period=period, currency="GBP", ranking="falling", limit=10)["rows"]

    assert [row["product"] for row in rising] == sorted(
        [name for name, change in changes.items() if change > 0], key=lambda name: -changes[name]
    )
    assert [row["product"] for row in falling] == sorted(
        [name for name, change in changes.items() if change < 0], key=lambda name: changes[name]
    )
    assert rising or falling
