"""The roll-ups agree with the orders: sales counted, cancellations left out, refunds netted."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from emporium.accounts.tests.factories import UserFactory
from emporium.analytics.models import (
    CustomerDay,
    DailyCategorySales,
    DailyProductSales,
    DailySales,
    RollupState,
)
from emporium.analytics.periods import Period
from emporium.analytics.services import rebuild_all_rollups, refresh_changed_orders, refresh_rollups
from emporium.analytics.tests.factories import make_order
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.orders.models import Order, OrderStatus
from emporium.orders.services import mark_order_paid

DAY = date(2026, 3, 2)
S = OrderStatus


@pytest.mark.django_db
def test_a_day_counts_its_sales_net_of_refunds_and_leaves_cancellations_out():
    make_order(day=DAY, total="100.00")
    make_order(day=DAY, total="50.00", status=S.PARTIALLY_REFUNDED, refunded="20.00")
    make_order(day=DAY, total="30.00", status=S.REFUNDED, refunded="30.00")
    make_order(day=DAY, total="70.00", status=S.CANCELLED)
    make_order(day=DAY, total="40.00", status=S.UNPAID)

    refresh_rollups(period=Period(start=DAY, end=DAY))

    row = DailySales.objects.get(day=DAY)
    assert (row.placed_orders, row.sale_orders, row.cancelled_orders) == (5, 3, 1)
    assert row.gross_amount == Decimal("180.00")
    assert row.refunded_amount == Decimal("50.00")
    assert row.net_amount == Decimal("130.00")


@pytest.mark.django_db
def test_cash_on_delivery_counts_once_the_cash_is_in():
    unpaid = make_order(day=DAY, total="25.00", status=S.SHIPPED)
    Order.objects.filter(pk=unpaid.pk).update(pays_on_delivery=True)

    refresh_rollups(period=Period(start=DAY, end=DAY))
    assert DailySales.objects.get(day=DAY).sale_orders == 0

    Order.objects.filter(pk=unpaid.pk).update(paid_at=timezone.now())
    refresh_rollups(period=Period(start=DAY, end=DAY))
    assert DailySales.objects.get(day=DAY).sale_orders == 1


@pytest.mark.django_db
def test_orders_are_dated_in_the_shops_time_zone():
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (British Summer Time).
    make_order(day=date(2026, 7, 1), total="10.00", at=time(23, 30))

    refresh_rollups(period=Period(start=date(2026, 7, 1), end=date(2026, 7, 2)))

    assert list(DailySales.objects.values_list("day", flat=True)) == [date(2026, 7, 2)]


@pytest.mark.django_db
def test_refreshing_a_day_twice_gives_the_same_rows():
    customer = UserFactory.create()
    make_order(day=DAY, total="12.00", customer=customer, product=make_product("Lamp"))
    period = Period(start=DAY, end=DAY)

    refresh_rollups(period=period)
    refresh_rollups(period=period)

    assert DailySales.objects.count() == 1
    assert DailyProductSales.objects.count() == 1
    assert CustomerDay.objects.get().net_amount == Decimal("12.00")


@pytest.mark.django_db
def test_product_lines_of_orders_refunded_in_full_are_left_out():
    category = CategoryFactory.create(name="Lighting")
    lamp = make_product("Lamp", category=category)
    make_order(day=DAY, total="12.00", product=lamp, quantity=3)
    make_order(day=DAY, total="8.00", product=lamp, status=S.REFUNDED, refunded="8.00")

    refresh_rollups(period=Period(start=DAY, end=DAY))

    row = DailyProductSales.objects.get()
    assert (row.product_id, row.category_id, row.quantity, row.net_amount) == (
        lamp.pk,
        category.pk,
        3,
        Decimal("12.00"),
    )


@pytest.mark.django_db
def test_the_rebuilt_revenue_agrees_with_the_orders_in_the_database():
    for offset, (total, status, refunded) in enumerate(
        [
            ("10.00", S.PAID, "0"),
            ("20.00", S.DELIVERED, "5.00"),
            ("30.00", S.CANCELLED, "0"),
            ("5.00", S.SHIPPED, "0"),
        ]
        * 20
    ):
        make_order(day=DAY + timedelta(days=offset * 3), total=total, status=status, refunded=refunded)

    rebuild_all_rollups()

    sales = Order.objects.filter(status__in=[S.PAID, S.DELIVERED, S.SHIPPED])
    expected = (
        sales.aggregate(total=Sum("total_amount"))["total"] - sales.aggregate(r=Sum("refunded_amount"))["r"]
    )
    assert DailySales.objects.aggregate(net=Sum("net_amount"))["net"] == expected
    assert DailySales.objects.aggregate(n=Sum("sale_orders"))["n"] == sales.count()
    assert DailySales.objects.aggregate(n=Sum("placed_orders"))["n"] == Order.objects.count()


@pytest.mark.django_db
def test_the_periodic_refresh_folds_in_an_order_paid_since_its_last_run():
    order = make_order(day=timezone.localdate(), total="42.00", status=S.UNPAID)
    refresh_changed_orders()  # first run: all of history
    assert DailySales.objects.get().sale_orders == 0

    Order.objects.filter(pk=order.pk).update(status=S.PAID, updated_at=timezone.now())
    refresh_changed_orders(now=timezone.now() + timedelta(seconds=1))

    assert DailySales.objects.get().net_amount == Decimal("42.00")
    assert RollupState.objects.get().orders_changed_until is not None


@pytest.mark.django_db
def test_an_order_marked_paid_refreshes_its_day_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    order = make_order(day=timezone.localdate(), total="42.00", status=S.UNPAID)

    with django_capture_on_commit_callbacks(execute=True):
        mark_order_paid(order=order)

    assert DailySales.objects.get().net_amount == Decimal("42.00")


@pytest.mark.django_db
def test_rebuilding_an_empty_shop_writes_nothing():
    assert rebuild_all_rollups() == 0
    assert not DailySales.objects.exists()


def test_make_order_places_the_order_on_the_given_day():
    # The factories' noon-UTC convention is what every known answer here relies on.
    assert (
        datetime.combine(DAY, time(12), tzinfo=UTC).astimezone(timezone.get_default_timezone()).date() == DAY
    )


@pytest.mark.django_db
def test_each_category_day_adds_up_the_product_rows_of_that_day():
    lighting, clocks = CategoryFactory.create(name="Lighting"), CategoryFactory.create(name="Clocks")
    lamp, shade = make_product("Lamp", category=lighting), make_product("Shade", category=lighting)
    clock = make_product("Clock", category=clocks)
    make_order(day=DAY, total="12.00", product=lamp, quantity=3)
    make_order(day=DAY, total="5.00", product=shade, quantity=1)
    make_order(day=DAY, total="9.00", product=clock, quantity=2)
    make_order(day=DAY + timedelta(days=1), total="4.00", product=lamp, quantity=1)
    make_order(day=DAY, total="7.00", product=clock, status=S.CANCELLED)

    refresh_rollups(period=Period(start=DAY, end=DAY + timedelta(days=1)))
    refresh_rollups(period=Period(start=DAY, end=DAY))  # a day rebuilt again is not counted twice

    rows = DailyCategorySales.objects.values_list("day", "category_id", "quantity", "net_amount")
    assert sorted(rows) == sorted(
        [
            (DAY, lighting.pk, 4, Decimal("17.00")),
            (DAY, clocks.pk, 2, Decimal("9.00")),
            (DAY + timedelta(days=1), lighting.pk, 1, Decimal("4.00")),
        ]
    )


@pytest.mark.django_db
def test_every_row_of_a_customer_carries_their_first_sale_day_and_it_moves_when_that_sale_goes():
    customer = UserFactory.create()
    first = make_order(day=DAY, total="10.00", customer=customer)
    make_order(day=DAY + timedelta(days=5), total="20.00", customer=customer)
    make_order(day=DAY + timedelta(days=9), total="30.00", customer=customer)
    rebuild_all_rollups()
    assert set(CustomerDay.objects.values_list("first_day", flat=True)) == {DAY}

    # Cancelled: the first sale is gone, and only that day is refreshed.
    Order.objects.filter(pk=first.pk).update(status=S.CANCELLED)
    refresh_rollups(period=Period(start=DAY, end=DAY))

    assert sorted(CustomerDay.objects.values_list("day", "first_day")) == [
        (DAY + timedelta(days=5), DAY + timedelta(days=5)),
        (DAY + timedelta(days=9), DAY + timedelta(days=5)),
    ]
