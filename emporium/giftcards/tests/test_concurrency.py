"""Many buyers spending one gift card at the same moment: it pays exactly what it holds.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
Each thread has its own connection, as in emporium/checkout/tests/test_concurrency.py.
"""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db.models import Sum

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, VoucherFactory, make_details
from emporium.core.tests.concurrency import all_at_once, needs_postgresql
from emporium.giftcards.exceptions import GiftCardNotApplicable
from emporium.giftcards.models import GiftCard, MovementKind
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.models import Order, OrderStatus
from emporium.payments.services import cancel_order_and_release

BUYERS = 25
CODE = "7KQ2-M9XD-4RT8-PZ3A"


pytestmark = needs_postgresql


def _all_at_once(jobs: list[Callable[[], str]]) -> Counter[str]:
    return all_at_once(
        jobs,
        refused=lambda error: (
            f"refused: {error.message}" if isinstance(error, GiftCardNotApplicable) else None
        ),
    )


def _buyer(cart, details) -> Callable[[], str]:
    def buy() -> str:
        place_order(cart=cart, customer=None, details=details, idempotency_key=uuid4())
        return "ordered"

    return buy


def _assert_ledger_explains_balance(card: GiftCard) -> None:
    card.refresh_from_db()
    assert card.balance_amount >= 0
    assert card.movements.aggregate(total=Sum("amount"))["total"] == card.balance_amount


@pytest.mark.django_db(transaction=True)
def test_twenty_five_buyers_of_one_card_worth_three_orders_make_three_orders():
    variant = VariantFactory.create(price_amount=Decimal("10.00"), stock_on_hand=100)
    card = GiftCardFactory.create(code=CODE, initial_amount=Decimal("30.00"))
    free_delivery = ShippingMethodFactory.create(price_amount=Decimal("0.00"))
    details = make_details(shipping_method=free_delivery, gift_card_code=CODE)
    carts = [CartLineFactory.create(cart=CartFactory.create(), variant=variant).cart for _ in range(BUYERS)]

    outcomes = _all_at_once([_buyer(cart, details) for cart in carts])

    assert outcomes == Counter({"ordered": 3, "refused: This gift card has nothing left to spend.": 22})
    _assert_ledger_explains_balance(card)
    assert card.balance_amount == 0
    assert card.movements.filter(kind=MovementKind.USED).count() == 3
    assert list(Order.objects.order_by().values_list("status", "gift_card_payment__amount").distinct()) == [
        (OrderStatus.PAID, Decimal("10.00"))
    ]
    assert Variant.objects.get(pk=variant.pk).stock_allocated == 3


@pytest.mark.django_db(transaction=True)
def test_buyers_and_cancellations_sharing_a_voucher_a_card_and_a_variant_never_deadlock():
    """place_order locks voucher, card, variants; the cancel workflow order, voucher, card, then
    moves the variants' stock: the same order, so neither waits for the other the other way round."""
    variant = VariantFactory.create(price_amount=Decimal("10.00"), stock_on_hand=100)
    card = GiftCardFactory.create(code=CODE, initial_amount=Decimal("1000.00"))
    voucher = VoucherFactory.create(code="TEN", value=Decimal(10))
    details = make_details(
        shipping_method=ShippingMethodFactory.create(price_amount=Decimal("5.00")),
        voucher_code="TEN",
        gift_card_code=CODE,
    )

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

    jobs = [_buyer(cart(), details) for _ in range(10)] + [cancel(order) for order in placed]
    outcomes = _all_at_once(jobs)

    assert outcomes == Counter(ordered=10, cancelled=10)
    _assert_ledger_explains_balance(card)
    # Ten orders of 14.00 (10.00 less 10 %, 5.00 shipping) are left on the card; the others came back.
    assert card.balance_amount == Decimal("1000.00") - 10 * Decimal("14.00")
    voucher.refresh_from_db()
    assert voucher.used_count == 10
    assert Variant.objects.get(pk=variant.pk).stock_allocated == 10
