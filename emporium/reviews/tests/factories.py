from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from emporium.accounts.tests.factories import UserFactory
from emporium.orders.models import OrderStatus
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.reviews.models import Review, ReviewStatus


class ReviewFactory(DjangoModelFactory[Review]):
    class Meta:
        model = Review

    product = factory.SubFactory("emporium.catalog.tests.factories.ProductFactory")
    customer = factory.SubFactory(UserFactory)
    rating = 4
    title = factory.Sequence(lambda n: f"Review {n}")
    body = "Lovely, and it arrived quickly."
    status = ReviewStatus.APPROVED
    is_verified_purchase = True


def make_buyer(*, variant, status: str = OrderStatus.DELIVERED, **user_fields):
    """A customer with an order of the given status holding this variant."""
    customer = UserFactory.create(**user_fields)
    OrderLineFactory.create(
        order=OrderFactory.create(customer=customer, status=status, email=customer.email), variant=variant
    )
    return customer
