"""The load test's order check (bench/journey.py) finds what it is there to find."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bench.journey import check_orders
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def _whole_order(variant: Variant, *, status: str = OrderStatus.UNPAID) -> None:
    order = OrderFactory.create(
        status=status,
        stock_state=StockState.RESERVED,
        subtotal_amount=Decimal("9.90"),
        shipping_amount=Decimal("3.95"),
        total_amount=Decimal("13.85"),
    )
    OrderLineFactory.create(order=order, variant=variant, quantity=2)
    Variant.objects.filter(pk=variant.pk).update(stock_allocated=variant.stock_allocated + 2)
    variant.refresh_from_db()
    if status == OrderStatus.PAID:
        PaymentFactory.create(order=order, amount=order.total_amount, captured_amount=order.total_amount)


def test_a_clean_run_has_nothing_to_report():
    since = timezone.now() - timedelta(seconds=1)
    variant = VariantFactory.create(stock_on_hand=10)
    before = {variant.pk: 0}
    _whole_order(variant)
    _whole_order(variant, status=OrderStatus.PAID)

    report = check_orders(since=since, variant_ids=[variant.pk], allocated_before=before)

    assert report["orders"] == 2
    assert report["paid"] == 1
    assert [report[key] for key in ("orders_without_lines", "orders_not_adding_up", "payment_mismatches",
            "allocation_mismatches", "oversold_variants")] == [0, 0, 0, 0, 0]  # fmt: skip


def test_each_kind_of_damage_is_counted():
    since = timezone.now() - timedelta(seconds=1)
    variant = VariantFactory.create(stock_on_hand=3)
    before = {variant.pk: 0}
    _whole_order(variant)
    OrderFactory.create(status=OrderStatus.UNPAID, total_amount=Decimal("5.00"))  # no lines
    paid_unpaid = OrderFactory.create(
        status=OrderStatus.PAID, subtotal_amount=Decimal("4.95"), total_amount=Decimal("4.95")
    )
    OrderLineFactory.create(order=paid_unpaid, variant=VariantFactory.create())  # paid, but no payment
    # 2 units held by the run's orders, 3 allocated: one unit allocated by nobody.
    Variant.objects.filter(pk=variant.pk).update(stock_allocated=3)

    report = check_orders(since=since, variant_ids=[variant.pk], allocated_before=before)

    assert report["orders_without_lines"] == 1
    assert report["payment_mismatches"] == 1
    assert report["allocation_mismatches"] == 1
    # An oversell the database refuses itself (constraint variant_allocation_within_stock).
    assert report["oversold_variants"] == 0


def test_totals_that_do_not_add_up_are_counted():
    since = timezone.now() - timedelta(seconds=1)
    order = OrderFactory.create(
        status=OrderStatus.UNPAID,
        subtotal_amount=Decimal("4.95"),
        shipping_amount=Decimal("1.00"),
        total_amount=Decimal("4.95"),
    )
    OrderLineFactory.create(order=order)

    assert check_orders(since=since, variant_ids=[], allocated_before={})["orders_not_adding_up"] == 1
