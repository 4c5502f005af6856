"""Gift cards sold as products: a paid order's gift card units become cards, e-mailed once."""

import smtplib
from decimal import Decimal
from uuid import uuid4

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, make_details
from emporium.giftcards.codes import digest_code
from emporium.giftcards.models import GiftCard, GiftCardProduct
from emporium.giftcards.services import SENT_BY_EMAIL_MESSAGE, deliver_bought_gift_cards
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.models import Order, OrderEventType, OrderStatus, StockState
from emporium.orders.services import mark_order_fulfilled
from emporium.payments.services import pay_order

pytestmark = pytest.mark.django_db


def _order_of_gift_cards(*, quantity: int = 2, customer=None, beside=None, **details) -> Order:
    variant = VariantFactory.create(price_amount=Decimal("25.00"), stock_on_hand=100)
    GiftCardProduct.objects.create(variant=variant, valid_days=365)
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=variant, quantity=quantity)
    if beside is not None:
        CartLineFactory.create(cart=cart, variant=beside, quantity=1)
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


def test_an_order_of_gift_cards_alone_is_delivered_as_they_are_sent(mailoutbox):
    order = pay_order(order=_order_of_gift_cards(quantity=2))
    variant = Variant.objects.get(order_lines__order=order)

    deliver_bought_gift_cards(order=order)
    deliver_bought_gift_cards(order=order)  # a task run twice

    order.refresh_from_db()
    variant.refresh_from_db()
    delivered = order.events.filter(type=OrderEventType.STATUS_CHANGED, to_status=OrderStatus.DELIVERED)
    assert (order.status, order.stock_state) == (OrderStatus.DELIVERED, StockState.SHIPPED)
    assert order.delivered_at is not None
    assert (variant.stock_on_hand, variant.stock_allocated) == (98, 0)  # left, as a parcel would
    assert [(event.from_status, event.message) for event in delivered] == [
        (OrderStatus.PAID, SENT_BY_EMAIL_MESSAGE)
    ]
    assert sum("gift cards" in email.subject for email in mailoutbox) == 1


def test_gift_cards_beside_goods_are_sent_and_the_goods_wait_for_staff_to_ship():
    goods = VariantFactory.create(price_amount=Decimal("10.00"), stock_on_hand=5)
    order = pay_order(order=_order_of_gift_cards(quantity=1, beside=goods))

    issued = deliver_bought_gift_cards(order=order)

    order.refresh_from_db()
    goods.refresh_from_db()
    assert len(issued) == 1
    assert (order.status, order.stock_state) == (OrderStatus.PAID, StockState.RESERVED)
    assert (goods.stock_on_hand, goods.stock_allocated) == (5, 1)


def test_an_order_staff_fulfilled_first_keeps_its_steps(mailoutbox):
    order = pay_order(order=_order_of_gift_cards(quantity=1))
    mark_order_fulfilled(order=order)

    deliver_bought_gift_cards(order=order)

    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED  # staff ship it as they started to
    assert GiftCard.objects.filter(bought_with__order=order).count() == 1


def test_a_mail_server_that_fails_leaves_the_order_paid_with_no_card(flaky_mail_server):
    order = pay_order(order=_order_of_gift_cards(quantity=2))
    flaky_mail_server.failures_left = 1

    with pytest.raises(smtplib.SMTPServerDisconnected):
        deliver_bought_gift_cards(order=order)

    order.refresh_from_db()
    assert (order.status, order.stock_state) == (OrderStatus.PAID, StockState.RESERVED)
    assert not GiftCard.objects.exists()
    assert deliver_bought_gift_cards(order=order)  # the retry delivers
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
