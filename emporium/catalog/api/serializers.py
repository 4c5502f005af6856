"""Output shapes of the public catalog API: the storefront's cached page data, as JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from emporium.catalog.selectors import Picture, ProductCard, ProductSort
from emporium.core.api.fields import MoneyField, money_representation
from emporium.core.api.pagination import MAX_PAGE_SIZE
from emporium.core.api.serializers import FieldsBuiltOnce


class CategoryNodeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    depth = serializers.IntegerField(help_text="1 for a top-level category.")
    parent_id = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="The storefront page.")


class CategoryLinkOutput(FieldsBuiltOnce, serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.CharField()


class CategoryDetailOutput(serializers.Serializer):
    category = CategoryLinkOutput()
    description = serializers.CharField()
    ancestors = CategoryLinkOutput(many=True, help_text="From the root down, without the category.")
    children = CategoryLinkOutput(many=True)


# The card and its picture are printed by the dozen (a list page, search, recommendations,
# a product's related products), and DRF reads and converts each value through its field,
# about a third of an uncached list page's Python. Their values are JSON's types already
# (the page shapes of catalog.selectors), so each says how it is written in one expression.
# The declared fields remain the schema; catalog/tests/api/test_catalog_api.py checks that
# both give the same JSON, so a field added to one and not the other fails there.


class PictureOutput(FieldsBuiltOnce, serializers.Serializer):
    card_url = serializers.CharField()
    detail_url = serializers.CharField()
    zoom_url = serializers.CharField()
    alt_text = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance: Picture) -> dict[str, Any]:
        return _picture(instance)


def _picture(picture: Picture) -> dict[str, Any]:
    return {
        "card_url": picture.card_url,
        "detail_url": picture.detail_url,
        "zoom_url": picture.zoom_url,
        "alt_text": picture.alt_text,
        "width": picture.width,
        "height": picture.height,
    }


class ProductCardOutput(FieldsBuiltOnce, serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    price = MoneyField(allow_null=True, help_text="The lowest variant price; null without variants.")
    is_in_stock = serializers.BooleanField()
    category_name = serializers.CharField()
    picture = PictureOutput(allow_null=True)

    def to_representation(self, instance: ProductCard) -> dict[str, Any]:
        price, picture = instance.price, instance.picture
        return {
            "id": instance.id,
            "slug": instance.slug,
            "name": instance.name,
            "url": instance.url,
            "price": None if price is None else money_representation(price),
            "is_in_stock": instance.is_in_stock,
            "category_name": instance.category_name,
            "picture": None if picture is None else _picture(picture),
        }


class ProductPageOutput(FieldsBuiltOnce, serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField(source="number")
    num_pages = serializers.IntegerField()
    page_size = serializers.IntegerField(source="per_page")
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ProductCardOutput(many=True, source="cards")
    corrected_query = serializers.CharField(
        required=False,
        help_text="With `q` only: the query with its misspelt words corrected, for a "
        '"did you mean" link; empty when no word was misspelt.',
    )


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class OptionsField(serializers.Field):
    """Option pairs (the page shape's tuple) as a JSON object."""

    def to_representation(self, value: tuple[tuple[str, str], ...]) -> dict[str, str]:
        return dict(value)


class OptionValueOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    hex = serializers.CharField(help_text="A colour's swatch (#rrggbb); empty for other attributes.")


class VariantAttributeOutput(serializers.Serializer):
    code = serializers.CharField(help_text="The key in each variant's `options`.")
    name = serializers.CharField()
    kind = serializers.CharField()
    values = OptionValueOutput(many=True)


class VariantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    price = MoneyField()
    compare_at_price = MoneyField(allow_null=True, help_text="The former price, when discounted.")
    quantity_available = serializers.IntegerField()
    is_in_stock = serializers.BooleanField()
    is_low_stock = serializers.BooleanField()
    is_discounted = serializers.BooleanField()
    options = OptionsField(
        help_text='A typed product\'s variant: its value of each variant-defining attribute, e.g. {"colour": "red"}.'
    )


class AttributeOutput(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()

    def to_representation(self, instance: tuple[str, str]) -> dict[str, str]:
        return {"name": instance[0], "value": instance[1]}


class ProductDetailOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    description = serializers.CharField()
    attributes = AttributeOutput(many=True)
    price = MoneyField(allow_null=True)
    is_in_stock = serializers.BooleanField()
    updated_at = serializers.DateTimeField()
    category = CategoryLinkOutput()
    ancestors = CategoryLinkOutput(many=True)
    variants = VariantOutput(many=True)
    variant_attributes = VariantAttributeOutput(
        many=True, help_text="What the variants differ by (colour, size), with the values they take."
    )
    pictures = PictureOutput(many=True)
    related = ProductCardOutput(many=True)


class ProductListFilters(FieldsBuiltOnce, serializers.Serializer):
    """The storefront's listing options, validated strictly: an API client gets told, not ignored."""

    category = serializers.SlugField(required=False, help_text="A category slug; its subcategories too.")
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Search words, ranked like the storefront's search. Filters and sort do not apply.",
    )
    sort = serializers.ChoiceField(
        choices=[sort.value for sort in ProductSort], default=ProductSort.POPULAR.value
    )
    price_min = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    price_max = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    in_stock = serializers.BooleanField(required=False, default=False)
    page = serializers.IntegerField(min_value=1, default=1, max_value=1_000_000)
    page_size = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=24,
        help_text=f"1 to {MAX_PAGE_SIZE}; the storefront shows 24.",
    )

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        price_min, price_max = attrs.get("price_min"), attrs.get("price_max")
        if price_min is not None and price_max is not None and price_max < price_min:  # type: ignore[operator]
            raise serializers.ValidationError(
                {"price_max": ["The max price must be at least the min price."]}
            )
        return attrs
