"""Paying with a gift card at checkout: alone or beside another payment, in part or in full.

A gift card is a means of payment, not a discount: the order's total and VAT are unchanged,
the order records the card's part, and the payment that follows is for the rest."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.db.models import Sum
from hypothesis import given
from hypothesis import strategies as st

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.calculations import split_gift_card_payment
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import (
    ShippingMethodFactory,
    TaxRateFactory,
    VoucherFactory,
    make_details,
)
from emporium.giftcards.exceptions import GiftCardNotApplicable
from emporium.giftcards.models import GiftCard, MovementKind
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.models import OrderStatus
from emporium.orders.selectors import list_order_totals

CODE = "7KQ2-M9XD-4RT8-PZ3A"


def _cart(*, price: str = "10.00", quantity: int = 2):
    cart = CartFactory.create()
    variant = VariantFactory.create(price_amount=Decimal(price), stock_on_hand=10)
    CartLineFactory.create(cart=cart, variant=variant, quantity=quantity)
    return cart


def _place(cart, **details):
    method = ShippingMethodFactory.create(price_amount=Decimal("4.00"))
    return place_order(
        cart=cart,
        customer=None,
        details=make_details(shipping_method=method, **details),
        idempotency_key=uuid4(),
    )


amounts = st.decimals(
    min_value=0, max_value=Decimal("100000"), places=2, allow_nan=False, allow_infinity=False
)


@given(total=amounts, balance=amounts)
def test_the_card_and_the_rest_add_up_to_the_total_and_neither_is_negative(total, balance):
    split = split_gift_card_payment(total=total, balance=balance, currency="GBP")

    assert split.gift_card + split.to_pay == total
    assert split.gift_card >= 0
    assert split.to_pay >= 0
    assert split.gift_card <= balance


@pytest.mark.django_db
def test_a_card_worth_less_than_the_order_pays_part_and_leaves_the_rest_to_pay():
    TaxRateFactory.create(country="GB", rate=Decimal("0.2"))
    card = GiftCardFactory.create(code=CODE, initial_amount=Decimal("15.00"))

    order = _place(_cart(), gift_card_code=CODE)  # 20.00 + 4.00 shipping

    card.refresh_from_db()
    # The total and its VAT are not changed by the card.
    assert (order.total_amount, order.tax_amount) == (Decimal("24.00"), Decimal("4.00"))
    assert (order.gift_card_amount, order.amount_due.amount) == (Decimal("15.00"), Decimal("9.00"))
    assert (order.status, card.balance_amount) == (OrderStatus.UNPAID, Decimal(0))


@pytest.mark.django_db
def test_a_card_worth_more_than_the_order_pays_it_all_and_keeps_the_rest():
    card = GiftCardFactory.create(code=CODE, initial_amount=Decimal("100.00"))

    order = _place(_cart(), gift_card_code=CODE)

    card.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert order.reserved_until is None
    assert (order.gift_card_amount, order.amount_due.amount) == (Decimal("24.00"), Decimal(0))
    assert card.balance_amount == Decimal("76.00")
    assert card.movements.aggregate(total=Sum("amount"))["total"] == card.balance_amount
    assert card.movements.get(kind=MovementKind.USED).order == order


@pytest.mark.django_db
def test_a_card_works_beside_a_voucher_on_what_the_voucher_leaves():
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("100.00"))
    voucher = VoucherFactory.create(value=Decimal(50))

    order = _place(_cart(), voucher_code=voucher.code, gift_card_code=CODE)

    assert (order.discount_amount, order.total_amount, order.gift_card_amount) == (
        Decimal("10.00"), Decimal("14.00"), Decimal("14.00"),
    )  # fmt: skip


@pytest.mark.django_db
def test_a_refused_card_places_no_order_and_spends_nothing():
    GiftCardFactory.create(code=CODE, currency="EUR")
    cart = _cart()

    with pytest.raises(GiftCardNotApplicable, match="EUR"):
        _place(cart, gift_card_code=CODE)

    assert cart.lines.exists()
    assert GiftCard.objects.get().balance_amount == Decimal("50.00")


@pytest.mark.django_db
def test_a_retried_checkout_spends_the_card_once():
    card = GiftCardFactory.create(code=CODE, initial_amount=Decimal("100.00"))
    cart = _cart()
    details = make_details(shipping_method=ShippingMethodFactory.create(), gift_card_code=CODE)
    key = uuid4()

    first = place_order(cart=cart, customer=None, details=details, idempotency_key=key)
    again = place_order(cart=cart, customer=None, details=details, idempotency_key=key)

    card.refresh_from_db()
    assert first == again
    assert card.movements.filter(kind=MovementKind.USED).count() == 1


@pytest.mark.django_db
def test_the_order_shows_the_card_and_what_is_left_to_pay_under_its_total():
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("15.00"))

    order = _place(_cart(), gift_card_code=CODE)

    rows = {row.kind: (row.label, row.formatted_amount) for row in list_order_totals(order=order)}
    assert rows["total"] == ("Total", "£24.00")
    assert rows["gift_card"] == ("Gift card (\N{HORIZONTAL ELLIPSIS}PZ3A)", "\N{MINUS SIGN}£15.00")
    assert rows["amount_due"] == ("To pay", "£9.00")
