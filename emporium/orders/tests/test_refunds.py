"""Refunds recorded on an order: an amount for every partial refund, never past the total."""

from decimal import Decimal

import pytest

from emporium.core.money import Money
from emporium.orders.exceptions import RefundAmountRequired, RefundExceedsOrderTotal
from emporium.orders.models import OrderStatus
from emporium.orders.services import refund_order
from emporium.orders.tests.factories import OrderFactory

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
