from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from emporium.orders.models import Order, OrderStatus, StockState
from emporium.orders.tests.factories import OrderFactory
from emporium.payments.models import Payment, PaymentState, Refund


def make_unpaid_order(**overrides: object) -> Order:
    """An order as checkout leaves it: unpaid, its stock reserved for a while."""
    fields: dict[str, object] = {
        "status": OrderStatus.UNPAID,
        "currency": "GBP",
        "total_amount": Decimal("24.95"),
        "stock_state": StockState.RESERVED,
        "reserved_until": timezone.now() + timedelta(minutes=30),
        **overrides,
    }
    return OrderFactory.create(**fields)


class PaymentFactory(DjangoModelFactory[Payment]):
    class Meta:
        model = Payment

    order = factory.LazyFunction(make_unpaid_order)
    gateway = "offline"
    state = PaymentState.PENDING
    amount = factory.LazyAttribute(lambda payment: payment.order.total_amount)
    currency = factory.LazyAttribute(lambda payment: payment.order.currency)
    provider_reference = factory.Sequence(lambda n: f"pi_factory_{n}")


class RefundFactory(DjangoModelFactory[Refund]):
    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory)
    amount = Decimal("5.00")
    currency = "GBP"
