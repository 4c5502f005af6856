"""Input and output shapes of the staff catalog API."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from rest_framework import serializers

from emporium.catalog.images import reencode_uploaded_image
from emporium.catalog.models import Category, Product, ProductImage, ProductType, Variant
from emporium.core.api.fields import SlugRelatedField


class StaffVariantOutput(serializers.ModelSerializer[Variant]):
    class Meta:
        model = Variant
        fields = (
            "id", "sku", "name", "price_amount", "compare_at_amount", "currency",
            "stock_on_hand", "stock_allocated", "weight_grams", "position", "options",
        )  # fmt: skip


class StaffProductOutput(serializers.ModelSerializer[Product]):
    category = serializers.CharField(source="category.slug", read_only=True)
    product_type = serializers.CharField(source="product_type.slug", read_only=True, allow_null=True)
    variants = StaffVariantOutput(many=True, read_only=True)

    class Meta:
        model = Product
        fields = (
            "id", "slug", "name", "category", "product_type", "description", "attributes", "is_published",
            "seo_title", "seo_description", "price_amount", "currency", "is_in_stock", "units_sold",
            "created_at", "updated_at", "variants",
        )  # fmt: skip


class StaffProductSummaryOutput(serializers.ModelSerializer[Product]):
    """A row of the staff product list: the product's summary fields, no variants."""

    category = serializers.CharField(source="category.slug", read_only=True)

    class Meta:
        model = Product
        fields = (
            "id", "slug", "name", "category", "is_published", "price_amount", "currency", "is_in_stock",
            "units_sold", "updated_at",
        )  # fmt: skip


class StaffProductFilters(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words that must all be in the name or slug, or a SKU.",
    )
    published = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only published (true) or hidden (false)."
    )
    category = SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        help_text="A category slug; its subcategories too.",
    )


class StaffProductInput(serializers.Serializer):
    """Every field for a new product; any subset of them for a change (PATCH)."""

    category = SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    product_type = SlugRelatedField(
        slug_field="slug",
        queryset=ProductType.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A product type's slug: its attributes are then checked and stored normalised.",
    )
    name = serializers.CharField(max_length=255)
    slug = serializers.SlugField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    attributes = serializers.DictField(
        required=False,
        default=dict,
        help_text="Attribute code to value; with a product type, only its product-level attributes.",
    )
    is_published = serializers.BooleanField(required=False, default=False)
    seo_title = serializers.CharField(max_length=70, required=False, allow_blank=True, default="")
    seo_description = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")


class StaffVariantInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    price_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    compare_at_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    stock_on_hand = serializers.IntegerField(min_value=0, max_value=2_147_483_647, default=0)
    weight_grams = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, allow_null=True, default=None
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)
    options = serializers.DictField(
        required=False,
        default=dict,
        help_text='The product type\'s variant-defining values, e.g. {"colour": "red", "size": "m"}.',
    )


class StaffProductImageInput(serializers.Serializer):
    image = serializers.ImageField(help_text="A JPEG, PNG or WebP picture; it is stored re-encoded.")
    alt_text = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)

    def validate_image(self, value: UploadedFile) -> UploadedFile:
        return reencode_uploaded_image(value, name=value.name or "image")


class StaffProductImageOutput(serializers.ModelSerializer[ProductImage]):
    url = serializers.CharField(source="image.url", read_only=True)

    class Meta:
        model = ProductImage
        fields = ("id", "url", "width", "height", "alt_text", "position")


class StaffCategoryOutput(serializers.ModelSerializer[Category]):
    """A category with its place in the tree; rows of ``list_categories_for_staff``."""

    # DRF takes declared fields off the class, so the name does not shadow Field.parent at run time.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent_slug", allow_null=True, read_only=True, help_text="The parent's slug; null at the top."
    )
    parent_id = serializers.IntegerField(allow_null=True, read_only=True)
    depth = serializers.IntegerField(read_only=True, help_text="1 for a top-level category.")
    child_count = serializers.IntegerField(
        source="numchild", read_only=True, help_text="Sub-categories directly below it."
    )
    product_count = serializers.IntegerField(read_only=True, help_text="Products filed directly in it.")

    class Meta:
        model = Category
        fields = (
            "id", "name", "slug", "parent", "parent_id", "depth", "child_count", "product_count",
            "description", "seo_title", "seo_description",
        )  # fmt: skip


class StaffCategoryInput(serializers.Serializer):
    """Every field for a new category; any subset of them for a change (PATCH), where
    ``parent`` moves the category with everything below it."""

    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=140)
    parent = SlugRelatedField(  # type: ignore[assignment]  # a body field, not Field.parent (as above)
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The slug of the category to file it under; null for the top of the tree.",
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    seo_title = serializers.CharField(max_length=70, required=False, allow_blank=True, default="")
    seo_description = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
