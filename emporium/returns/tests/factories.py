"""Orders as a return finds them: paid through the offline gateway, shipped, delivered."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from emporium.accounts.models import User
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.models import Order, OrderLine
from emporium.orders.services import mark_order_delivered, mark_order_shipped
from emporium.orders.tests.factories import OrderLineFactory
from emporium.payments.services import confirm_payment, start_payment
from emporium.payments.tests.factories import make_unpaid_order
from emporium.returns.models import Return, ReturnLine, ReturnReason

SUCCEEDS = "4242 4242 4242 4242"


def make_delivered_order(
    *,
    lines: list[tuple[str, int]],
    customer: User | None = None,
    shipping: str = "0.00",
    discount: str = "0.00",
    delivered: bool = True,
) -> Order:
    """An order of ``lines`` (unit price, quantity), one fresh variant each (stock 10, the
    order's units reserved), paid by card through the offline gateway, shipped (the stock
    leaves) and, unless ``delivered`` is False, delivered. Needs the offline gateway enabled
    (the ``payment_settings`` fixture in this app's conftest)."""
    subtotal = sum((Decimal(price) * quantity for price, quantity in lines), Decimal(0))
    total = subtotal - Decimal(discount) + Decimal(shipping)
    order = make_unpaid_order(
        customer=customer,
        email=customer.email if customer else "guest@example.com",
        subtotal_amount=subtotal,
        discount_amount=Decimal(discount),
        shipping_amount=Decimal(shipping),
        total_amount=total,
    )
    for price, quantity in lines:
        variant = VariantFactory.create(
            stock_on_hand=10, stock_allocated=quantity, price_amount=Decimal(price)
        )
        OrderLineFactory.create(
            order=order, variant=variant, quantity=quantity, unit_price_amount=Decimal(price)
        )
    payment = start_payment(order=order, gateway_name="offline")
    confirm_payment(payment=payment, details={"card_number": SUCCEEDS})
    order = mark_order_shipped(order=order)
    return mark_order_delivered(order=order) if delivered else order


def variant_of(line: OrderLine) -> Variant:
    assert line.variant_id is not None
    return Variant.objects.get(pk=line.variant_id)


class ReturnFactory(DjangoModelFactory[Return]):
    """A return row as it is stored (no checks): for list and permission tests."""

    class Meta:
        model = Return

    order = factory.SubFactory("emporium.orders.tests.factories.OrderFactory")
    customer = factory.LazyAttribute(lambda r: r.order.customer)
    currency = "GBP"


class ReturnLineFactory(DjangoModelFactory[ReturnLine]):
    class Meta:
        model = ReturnLine

    return_request = factory.SubFactory(ReturnFactory)
    order_line = factory.SubFactory(OrderLineFactory, order=factory.SelfAttribute("..return_request.order"))
    quantity = 1
    reason = ReturnReason.CHANGED_MIND
