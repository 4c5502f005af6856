"""Many buyers at once on a promotion limited to 10 orders: it applies exactly 10 times.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
Each thread has its own connection, as in emporium/giftcards/tests/test_concurrency.py.
"""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from uuid import uuid4

import pytest

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, VoucherFactory, make_details
from emporium.core.tests.concurrency import all_at_once, needs_postgresql
from emporium.orders.models import Order
from emporium.payments.services import cancel_order_and_release
from emporium.promotions.exceptions import PromotionUsedUp
from emporium.promotions.models import Promotion, PromotionUsage
from emporium.promotions.tests.factories import PromotionFactory

BUYERS = 25


pytestmark = needs_postgresql


def _all_at_once(jobs: list[Callable[[], str]]) -> Counter[str]:
    return all_at_once(
        jobs, refused=lambda error: "refused: used up" if isinstance(error, PromotionUsedUp) else None
    )


def _buyer(cart, details) -> Callable[[], str]:
    def buy() -> str:
        order = place_order(cart=cart, customer=None, details=details, idempotency_key=uuid4())
        return "ordered with the promotion" if order.promotion_discount_amount else "ordered at full price"

    return buy


@pytest.mark.django_db(transaction=True)
def test_a_promotion_limited_to_ten_uses_is_used_ten_times_by_twenty_five_buyers():
    variant = VariantFactory.create(price_amount=Decimal("10.00"), stock_on_hand=100)
    promotion = PromotionFactory.create(name="First ten", value=50, usage_limit=10)
    details = make_details(shipping_method=ShippingMethodFactory.create(price_amount=Decimal("0.00")))
    carts = [CartLineFactory.create(cart=CartFactory.create(), variant=variant).cart for _ in range(BUYERS)]

    outcomes = _all_at_once([_buyer(cart, details) for cart in carts])

    # Nobody is charged a price other than the one their cart was priced at: the buyers who
    # lost the race are refused (and shown the new price) or priced without it from the start.
    assert outcomes["ordered with the promotion"] == 10
    assert sum(outcomes.values()) == BUYERS
    assert set(outcomes) <= {"ordered with the promotion", "ordered at full price", "refused: used up"}
    promotion.refresh_from_db()
    assert promotion.used_count == 10
    assert PromotionUsage.objects.filter(promotion=promotion).count() == 10
    discounted = Order.objects.filter(promotion_discount_amount__gt=0)
    assert set(discounted.values_list("total_amount", flat=True)) == {Decimal("5.00")}
    assert Variant.objects.get(pk=variant.pk).stock_allocated == Order.objects.count()


@pytest.mark.django_db(transaction=True)
def test_buyers_and_cancellations_sharing_a_voucher_and_a_limited_promotion_never_deadlock():
    """place_order locks voucher, promotions, variants; the cancel workflow order, voucher,
    promotions, then the variants' stock: the same order, so neither waits the other way round."""
    variant = VariantFactory.create(price_amount=Decimal("10.00"), stock_on_hand=100)
    VoucherFactory.create(code="TEN", value=Decimal(10))
    promotion = PromotionFactory.create(value=20, usage_limit=1000)
    details = make_details(voucher_code="TEN")

    def cart():
        return CartLineFactory.create(cart=CartFactory.create(), variant=variant).cart

    placed = [
        place_order(cart=cart(), customer=None, details=details, idempotency_key=uuid4()) for _ in range(10)
    ]

    def cancel(order: Order) -> Callable[[], str]:
        def job() -> str:
            cancel_order_and_release(order=order, reason="changed my mind")
            return "cancelled"

        return job

    jobs = [cancel(order) for order in placed] + [_buyer(cart(), details) for _ in range(10)]
    outcomes = _all_at_once(jobs)

    assert outcomes == Counter({"cancelled": 10, "ordered with the promotion": 10})
    promotion.refresh_from_db()
    assert promotion.used_count == 10 == PromotionUsage.objects.count()
    assert Promotion.objects.get().used_count == 10
