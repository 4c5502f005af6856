"""The catalog: a category tree, products, their variants (SKUs) and images.

List pages filter and sort on price, stock and popularity for tens of thousands of products.
Aggregating variants for that on every request would grow with the catalog, so each product
carries a small summary of its variants (``price_amount``, ``is_in_stock``), kept true by
:func:`emporium.catalog.services.refresh_product_summaries` whenever variants change.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any, ClassVar

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from treebeard.mp_tree import MP_Node, MP_NodeManager

from emporium.catalog.attributes import AttributeKind, normalise_product_attributes, normalise_variant_options
from emporium.catalog.search import SearchDocument
from emporium.core.models import TimeStampedModel
from emporium.core.money import Money, default_currency
from emporium.core.reverse import reverse_one

# Widths (px) of the thumbnails made for every product image, named by where they are shown.
THUMBNAIL_WIDTHS: dict[str, int] = {"card": 400, "detail": 960, "zoom": 1600}
VARIANT_NAME_MAX_LENGTH = 120


class Category(MP_Node):
    """A node of the category tree, any depth (materialised path: a subtree is one prefix)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=160, blank=True)

    node_order_by: ClassVar[list[str]] = ["name"]
    objects: ClassVar[MP_NodeManager] = MP_NodeManager()

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse_one("catalog:category-detail", kwarg="slug", value=self.slug)


class Attribute(models.Model):
    """A fact a product type declares: its ``code`` is the key in ``Product.attributes`` or
    ``Variant.options`` and in the storefront's URLs (``?colour=red``), so it never changes."""

    code = models.SlugField(max_length=50, unique=True, help_text="The key in stored values and URLs.")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=AttributeKind.choices, default=AttributeKind.TEXT)
    unit = models.CharField(max_length=20, blank=True, help_text="Numbers only, e.g. 'cm' or 'g'.")

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_allowed_values(self) -> bool:
        return self.kind in (AttributeKind.CHOICE, AttributeKind.COLOUR)

    def clean(self) -> None:
        if self.unit and self.kind != AttributeKind.NUMBER:
            raise ValidationError({"unit": "Only numbers have a unit."})


class AttributeValue(models.Model):
    """One allowed value of a choice or colour attribute; colours carry their swatch."""

    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    code = models.SlugField(max_length=50, help_text="What is stored and what the URL carries.")
    name = models.CharField(max_length=80)
    hex = models.CharField(
        "colour",
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is # and six hex digits, e.g. #c0392b.")],
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "code"], name="attribute_value_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            kind = self.attribute.kind
        except Attribute.DoesNotExist:  # the attribute's own form reports it missing
            return
        if kind == AttributeKind.COLOUR and not self.hex:
            raise ValidationError({"hex": "A colour needs its swatch, e.g. #c0392b."})
        if kind != AttributeKind.COLOUR and self.hex:
            raise ValidationError({"hex": "Only colours have a swatch."})


class ProductType(models.Model):
    """What kind of thing a product is, and so which attributes it has: product-level ones
    (material, width) stored in ``Product.attributes``, and the variant-defining ones (colour,
    size) stored in each ``Variant.options``, one variant per combination."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ProductTypeAttribute(models.Model):
    product_type = models.ForeignKey(ProductType, on_delete=models.CASCADE, related_name="type_attributes")
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="type_uses")
    defines_variants = models.BooleanField(
        default=False, help_text="Each variant has its own value (colour, size); else one per product."
    )
    is_required = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_type", "attribute"], name="product_type_attribute_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_type}: {self.attribute}"

    def clean(self) -> None:
        # The product page offers one control per variant-defining attribute: a list to pick from.
        try:
            attribute = self.attribute
        except Attribute.DoesNotExist:  # the form reports it missing
            return
        if self.defines_variants and not attribute.has_allowed_values:
            raise ValidationError(
                {"defines_variants": "Only choice and colour attributes can tell variants apart."}
            )


class ProductQuerySet(models.QuerySet["Product"]):
    def published(self) -> ProductQuerySet:
        return self.filter(is_published=True)


def validate_no_null_characters(value: object) -> None:
    """Refuse free-form JSON holding a NUL character in any key or text: PostgreSQL's jsonb
    cannot store one (a 500 at save time), though SQLite would keep it."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
    elif isinstance(value, dict):
        for key, item in value.items():
            validate_no_null_characters(key)
            validate_no_null_characters(item)
    elif isinstance(value, list):
        for item in value:
            validate_no_null_characters(item)


