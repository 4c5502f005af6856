"""The steps other apps take when an order moves are calls in the payments workflows
(emporium.payments.services.workflows): paying closes the other open attempts, fulfilling and
shipping capture a held card, cancelling gives back the voucher use and closes open attempts,
and so does the expiry sweep. The orders services alone change only the order."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import VoucherFactory, make_details
from emporium.orders.exceptions import TransitionNotAllowed
from emporium.orders.models import OrderStatus
from emporium.orders.services import cancel_order, mark_order_fulfilled, mark_order_shipped
from emporium.payments.models import Payment, PaymentState
from emporium.payments.services import (
    cancel_order_and_release,
    confirm_payment,
    fulfil_order,
    mark_order_paid_by_staff,
    pay_order,
    refund_payment,
    release_expired_orders,
    ship_order,
    start_payment,
)
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db

CARD = "4242424242424242"


@pytest.fixture
def held(settings) -> Payment:
    """An order paid on a card only held (the test gateway with manual capture)."""
    settings.OFFLINE_GATEWAY_CAPTURE_METHOD = "manual"
    payment = start_payment(order=make_unpaid_order(), gateway_name="offline")
    payment = confirm_payment(payment=payment, details={"card_number": CARD})
    assert (payment.state, payment.order.status) == (PaymentState.AUTHORIZED, OrderStatus.PAID)
    return payment


def _order_with_voucher(voucher, *, email: str = "ann@example.com"):
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(stock_on_hand=5), quantity=1)
    return place_order(
        cart=cart,
        customer=None,
        details=make_details(email=email, voucher_code=voucher.code),
        idempotency_key=uuid4(),
    )


def _cancel_reasons(payment: Payment) -> list[str]:
    """Why the provider was asked to cancel the payment, each time it was."""
    cancels = payment.log_entries.filter(operation="cancel").order_by("pk")
    return [entry.request["cancellation_reason"] for entry in cancels]


def _captures(payment: Payment) -> int:
    return payment.log_entries.filter(operation="capture").count()


@pytest.mark.parametrize("step", ["fulfil", "ship"])
def test_fulfilling_or_shipping_through_the_workflow_captures_the_held_card(
    held, step, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if step == "fulfil":
            fulfil_order(order=held.order)
        else:
            ship_order(order=held.order, tracking_number="RM1")

    held.refresh_from_db()
    assert (held.state, _captures(held)) == (PaymentState.CAPTURED, 1)


@pytest.mark.parametrize("step", ["fulfil", "ship"])
def test_the_orders_transition_alone_leaves_the_held_card_alone(
    held, step, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if step == "fulfil":
            order = mark_order_fulfilled(order=held.order)
        else:
            order = mark_order_shipped(order=held.order, tracking_number="RM1")

    held.refresh_from_db()
    assert order.status in (OrderStatus.FULFILLED, OrderStatus.SHIPPED)
    assert (held.state, _captures(held)) == (PaymentState.AUTHORIZED, 0)


def test_cancelling_through_the_workflow_gives_back_the_voucher_and_closes_open_attempts(
    django_capture_on_commit_callbacks,
):
    voucher = VoucherFactory.create(usage_limit=1)
    order = _order_with_voucher(voucher)
    attempt = start_payment(order=order, gateway_name="offline")

    with django_capture_on_commit_callbacks(execute=True):
        order = cancel_order_and_release(order=order, reason="Changed my mind")

    attempt.refresh_from_db()
    voucher.refresh_from_db()
    assert (order.status, voucher.used_count, attempt.state) == (
        OrderStatus.CANCELLED,
        0,
        PaymentState.CANCELLED,
    )
    assert _cancel_reasons(attempt) == ["abandoned"]
    assert order.events.filter(message=f"Voucher {voucher.code} use given back").count() == 1


def test_the_orders_cancel_alone_keeps_the_voucher_used_and_the_attempt_open(
    django_capture_on_commit_callbacks,
):
    voucher = VoucherFactory.create(usage_limit=1)
    order = _order_with_voucher(voucher)
    attempt = start_payment(order=order, gateway_name="offline")

    with django_capture_on_commit_callbacks(execute=True):
        order = cancel_order(order=order, reason="Changed my mind")

    attempt.refresh_from_db()
    voucher.refresh_from_db()
    assert (order.status, voucher.used_count, attempt.state) == (
        OrderStatus.CANCELLED,
        1,
        PaymentState.PENDING,
    )


def test_a_cancel_the_state_machine_refuses_gives_nothing_back(django_capture_on_commit_callbacks):
    voucher = VoucherFactory.create(usage_limit=1)
    order = pay_order(order=_order_with_voucher(voucher))
    order = ship_order(order=order, tracking_number="RM1")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed):
        cancel_order_and_release(order=order)

    voucher.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, voucher.used_count) == (OrderStatus.SHIPPED, 1)
    assert not order.events.filter(message__contains="use given back").exists()


def test_the_expiry_sweep_gives_back_the_voucher_and_closes_open_attempts(django_capture_on_commit_callbacks):
    voucher = VoucherFactory.create(usage_limit=1)
    order = _order_with_voucher(voucher)
    attempt = start_payment(order=order, gateway_name="offline")

    with django_capture_on_commit_callbacks(execute=True):
        released = release_expired_orders(now=timezone.now() + timedelta(days=1))

    order.refresh_from_db()
    attempt.refresh_from_db()
    voucher.refresh_from_db()
    assert (released, order.status, voucher.used_count, attempt.state) == (
        1,
        OrderStatus.CANCELLED,
        0,
        PaymentState.CANCELLED,
    )
    assert _cancel_reasons(attempt) == ["abandoned"]


def test_paying_closes_the_other_open_attempts_as_duplicates_and_spares_the_one_that_paid(
    django_capture_on_commit_callbacks,
):
    order = make_unpaid_order()
    other = start_payment(order=order, gateway_name="offline")
    paying = Payment.objects.create(
        order=order, gateway="offline", amount=order.total_amount, currency=order.currency
    )

    with django_capture_on_commit_callbacks(execute=True):
        order = pay_order(order=order, paid_by=paying)

    other.refresh_from_db()
    paying.refresh_from_db()
    assert (order.status, other.state, paying.state) == (
        OrderStatus.PAID,
        PaymentState.CANCELLED,
        PaymentState.PENDING,
    )
    assert (_cancel_reasons(other), _cancel_reasons(paying)) == (["duplicate"], [])


def test_staff_marking_an_order_paid_outside_the_shop_closes_its_open_card_attempt(
    django_capture_on_commit_callbacks,
):
    order = make_unpaid_order()
    attempt = start_payment(order=order, gateway_name="offline")

    with django_capture_on_commit_callbacks(execute=True):
        order = mark_order_paid_by_staff(order=order, note="Paid by cheque")

    attempt.refresh_from_db()
    assert (order.status, attempt.state, _cancel_reasons(attempt)) == (
        OrderStatus.PAID,
        PaymentState.CANCELLED,
        ["duplicate"],
    )


def test_a_refund_in_full_through_the_payment_gives_back_the_voucher_use():
    voucher = VoucherFactory.create(usage_limit=1)
    payment = start_payment(order=_order_with_voucher(voucher), gateway_name="offline")
    payment = confirm_payment(payment=payment, details={"card_number": CARD})

    refund_payment(payment=payment)

    payment.order.refresh_from_db()
    voucher.refresh_from_db()
    assert (payment.order.status, voucher.used_count) == (OrderStatus.REFUNDED, 0)
