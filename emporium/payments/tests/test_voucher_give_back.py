"""A cancelled or fully refunded order no longer uses up its voucher; a partial refund still does.

The cancel and refund workflows (emporium.payments.services.workflows) give the use back."""

from decimal import Decimal
from uuid import uuid4

import pytest

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.exceptions import VoucherNotApplicable
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import VoucherFactory, make_details
from emporium.core.money import Money
from emporium.orders.services import mark_order_paid
from emporium.payments.services import cancel_order_and_release, refund_order_and_release

pytestmark = pytest.mark.django_db


def _order_with(voucher, *, email: str = "ann@example.com"):
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(stock_on_hand=5), quantity=1)
    return place_order(
        cart=cart,
        customer=None,
        details=make_details(email=email, voucher_code=voucher.code),
        idempotency_key=uuid4(),
    )


def test_cancelling_an_order_gives_its_voucher_use_back_once():
    voucher = VoucherFactory.create(usage_limit=1)
    order = _order_with(voucher)

    cancel_order_and_release(order=order, reason="Changed my mind")

    voucher.refresh_from_db()
    assert voucher.used_count == 0
    assert not voucher.usages.exists()
    assert order.events.filter(message__contains="use given back").count() == 1
    _order_with(voucher, email="bob@example.com")  # the single use is free again


def test_a_full_refund_gives_the_voucher_use_back():
    voucher = VoucherFactory.create(usage_limit=1)
    order = mark_order_paid(order=_order_with(voucher))

    refund_order_and_release(order=order)

    voucher.refresh_from_db()
    assert voucher.used_count == 0


def test_a_partial_refund_keeps_the_voucher_used():
    voucher = VoucherFactory.create(usage_limit=1)
    order = mark_order_paid(order=_order_with(voucher))

    refund_order_and_release(order=order, partial=True, amount=Money(Decimal("1.00"), order.currency))

    voucher.refresh_from_db()
    assert voucher.used_count == 1
    with pytest.raises(VoucherNotApplicable):
        _order_with(voucher, email="bob@example.com")
