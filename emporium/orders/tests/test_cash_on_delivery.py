"""Cash on delivery in the state machine: fulfilled and shipped unpaid, paid when the courier
pays in. Only such orders: every other order still ships only once paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.exceptions import TransitionNotAllowed
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.services import (
    cancel_order,
    confirm_order_for_cash_on_delivery,
    mark_order_delivered,
    mark_order_fulfilled,
    mark_order_paid,
    mark_order_shipped,
    refund_order,
)
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.payments.services import release_expired_orders

pytestmark = pytest.mark.django_db


def _unpaid_order(**fields):
    variant = VariantFactory.create(stock_on_hand=5, stock_allocated=2)
    order = OrderFactory.create(
        status=OrderStatus.UNPAID,
        stock_state=StockState.RESERVED,
        total_amount=Decimal("20.00"),
        reserved_until=timezone.now() + timedelta(minutes=30),
        **fields,
    )
    OrderLineFactory.create(order=order, variant=variant, quantity=2)
    return order, variant


def test_a_cash_on_delivery_order_holds_its_stock_with_no_expiry():
    order, variant = _unpaid_order()

    order = confirm_order_for_cash_on_delivery(order=order)
    released = release_expired_orders(now=timezone.now() + timedelta(days=30))

    order.refresh_from_db()
    variant.refresh_from_db()
    assert (released, order.status, order.reserved_until, variant.stock_allocated) == (
        0,
        OrderStatus.UNPAID,
        None,
        2,
    )


def test_a_cash_on_delivery_order_is_fulfilled_and_shipped_unpaid():
    order, variant = _unpaid_order()
    confirm_order_for_cash_on_delivery(order=order)

    mark_order_fulfilled(order=order)
    order = mark_order_shipped(order=order, tracking_number="RM1")

    variant.refresh_from_db()
    assert (order.status, order.paid_at, order.stock_state) == (OrderStatus.SHIPPED, None, StockState.SHIPPED)
    assert (variant.stock_on_hand, variant.stock_allocated) == (3, 0)


def test_the_courier_paying_in_marks_a_delivered_order_paid_and_it_stays_delivered():
    order, _ = _unpaid_order()
    confirm_order_for_cash_on_delivery(order=order)
    mark_order_shipped(order=order)
    mark_order_delivered(order=order)

    order = mark_order_paid(order=order, note="Courier paid in")

    assert (order.status, order.paid_at is not None) == (OrderStatus.DELIVERED, True)
    with pytest.raises(TransitionNotAllowed):
        mark_order_paid(order=order)  # paid once


@pytest.mark.parametrize("step", ["fulfil", "ship"])
def test_an_ordinary_unpaid_order_still_cannot_be_fulfilled_or_shipped(step):
    order, _ = _unpaid_order()

    with pytest.raises(TransitionNotAllowed):
        mark_order_fulfilled(order=order) if step == "fulfil" else mark_order_shipped(order=order)


def test_an_order_that_left_paid_is_not_marked_paid_again():
    order, _ = _unpaid_order()
    mark_order_paid(order=order)
    mark_order_shipped(order=order)

    with pytest.raises(TransitionNotAllowed):
        mark_order_paid(order=order)


def test_a_cash_on_delivery_order_not_yet_paid_has_nothing_to_refund():
    order, _ = _unpaid_order()
    confirm_order_for_cash_on_delivery(order=order)
    mark_order_shipped(order=order)
    mark_order_delivered(order=order)

    with pytest.raises(TransitionNotAllowed):
        refund_order(order=order)


def test_a_parcel_refused_on_delivery_is_cancelled_and_its_goods_come_back_once():
    order, variant = _unpaid_order()
    confirm_order_for_cash_on_delivery(order=order)
    mark_order_fulfilled(order=order)
    mark_order_shipped(order=order, tracking_number="RM1")

    order = cancel_order(order=order, reason="Refused on delivery")

    variant.refresh_from_db()
    assert (order.status, order.stock_state) == (OrderStatus.CANCELLED, StockState.RETURNED)
    assert (variant.stock_on_hand, variant.stock_allocated) == (5, 0)
    with pytest.raises(TransitionNotAllowed):
        cancel_order(order=order)
    variant.refresh_from_db()
    assert variant.stock_on_hand == 5  # back once
    assert order.events.filter(message="Goods back in stock: Refused on delivery").count() == 1


def test_a_cash_on_delivery_order_fulfilled_but_not_sent_is_cancelled_and_its_reservation_released():
    order, variant = _unpaid_order()
    confirm_order_for_cash_on_delivery(order=order)
    mark_order_fulfilled(order=order)

    order = cancel_order(order=order, reason="Customer changed their mind")

    variant.refresh_from_db()
    assert (order.status, order.stock_state) == (OrderStatus.CANCELLED, StockState.RELEASED)
    assert (variant.stock_on_hand, variant.stock_allocated) == (5, 0)


@pytest.mark.parametrize("cash_on_delivery", [False, True], ids=["prepaid", "courier_paid_in"])
def test_an_order_that_left_paid_cannot_be_cancelled(cash_on_delivery):
    order, variant = _unpaid_order()
    if cash_on_delivery:
        confirm_order_for_cash_on_delivery(order=order)
        mark_order_shipped(order=order)
        mark_order_paid(order=order, note="Courier paid in")
    else:
        mark_order_paid(order=order)
        mark_order_shipped(order=order)

    with pytest.raises(TransitionNotAllowed):
        cancel_order(order=order)

    variant.refresh_from_db()
    assert variant.stock_on_hand == 3
