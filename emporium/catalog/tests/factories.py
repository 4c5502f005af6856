from dataclasses import dataclass
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from emporium.catalog.attributes import AttributeKind
from emporium.catalog.models import (
    Attribute,
    AttributeValue,
    Category,
    Product,
    ProductImage,
    ProductType,
    ProductTypeAttribute,
    Variant,
)


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


# Descriptions as they appear in the UCI Online Retail dataset, for tests that want the real look.
ONLINE_RETAIL_NAMES = (
    "WHITE HANGING HEART T-LIGHT HOLDER",
    "WHITE METAL LANTERN",
    "CREAM CUPID HEARTS COAT HANGER",
    "KNITTED UNION FLAG HOT WATER BOTTLE",
    "RED WOOLLY HOTTIE WHITE HEART.",
    "SET 7 BABUSHKA NESTING BOXES",
    "GLASS STAR FROSTED T-LIGHT HOLDER",
    "HAND WARMER UNION JACK",
    "ASSORTED COLOUR BIRD ORNAMENT",
    "POPPY'S PLAYHOUSE BEDROOM",
    "JUMBO BAG RED RETROSPOT",
    "REGENCY CAKESTAND 3 TIER",
    "PARTY BUNTING",
    "LUNCH BAG RED RETROSPOT",
    "PACK OF 72 RETROSPOT CAKE CASES",
    "SET OF 3 CAKE TINS PANTRY DESIGN",
    "NATURAL SLATE HEART CHALKBOARD",
    "HEART OF WICKER SMALL",
    "PAPER CHAIN KIT 50'S CHRISTMAS",
    "VINTAGE SNAP CARDS",
)


class ProductImageFactory(DjangoModelFactory[ProductImage]):
    """Writes a small PNG; its thumbnails are made after the commit (run the on-commit
    callbacks to get them): point ``settings.MEDIA_ROOT`` at ``tmp_path`` in tests that make images."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(width=64, height=48, color="teal", filename="photo.png")
    alt_text = factory.LazyAttribute(lambda image: f"Photo of {image.product.name.lower()}")
    position = factory.Sequence(int)


def make_product(
    name: str,
    *,
    category: Category | None = None,
    price: str = "2.95",
    stock: int = 10,
    sold: int = 0,
    compare_at: str | None = None,
    **kwargs: object,
) -> Product:
    """A product with one variant; the summary fields follow through the variant's signal."""
    if category is not None:
        kwargs["category"] = category
    product = ProductFactory.create(name=name, variant=None, **kwargs)
    VariantFactory.create(
        product=product,
        price_amount=Decimal(price),
        stock_on_hand=stock,
        compare_at_amount=Decimal(compare_at) if compare_at else None,
    )
    if sold:
        Product.objects.filter(pk=product.pk).update(units_sold=sold)
    product.refresh_from_db()
    return product


@dataclass
class Shop:
    """The categories of the ``shop`` fixture: Bags, and Home > Candles & Lanterns, Clocks."""

    home: Category
    candles: Category
    clocks: Category
    bags: Category


class AttributeFactory(DjangoModelFactory[Attribute]):
    class Meta:
        model = Attribute
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"attribute-{n}")
    name = factory.LazyAttribute(lambda attribute: attribute.code.replace("-", " ").capitalize())
    kind = AttributeKind.TEXT


class AttributeValueFactory(DjangoModelFactory[AttributeValue]):
    class Meta:
        model = AttributeValue

    attribute = factory.SubFactory(AttributeFactory, kind=AttributeKind.CHOICE)
    code = factory.Sequence(lambda n: f"value-{n}")
    name = factory.LazyAttribute(lambda value: value.code.capitalize())
    position = factory.Sequence(int)


class ProductTypeFactory(DjangoModelFactory[ProductType]):
    class Meta:
        model = ProductType
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Type {n}")
    slug = factory.Sequence(lambda n: f"type-{n}")


# Colours and sizes as a clothing shop has them: the swatches are the shop's own.
COLOURS = (("red", "Red", "#c0392b"), ("blue", "Blue", "#2e86c1"), ("pink", "Pink", "#e84393"))
SIZES = (("s", "Small"), ("m", "Medium"), ("l", "Large"))


def make_colour_attribute() -> Attribute:
    colour = AttributeFactory.create(code="colour", name="Colour", kind=AttributeKind.COLOUR)
    for position, (code, name, hex_) in enumerate(COLOURS):
        AttributeValue.objects.get_or_create(
            attribute=colour, code=code, defaults={"name": name, "hex": hex_, "position": position}
        )
    return colour


def make_size_attribute() -> Attribute:
    size = AttributeFactory.create(code="size", name="Size", kind=AttributeKind.CHOICE)
    for position, (code, name) in enumerate(SIZES):
        AttributeValue.objects.get_or_create(
            attribute=size, code=code, defaults={"name": name, "position": position}
        )
    return size


def make_clothing_type(name: str = "T-shirt") -> ProductType:
    """A type with colour and size telling variants apart, and a material and a weight in grams
    (the same type again when called twice)."""
    product_type = ProductTypeFactory.create(name=name, slug=name.lower().replace(" ", "-"))
    material = AttributeFactory.create(code="material", name="Material", kind=AttributeKind.TEXT)
    weight = AttributeFactory.create(code="weight", name="Weight", kind=AttributeKind.NUMBER, unit="g")
    for position, (attribute, defines_variants) in enumerate(
        [(make_colour_attribute(), True), (make_size_attribute(), True), (material, False), (weight, False)]
    ):
        ProductTypeAttribute.objects.get_or_create(
            product_type=product_type,
            attribute=attribute,
            defaults={"defines_variants": defines_variants, "position": position},
        )
    return product_type


def make_product_with_variants(
    name: str,
    *,
    product_type: ProductType,
    options: list[dict[str, str]],
    stock: dict[int, int] | None = None,
    **kwargs: object,
) -> Product:
    """A typed product with a variant for each of ``options`` (stock 10, or ``stock[index]``)."""
    product = ProductFactory.create(name=name, product_type=product_type, variant=None, **kwargs)
    for index, variant_options in enumerate(options):
        variant = VariantFactory.build(
            product=product,
            options=variant_options,
            position=index,
            stock_on_hand=(stock or {}).get(index, 10),
            price_amount=Decimal("10.00") + index,
        )
        variant.full_clean()
        variant.save()
    product.refresh_from_db()
    return product
