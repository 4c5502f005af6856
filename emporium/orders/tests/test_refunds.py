"""Refunds recorded on an order: an amount for every partial refund, never past the total, and
an order refunded in part still goes on to its customer."""

from decimal import Decimal

import pytest

from emporium.catalog.tests.factories import VariantFactory
from emporium.core.money import Money
from emporium.orders.exceptions import RefundAmountRequired, RefundExceedsOrderTotal, TransitionNotAllowed
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.services import (
    mark_order_delivered,
    mark_order_fulfilled,
    mark_order_paid,
    mark_order_shipped,
    refund_order,
)
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _gbp(amount: str) -> Money:
    return Money(Decimal(amount), "GBP")


def _paid_order(total: str = "20.00"):
    return OrderFactory.create(status=OrderStatus.PAID, currency="GBP", total_amount=Decimal(total))


def test_a_partial_refund_without_an_amount_is_refused():
    order = _paid_order()

    with pytest.raises(RefundAmountRequired):
        refund_order(order=order, partial=True)

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, Decimal("0"))


def test_refunds_add_up_to_the_total_and_then_the_order_reads_refunded():
    order = _paid_order()

    order = refund_order(order=order, partial=True, amount=_gbp("12.00"))
    assert (order.status, order.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("12.00"))
    order = refund_order(order=order, partial=True, amount=_gbp("8.00"))

    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("20.00"))


def test_no_refund_goes_past_what_is_left_of_the_total():
    order = refund_order(order=_paid_order(), partial=True, amount=_gbp("12.00"))

    with pytest.raises(RefundExceedsOrderTotal) as refused:
        refund_order(order=order, partial=True, amount=_gbp("8.01"))

    order.refresh_from_db()
    assert refused.value.details["refundable"] == "8.00"
    assert (order.status, order.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("12.00"))


def test_a_full_refund_gives_back_what_is_left():
    order = refund_order(order=_paid_order(), partial=True, amount=_gbp("5.00"))

    order = refund_order(order=order)

    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("20.00"))
    assert order.events.filter(message="£15.00 refunded").exists()


def test_a_refund_in_another_currency_is_refused():
    with pytest.raises(RefundExceedsOrderTotal):
        refund_order(order=_paid_order(), partial=True, amount=Money(Decimal("1.00"), "EUR"))


def _paid_order_holding_stock():
    variant = VariantFactory.create(stock_on_hand=5, stock_allocated=2)
    order = OrderFactory.create(
        status=OrderStatus.UNPAID,
        stock_state=StockState.RESERVED,
        currency="GBP",
        total_amount=Decimal("20.00"),
    )
    OrderLineFactory.create(order=order, variant=variant, quantity=2)
    return mark_order_paid(order=order), variant


def test_an_order_refunded_in_part_before_it_ships_still_ships_and_its_goods_leave():
    order, variant = _paid_order_holding_stock()
    refund_order(order=order, partial=True, amount=_gbp("5.00"))

    order = mark_order_fulfilled(order=order)
    order = mark_order_shipped(order=order, tracking_number="RM1")

    variant.refresh_from_db()
    assert (order.status, order.stock_state, order.refunded_amount) == (
        OrderStatus.SHIPPED,
        StockState.SHIPPED,
        Decimal("5.00"),
    )
    assert (variant.stock_on_hand, variant.stock_allocated) == (3, 0)


def test_an_order_refunded_in_part_on_its_way_is_still_delivered():
    order, _ = _paid_order_holding_stock()
    order = mark_order_shipped(order=order, tracking_number="RM1")
    refund_order(order=order, partial=True, amount=_gbp("5.00"))

    order = mark_order_delivered(order=order)

    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at is not None


def test_an_order_refunded_in_part_after_it_was_delivered_is_not_delivered_again():
    order, _ = _paid_order_holding_stock()
    order = mark_order_shipped(order=order, tracking_number="RM1")
    order = mark_order_delivered(order=order)
    delivered_at = order.delivered_at
    refund_order(order=order, partial=True, amount=_gbp("5.00"))

    with pytest.raises(TransitionNotAllowed):
        mark_order_delivered(order=order)

    order.refresh_from_db()
    assert (order.status, order.delivered_at) == (OrderStatus.PARTIALLY_REFUNDED, delivered_at)
    assert order.events.filter(to_status=OrderStatus.DELIVERED).count() == 1


def test_an_order_refunded_in_part_after_it_shipped_is_not_shipped_again():
    order, variant = _paid_order_holding_stock()
    order = mark_order_shipped(order=order, tracking_number="RM1")
    refund_order(order=order, partial=True, amount=_gbp("5.00"))

    with pytest.raises(TransitionNotAllowed):
        mark_order_shipped(order=order, tracking_number="RM2")

    variant.refresh_from_db()
    assert variant.stock_on_hand == 3  # taken out once


def test_an_order_refunded_in_part_before_it_ships_is_not_marked_delivered():
    order, _ = _paid_order_holding_stock()
    refund_order(order=order, partial=True, amount=_gbp("5.00"))

    with pytest.raises(TransitionNotAllowed):
        mark_order_delivered(order=order)
