from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from emporium.promotions.models import Promotion


class PromotionFactory(DjangoModelFactory[Promotion]):
    """20% off everything, started yesterday, no end; pass targets with ``categories=[...]``,
    ``products=[...]`` or ``product_types=[...]`` (then set ``applies_to_all_products=False``)."""

    class Meta:
        model = Promotion
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Sale {n}")
    kind = Promotion.Kind.PERCENTAGE
    value = Decimal(20)
    currency = "GBP"
    applies_to_all_products = True
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @factory.post_generation
    def categories(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def products(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.products.set(extracted)

    @factory.post_generation
    def product_types(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.product_types.set(extracted)
