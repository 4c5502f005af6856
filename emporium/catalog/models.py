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

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from treebeard.mp_tree import MP_Node, MP_NodeManager

from emporium.core.models import TimeStampedModel
from emporium.core.money import Money, default_currency

# Widths (px) of the thumbnails made for every product image, named by where they are shown.
THUMBNAIL_WIDTHS: dict[str, int] = {"card": 400, "detail": 960, "zoom": 1600}


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
        return reverse("catalog:category-detail", kwargs={"slug": self.slug})


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

    objects: ClassVar[ProductQuerySet] = ProductQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        indexes = [
            # One index per listing sort, led by the filters every listing applies.
            models.Index(fields=["category", "is_published", "name"], name="product_cat_name_idx"),
            models.Index(fields=["category", "is_published", "price_amount"], name="product_cat_price_idx"),
            models.Index(fields=["category", "is_published", "-units_sold"], name="product_cat_popular_idx"),
            models.Index(fields=["category", "is_published", "-created_at"], name="product_cat_newest_idx"),
            models.Index(fields=["is_published", "-units_sold"], name="product_popular_idx"),
            models.Index(fields=["is_published", "-created_at"], name="product_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product-detail", kwargs={"slug": self.slug})

    @property
    def price(self) -> Money | None:
        """The lowest variant price ("from £2.55"), or None while the product has no variant."""
        return None if self.price_amount is None else Money(self.price_amount, self.currency)


class Variant(TimeStampedModel):
    """A sellable unit: one SKU with its own price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(
        max_length=120, blank=True, help_text="The option, e.g. 'Pack of 12'; blank if only one."
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

    available_when_loaded: int | None = None  # set by from_db

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price_amount__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(stock_allocated__lte=F("stock_on_hand")), name="variant_allocation_within_stock"
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
