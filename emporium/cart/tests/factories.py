import uuid

import factory
from factory.django import DjangoModelFactory

from emporium.cart.models import Cart, CartLine


class CartFactory(DjangoModelFactory[Cart]):
    """A visitor's cart by default; pass ``customer=`` (and ``token=None``) for a customer's."""

    class Meta:
        model = Cart

    token = factory.LazyFunction(uuid.uuid4)


class CartLineFactory(DjangoModelFactory[CartLine]):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    variant = factory.SubFactory("emporium.catalog.tests.factories.VariantFactory")
    quantity = 1
    unit_price_amount = factory.LazyAttribute(lambda line: line.variant.price_amount)
