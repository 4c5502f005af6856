"""Many shoppers at the same moment: no overselling, no voucher used beyond its limit.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

import threading
from collections import Counter
from collections.abc import Callable
from uuid import uuid4

import pytest
from django.db import connections
from django.db.models.signals import post_save

from emporium.cart.exceptions import OutOfStock
from emporium.cart.services import add_to_cart
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.exceptions import VoucherNotApplicable
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, VoucherFactory, make_details
from emporium.core.tests.concurrency import (
    all_at_once,
    needs_postgresql,
    session_pid,
    wait_until_blocked_or_done,
)
from emporium.orders.models import Order

SHOPPERS = 25


pytestmark = needs_postgresql


def _checkout_all_at_once(carts, details) -> Counter[str]:
    def shopper(cart) -> Callable[[], str]:
        def shop() -> str:
            place_order(cart=cart, customer=None, details=details, idempotency_key=uuid4())
            return "ordered"

        return shop

    refusals = {OutOfStock: "out_of_stock", VoucherNotApplicable: "voucher_refused"}
    return all_at_once(
        [shopper(cart) for cart in carts],
        refused=lambda error: next(
            (text for kind, text in refusals.items() if isinstance(error, kind)), None
        ),
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_five_shoppers_for_five_units_make_exactly_five_orders():
    variant = VariantFactory.create(stock_on_hand=5)
    carts = [CartLineFactory.create(cart=CartFactory.create(), variant=variant).cart for _ in range(SHOPPERS)]

    outcomes = _checkout_all_at_once(carts, make_details())

    variant.refresh_from_db()
    assert outcomes == Counter(ordered=5, out_of_stock=20)
    assert variant.stock_allocated == 5
    assert Order.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_voucher_limited_to_three_uses_is_used_three_times():
    voucher = VoucherFactory.create(code="THREE", usage_limit=3)
    carts = [CartLineFactory.create(cart=CartFactory.create()).cart for _ in range(SHOPPERS)]
    details = make_details(shipping_method=ShippingMethodFactory.create(), voucher_code="THREE")

    outcomes = _checkout_all_at_once(carts, details)

    voucher.refresh_from_db()
    assert outcomes == Counter(ordered=3, voucher_refused=22)
    assert voucher.used_count == 3
    assert voucher.usages.count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_shopper_checking_out_in_five_tabs_at_once_uses_a_once_per_customer_voucher_once():
    """The per-customer count is read under the voucher's row lock, like the overall limit."""
    voucher = VoucherFactory.create(code="ONCE", per_customer_limit=1)
    carts = [CartLineFactory.create(cart=CartFactory.create()).cart for _ in range(5)]
    details = make_details(shipping_method=ShippingMethodFactory.create(), voucher_code="ONCE")

    outcomes = _checkout_all_at_once(carts, details)  # every tab with the same e-mail

    voucher.refresh_from_db()
    assert outcomes == Counter(ordered=1, voucher_refused=4)
    assert voucher.used_count == 1


@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_checkout_at_the_same_moment_make_one_order():
    variant = VariantFactory.create(stock_on_hand=5)
    cart = CartLineFactory.create(cart=CartFactory.create(), variant=variant, quantity=2).cart
    key = uuid4()
    barrier = threading.Barrier(2)
    placed: list[int] = []
    failed: list[Exception] = []

    def submit() -> None:
        try:
            barrier.wait()
            placed.append(
                place_order(cart=cart, customer=None, details=make_details(), idempotency_key=key).pk
            )
        except Exception as error:  # any error at all is reported by the asserts below
            failed.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    variant.refresh_from_db()
    assert failed == []
    assert len(placed) == 2
    assert placed[0] == placed[1]  # the second submit got the first's order
    assert Order.objects.count() == 1
    assert variant.stock_allocated == 2


@pytest.mark.django_db(transaction=True)
def test_a_quantity_raised_in_another_tab_during_checkout_is_not_lost():
    variant = VariantFactory.create(stock_on_hand=10)
    cart = CartLineFactory.create(cart=CartFactory.create(), variant=variant, quantity=1).cart
    order_created = threading.Event()
    other_tab_started = threading.Event()
    other_tab_pid: list[int] = []
    other_tab_waited: list[bool] = []

    def pause_after_order_created(sender, instance, created, **kwargs):
        if created:  # inside place_order, after it read (and locked) the cart's lines
            order_created.set()
            assert other_tab_started.wait(timeout=30)
            # Until the other tab's change waits on this order's locks, or went through.
            other_tab_waited.append(wait_until_blocked_or_done(tab, pid=other_tab_pid[0]))

    def other_tab() -> None:
        try:
            order_created.wait(timeout=30)
            variant_now = Variant.objects.get(pk=variant.pk)
            other_tab_pid.append(session_pid())
            other_tab_started.set()
            add_to_cart(cart=cart, variant=variant_now, quantity=2)
        finally:
            connections.close_all()

    post_save.connect(pause_after_order_created, sender=Order, dispatch_uid="test-pause")
    tab = threading.Thread(target=other_tab)
    tab.start()
    try:
        place_order(cart=cart, customer=None, details=make_details(), idempotency_key=uuid4())
    finally:
        post_save.disconnect(sender=Order, dispatch_uid="test-pause")
        tab.join()

    # The other tab met the order's lock on the line, then added once the order let go: one
    # unit was ordered; the two added meanwhile wait in the cart for the next order.
    assert other_tab_waited == [True]
    assert list(cart.lines.values_list("quantity", flat=True)) == [2]
    assert Order.objects.get().lines.get().quantity == 1
