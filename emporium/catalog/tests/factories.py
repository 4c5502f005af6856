from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from emporium.catalog.models import Category, Product, Variant


class CategoryFactory(DjangoModelFactory[Category]):
    """Root categories by default; pass ``parent=`` for a child (treebeard builds the path)."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")

    @classmethod
    def _create(
        cls, model_class: type[Category], *args: object, parent: Category | None = None, **kwargs: object
    ) -> Category:
        if parent is None:
            return Category.objects.add_root(create_kwargs=kwargs)
        return Category.objects.add_child(parent, create_kwargs=kwargs)


class ProductFactory(DjangoModelFactory[Product]):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A gift for every occasion."
    variant = factory.RelatedFactory(
        "emporium.catalog.tests.factories.VariantFactory", factory_related_name="product"
    )


class VariantFactory(DjangoModelFactory[Variant]):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory, variant=None)
    sku = factory.Sequence(lambda n: f"SKU{n:06d}")
    price_amount = Decimal("4.95")
    currency = "GBP"
    stock_on_hand = 10
