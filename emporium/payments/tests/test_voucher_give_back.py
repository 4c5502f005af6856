"""A cancelled or fully refunded order no longer uses up its voucher; a partial refund still does.

The cancel and refund workflows (emporium.payments.services.workflows) give the use back."""

from decimal import Decimal
from uuid import uuid4

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.exceptions import VoucherNotApplicable
from emporium.checkout.services import give_back_voucher_use, place_order
from emporium.checkout.tests.factories import VoucherFactory, make_details
from emporium.core.money import Money
from emporium.orders.exceptions import TransitionNotAllowed
from emporium.orders.models import OrderStatus
from emporium.orders.services import mark_order_paid
from emporium.payments.services import (
    cancel_order_and_refund,
    cancel_order_and_release,
    confirm_payment,
    refund_order_and_release,
    start_payment,
)

pytestmark = pytest.mark.django_db


def _order_with(voucher, *, email: str = "ann@example.com", customer=None):
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(stock_on_hand=5), quantity=1)
    return place_order(
        cart=cart,
        customer=customer,
        details=make_details(email=email, voucher_code=voucher.code),
        idempotency_key=uuid4(),
    )


def _used_count(voucher) -> int:
    voucher.refresh_from_db()
    return voucher.used_count


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


# --- The per-customer limit after a cancel -------------------------------------------------------


@pytest.mark.parametrize("shopper", ["customer", "guest"])
def test_a_cancelled_order_lets_its_shopper_use_a_once_per_customer_voucher_again(shopper):
    customer = UserFactory.create(email="ann@example.com") if shopper == "customer" else None
    voucher = VoucherFactory.create(per_customer_limit=1)
    order = _order_with(voucher, customer=customer)
    with pytest.raises(VoucherNotApplicable):
        _order_with(voucher, customer=customer)

    cancel_order_and_release(order=order, reason="Changed my mind")
    again = _order_with(voucher, customer=customer)

    assert again.voucher_code == voucher.code
    assert _used_count(voucher) == 1


def test_a_cancelled_order_frees_only_its_own_use_of_the_per_customer_limit():
    customer = UserFactory.create(email="ann@example.com")
    voucher = VoucherFactory.create(per_customer_limit=2)
    first = _order_with(voucher, customer=customer)
    _order_with(voucher, customer=customer)
    cancel_order_and_release(order=first)
    _order_with(voucher, customer=customer)

    with pytest.raises(VoucherNotApplicable):
        _order_with(voucher, customer=customer)


# --- Exactly once -----------------------------------------------------------------------------------
# Each voucher below is also used by a second order, so a use given back twice would show in
# the count instead of being hidden by the floor at zero.


def test_a_second_cancel_gives_nothing_back_again():
    voucher = VoucherFactory.create()
    order = _order_with(voucher)
    _order_with(voucher, email="bob@example.com")
    cancel_order_and_release(order=order)

    with pytest.raises(TransitionNotAllowed):
        cancel_order_and_release(order=order)

    assert _used_count(voucher) == 1
    assert give_back_voucher_use(order=order) is False  # asked directly, too
    assert _used_count(voucher) == 1
    assert order.events.filter(message__contains="use given back").count() == 1


def test_a_second_full_refund_gives_nothing_back_again():
    voucher = VoucherFactory.create()
    order = mark_order_paid(order=_order_with(voucher))
    _order_with(voucher, email="bob@example.com")
    refund_order_and_release(order=order)

    with pytest.raises(TransitionNotAllowed):
        refund_order_and_release(order=order)

    assert _used_count(voucher) == 1
    assert order.events.filter(message__contains="use given back").count() == 1


def test_partial_refunds_that_add_up_to_the_total_give_the_use_back_once_on_the_last():
    voucher = VoucherFactory.create()
    order = mark_order_paid(order=_order_with(voucher))
    _order_with(voucher, email="bob@example.com")
    first = Money(Decimal("1.00"), order.currency)

    order = refund_order_and_release(order=order, partial=True, amount=first)
    after_first = _used_count(voucher)
    order = refund_order_and_release(
        order=order, partial=True, amount=Money(order.total_amount - first.amount, order.currency)
    )

    assert (after_first, _used_count(voucher), order.status) == (2, 1, OrderStatus.REFUNDED)


def test_staff_cancelling_a_paid_order_refunds_it_and_gives_the_use_back_once():
    """Money first (a refund that does not move the order), then the cancel: one give-back."""
    voucher = VoucherFactory.create()
    order = _order_with(voucher)
    _order_with(voucher, email="bob@example.com")
    payment = confirm_payment(
        payment=start_payment(order=order, gateway_name="offline"),
        details={"card_number": "4242424242424242"},
    )

    order = cancel_order_and_refund(order=payment.order, reason="Out of stock")

    assert (order.status, _used_count(voucher)) == (OrderStatus.CANCELLED, 1)
    assert order.events.filter(message__contains="use given back").count() == 1
