"""Factories for the roll-ups, and a maker of orders placed on a given day with a known total."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from emporium.accounts.models import User
from emporium.analytics.models import CustomerDay, DailyProductSales, DailySales
from emporium.catalog.models import Product
from emporium.orders.models import Order, OrderStatus
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory


class DailySalesFactory(DjangoModelFactory[DailySales]):
    class Meta:
        model = DailySales

    day = date(2026, 3, 2)
    currency = "GBP"
    country = "GB"


class DailyProductSalesFactory(DjangoModelFactory[DailyProductSales]):
    class Meta:
        model = DailyProductSales

    day = date(2026, 3, 2)
    currency = "GBP"
    product_name = "Brass clock"


class CustomerDayFactory(DjangoModelFactory[CustomerDay]):
    class Meta:
        model = CustomerDay

    day = date(2026, 3, 2)
    currency = "GBP"
    customer = factory.SubFactory("emporium.accounts.tests.factories.UserFactory")
    orders = 1


def make_order(
    *,
    day: date,
    total: str,
    status: str = OrderStatus.PAID,
    customer: User | None = None,
    country: str = "GB",
    refunded: str = "0",
    product: Product | None = None,
    quantity: int = 1,
    at: time = time(12, 0),
    currency: str = "GBP",
) -> Order:
    """An order placed at noon UTC of ``day`` (the same day in London), with one line of
    ``product`` for the whole total when a product is given."""
    order = OrderFactory.create(
        placed_at=datetime.combine(day, at, tzinfo=UTC),
        total_amount=Decimal(total),
        refunded_amount=Decimal(refunded),
        status=status,
        customer=customer,
        country=country,
        currency=currency,
    )
    if product is not None:
        OrderLineFactory.create(
            order=order,
            variant=product.variants.get(),
            quantity=quantity,
            unit_price_amount=Decimal(total) / quantity,
            total_amount=Decimal(total),
        )
    return order
