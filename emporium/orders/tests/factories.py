from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from emporium.orders.models import Order, OrderLine, OrderStatus


class OrderFactory(DjangoModelFactory[Order]):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"EM-{n:06d}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    status = OrderStatus.PAID
    placed_at = factory.LazyFunction(timezone.now)


class OrderLineFactory(DjangoModelFactory[OrderLine]):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory("emporium.catalog.tests.factories.VariantFactory")
    product_name = factory.LazyAttribute(lambda line: line.variant.product.name if line.variant else "Gone")
    sku = factory.LazyAttribute(lambda line: line.variant.sku if line.variant else "GONE")
    quantity = 1
    unit_price_amount = Decimal("4.95")
    total_amount = factory.LazyAttribute(lambda line: line.unit_price_amount * line.quantity)
