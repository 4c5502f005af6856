"""Orders writes a placed order itself: the order, its lines and its "placed" event in one go."""

from decimal import Decimal
from uuid import uuid4

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.models import Order, OrderEventType, OrderStatus, StockState
from emporium.orders.placing import NOTHING_TO_PAY_MESSAGE, OrderAmounts, PricedLine, create_order

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Ann Lee",
    "line1": "1 High St",
    "city": "Bristol",
    "postcode": "BS1 1AA",
    "country": "GB",
}


def _lines(count: int = 1) -> list[PricedLine]:
    variant = VariantFactory.create()
    return [
        PricedLine(
            variant_id=variant.pk,
            product_name=f"Mug {n}",
            sku=f"MUG-{n}",
            quantity=1,
            unit_price_amount=Decimal("10.00"),
            total_amount=Decimal("10.00"),
        )
        for n in range(count)
    ]


def _create(*, total: str, lines: list[PricedLine], customer=None):
    return create_order(
        idempotency_key=uuid4(),
        customer=customer,
        email="ann@example.com",
        country="GB",
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
        shipping_method_name="Standard",
        voucher_code="",
        amounts=OrderAmounts(
            currency="GBP",
            subtotal_amount=Decimal("20.00"),
            shipping_amount=Decimal("3.95"),
            discount_amount=Decimal(0),
            tax_amount=Decimal("3.99"),
            tax_rate=Decimal("0.2"),
            total_amount=Decimal(total),
        ),
        lines=lines,
    )


def test_an_order_its_lines_and_its_placed_event_are_written_in_three_queries(django_assert_num_queries):
    customer = UserFactory.create()
    lines = _lines(3)

    with django_assert_num_queries(3):  # the order, its lines (one INSERT), its event
        order = _create(total="23.95", customer=customer, lines=lines)

    assert (order.status, order.stock_state, order.paid_at) == (OrderStatus.UNPAID, StockState.RESERVED, None)
    assert order.reserved_until is not None
    assert order.reserved_until > order.placed_at
    assert [line.sku for line in order.lines.all()] == ["MUG-0", "MUG-1", "MUG-2"]
    event = order.events.get()
    assert (event.type, event.to_status, event.actor, event.message) == (
        OrderEventType.PLACED, OrderStatus.UNPAID, customer, "",
    )  # fmt: skip


def test_an_order_without_a_gift_card_says_so_without_a_query(django_assert_num_queries):
    order = _create(total="23.95", lines=_lines())

    with django_assert_num_queries(0):  # what the API answers with, and the webhook payload
        gift_card = (order.gift_card_amount, order.gift_card_last_four)

    fresh = Order.objects.get(pk=order.pk)
    assert gift_card == (fresh.gift_card_amount, fresh.gift_card_last_four) == (Decimal(0), "")


def test_the_placed_order_knows_its_lines_as_they_would_be_read(django_assert_num_queries):
    order = _create(total="23.95", lines=_lines(2))

    with django_assert_num_queries(0):  # the API's answer reads them back from the order
        known = [(line.pk, line.sku, line.quantity, line.total_amount) for line in order.lines.all()]

    read = Order.objects.get(pk=order.pk).lines.all()
    assert known == [(line.pk, line.sku, line.quantity, line.total_amount) for line in read]
    assert order.lines.filter(sku="MUG-1").count() == 1  # a new query still asks the database


def test_an_order_with_nothing_to_pay_is_paid_as_it_is_placed_and_keeps_its_stock():
    order = _create(total="0.00", lines=_lines())

    assert (order.status, order.stock_state, order.reserved_until) == (
        OrderStatus.PAID,
        StockState.RESERVED,
        None,
    )
    assert order.paid_at == order.placed_at
    assert order.events.get().message == NOTHING_TO_PAY_MESSAGE
