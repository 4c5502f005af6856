"""Gift cards sold as products: a paid order's gift card units become cards, e-mailed once."""

from decimal import Decimal
from uuid import uuid4

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, make_details
from emporium.giftcards.codes import digest_code
from emporium.giftcards.models import GiftCard, GiftCardProduct
from emporium.giftcards.services import deliver_bought_gift_cards
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.models import Order, OrderStatus
from emporium.payments.services import pay_order

pytestmark = pytest.mark.django_db


def _order_of_gift_cards(*, quantity: int = 2, customer=None, **details) -> Order:
    variant = VariantFactory.create(price_amount=Decimal("25.00"), stock_on_hand=100)
    GiftCardProduct.objects.create(variant=variant, valid_days=365)
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=variant, quantity=quantity)
    return place_order(
        cart=cart,
        customer=customer,
        details=make_details(
            shipping_method=ShippingMethodFactory.create(price_amount=Decimal(0)), **details
        ),
        idempotency_key=uuid4(),
    )


def test_paying_the_order_issues_a_card_per_unit_and_e_mails_the_codes(
    mailoutbox, django_capture_on_commit_callbacks
):
    customer = UserFactory.create(email="ann@example.com")
    order = _order_of_gift_cards(customer=customer)

    with django_capture_on_commit_callbacks(execute=True):
        pay_order(order=order)

    cards = list(GiftCard.objects.order_by("pk"))
    assert [(card.initial_amount, card.owner, card.recipient_email) for card in cards] == [
        (Decimal("25.00"), customer, "ann@example.com")
    ] * 2
    assert all(card.expires_at is not None for card in cards)
    delivery = next(email for email in mailoutbox if "gift cards" in email.subject)
    codes = [
        line.split(": ")[1].split(" ")[0]
        for line in delivery.body.splitlines()
        if line.startswith("£25.00: ")
    ]
    assert sorted(digest_code(code) for code in codes) == sorted(card.code_digest for card in cards)


def test_an_unpaid_order_gets_no_cards():
    order = _order_of_gift_cards()

    assert deliver_bought_gift_cards(order=order) == []
    assert not GiftCard.objects.exists()


def test_delivering_twice_issues_and_sends_once(mailoutbox):
    order = pay_order(order=_order_of_gift_cards(quantity=3))

    first = deliver_bought_gift_cards(order=order)
    second = deliver_bought_gift_cards(order=order)

    assert (len(first), len(second)) == (3, 0)
    assert GiftCard.objects.count() == 3
    assert sum("gift cards" in email.subject for email in mailoutbox) == 1


def test_an_order_paid_in_full_by_another_card_delivers_at_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    GiftCardFactory.create(code="7KQ2-M9XD-4RT8-PZ3A", initial_amount=Decimal("100.00"))

    with django_capture_on_commit_callbacks(execute=True):
        order = _order_of_gift_cards(quantity=1, gift_card_code="7KQ2-M9XD-4RT8-PZ3A")

    assert order.status == OrderStatus.PAID
    assert GiftCard.objects.filter(bought_with__order=order).count() == 1
