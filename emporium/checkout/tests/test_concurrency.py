"""Many shoppers at the same moment: no overselling, no voucher used beyond its limit.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

import threading
from collections import Counter
from uuid import uuid4

import pytest
from django.db import connection, connections

from emporium.cart.exceptions import OutOfStock
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.exceptions import VoucherNotApplicable
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, VoucherFactory, make_details
from emporium.orders.models import Order

SHOPPERS = 25


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks only race on PostgreSQL; set DATABASE_URL=postgres://... to run")


def _checkout_all_at_once(carts, details) -> Counter[str]:
    barrier = threading.Barrier(len(carts))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def shop(cart) -> None:
        try:
            barrier.wait()
            place_order(cart=cart, customer=None, details=details, idempotency_key=uuid4())
            outcome = "ordered"
        except OutOfStock:
            outcome = "out_of_stock"
        except VoucherNotApplicable:
            outcome = "voucher_refused"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=shop, args=(cart,)) for cart in carts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


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