class Product(TimeStampedModel):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    product_type = models.ForeignKey(
        ProductType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        help_text="Declares the attributes and what the variants differ by; none keeps them free-form.",
    )
    attributes = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_no_null_characters],
        help_text='Free-form facts, e.g. {"material": "tin"}.',
    )
    is_published = models.BooleanField(default=True)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=160, blank=True)

    # Summary of the variants, for listing without aggregates (see module docstring).
    price_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, editable=False)
    currency = models.CharField(max_length=3, default=default_currency, editable=False)
    is_in_stock = models.BooleanField(default=False, editable=False)
    # Units sold, for "bestsellers" and the popularity sort; refreshed from order lines.
    units_sold = models.PositiveIntegerField(default=0, editable=False)
    # Approved reviews' average and count, written by the reviews app through
    # catalog.services.record_product_rating when moderation changes, so cards need no aggregate.
    rating_average = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True, editable=False
    )
    rating_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # Name (weight A) and description (B) as a full-text vector, written by PostgreSQL on every
    # insert and update (emporium.catalog.search); NULL on SQLite, which searches without it.
    search_document = models.GeneratedField(
        expression=SearchDocument(), output_field=SearchVectorField(null=True), db_persist=True
    )

    objects: ClassVar[ProductQuerySet] = ProductQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        indexes = [
            # One index per listing sort, led by the filters every listing applies and holding the
            # whole ordering (tie-breakers too) and the stock and price that filters read: a page's
            # ids come from the index alone (catalog.selectors.pages._paginate), however deep the
            # page or however many products "in stock only" skips. Price high to low (NULLS LAST,
            # which SQLite's indexes cannot say) is migration 0011's, on PostgreSQL only.
            models.Index(
                fields=["category", "is_published", "name", "id"],
                include=["is_in_stock", "price_amount"],
                name="product_cat_name_idx",
            ),
            models.Index(
                fields=["category", "is_published", "price_amount", "name", "id"],
                include=["is_in_stock"],
                name="product_cat_price_idx",
            ),
            models.Index(
                fields=["category", "is_published", "-units_sold", "name", "id"],
                include=["is_in_stock", "price_amount"],
                name="product_cat_popular_idx",
            ),
            models.Index(
                fields=["category", "is_published", "-created_at", "-id"],
                include=["is_in_stock", "price_amount"],
                name="product_cat_newest_idx",
            ),
            models.Index(fields=["is_published", "-units_sold"], name="product_popular_idx"),
            models.Index(fields=["is_published", "-created_at"], name="product_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse_one("catalog:product-detail", kwarg="slug", value=self.slug)

    def clean(self) -> None:
        """With a type, the attributes are checked against it and stored normalised
        (``{"width": "12"}`` becomes ``{"width": 12}``); without one they stay free-form."""
        if self.product_type is None:
            return
        self.attributes = normalise_product_attributes(product_type=self.product_type, values=self.attributes)

    @property
    def price(self) -> Money | None:
        """The lowest variant price ("from £2.55"), or None while the product has no variant."""
        return None if self.price_amount is None else Money(self.price_amount, self.currency)


class CategoryProductCount(models.Model):
    """How many published products a category holds itself (not those below it), and how many
    of them are in stock: a listing's count without counting its products (issue 18).

    Kept by the database, not by the app: triggers on ``catalog_product`` (migration 0012) add
    and take away in the transaction that inserts, deletes or changes a product's category,
    ``is_published`` or ``is_in_stock``, whichever way it is written (``save``, a queryset's
    ``update``, ``bulk_create``, raw SQL), so the counts are exact, never a cache. The app only
    reads them (``catalog.selectors.queries.kept_count``). On SQLite a migration that rebuilds
    ``catalog_product`` drops its triggers and must create them again (0012's SQL); the tests
    of the counts, run on the migrated database, fail until it does.
    """

    category = models.OneToOneField(Category, on_delete=models.CASCADE, primary_key=True, related_name="+")
    published = models.IntegerField(default=0)
    in_stock = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.category_id}: {self.published} published, {self.in_stock} in stock"


class Variant(TimeStampedModel):
    """A sellable unit: one SKU with its own price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(
        max_length=VARIANT_NAME_MAX_LENGTH,
        blank=True,
        help_text="The option, e.g. 'Pack of 12'; blank if only one.",
    )
    price_amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, default=default_currency)
    compare_at_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The former price, shown struck through.",
    )
    stock_on_hand = models.PositiveIntegerField(default=0)
    # Reserved by placed but unpaid or unshipped orders (the checkout issue fills it).
    stock_allocated = models.PositiveIntegerField(default=0)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # The values of the product type's variant-defining attributes, e.g. {"colour": "red",
    # "size": "m"}: codes, keys sorted, checked by clean(). Empty for a product without a type.
    options = models.JSONField(default=dict, blank=True, validators=[validate_no_null_characters])

    available_when_loaded: int | None = None  # set by from_db

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price_amount__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(stock_allocated__lte=F("stock_on_hand")), name="variant_allocation_within_stock"
            ),
            # Two variants of one product cannot be the same option (clean() says which field).
            models.UniqueConstraint(
                fields=["product", "options"],
                condition=~Q(options={}),
                name="variant_options_unique_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} ({self.sku})" if not self.name else f"{self.product.name}, {self.name}"

    def clean(self) -> None:
        # The database constraint below would say the same by its name, as an error of no field;
        # staff (admin and API) need to be told which number is wrong, and why.
        on_hand, allocated = self.stock_on_hand, self.stock_allocated
        if on_hand is not None and allocated is not None and on_hand < allocated:
            raise ValidationError(
                {"stock_on_hand": f"Orders hold {allocated} of these: there cannot be fewer in stock."}
            )
        try:
            product: Product | None = self.product  # unsaved yet when the admin adds both at once
        except Product.DoesNotExist:
            product = None  # the product field's own error says it is missing
        if product is not None:
            checked = normalise_variant_options(product=product, values=self.options, variant_id=self.pk)
            self.options = checked.options
            if not self.name:
                # Carts, orders and e-mails name a variant by its name: "Cotton tee, Red, Medium".
                self.name = checked.label[:VARIANT_NAME_MAX_LENGTH]

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def compare_at_price(self) -> Money | None:
        return None if self.compare_at_amount is None else Money(self.compare_at_amount, self.currency)

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Variant:
        instance = super().from_db(db, field_names, values, **kwargs)
        # What could be sold when the row was read: a save that raises it tells the shop that
        # stock came back (catalog.signals), without a query to read the old row again.
        deferred = instance.get_deferred_fields()
        instance.available_when_loaded = (
            None if {"stock_on_hand", "stock_allocated"} & deferred else instance.quantity_available
        )
        return instance

    @property
    def quantity_available(self) -> int:
        return max(self.stock_on_hand - self.stock_allocated, 0)

    @property
    def is_in_stock(self) -> bool:
        return self.quantity_available > 0


def product_image_path(instance: ProductImage, filename: str) -> str:
    return f"products/{instance.product_id}/{PurePosixPath(filename).name}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    alt_text = models.CharField(
        max_length=200, blank=True, help_text="What the picture shows, for screen readers."
    )
    position = models.PositiveSmallIntegerField(default=0)
    # Thumbnails are made by a background task after the picture is saved (inline in embedded
    # mode); until they exist, pages show the original.
    thumbnails_ready = models.BooleanField(default=False, editable=False)

    image_name_when_loaded: str | None = None  # set by from_db

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt_text or str(self.image.name)

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> ProductImage:
        instance = super().from_db(db, field_names, values, **kwargs)
        # The file's name when the row was read: a save with another file needs new thumbnails
        # (catalog.signals). None when the column was not read.
        loaded = instance.__dict__.get("image")
        instance.image_name_when_loaded = None if loaded is None else str(loaded)
        return instance

    def thumbnail_name(self, size: str) -> str:
        """Where the thumbnail of that size lives: derived from the name, so no query is needed."""
        path = PurePosixPath(str(self.image.name))
        return str(path.parent / "thumbs" / f"{path.stem}-{THUMBNAIL_WIDTHS[size]}.webp")

    def thumbnail_url(self, size: str) -> str:
        if not self.thumbnails_ready:
            return self.image.storage.url(self.image.name)
        return self.image.storage.url(self.thumbnail_name(size))

    @property
    def card_url(self) -> str:
        return self.thumbnail_url("card")

    @property
    def detail_url(self) -> str:
        return self.thumbnail_url("detail")

    @property
    def zoom_url(self) -> str:
        return self.thumbnail_url("zoom")
