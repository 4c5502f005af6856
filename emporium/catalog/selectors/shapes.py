"""What pages show: small frozen dataclasses built from the rows, cached by the page selectors.

A template given one of these cannot run a query by touching a relation. They are pickled
into the cache: a field added later needs a default, so entries cached before it still load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from emporium.catalog.attributes import AttributeKind
from emporium.catalog.models import Category, Product, ProductImage
from emporium.core.money import Money
from emporium.core.reverse import reverse_one

# The columns ``ProductCard.from_columns`` takes, in its order, as ``PreparedQuery.rows`` names
# them in ``cards_queryset``.
CARD_COLUMNS = (
    "id", "name", "slug", "price_amount", "currency", "is_in_stock", "rating_average", "rating_count",
    "category_id", "product_type_id", "category.name", "first_image",
)  # fmt: skip

# A variant with this many units or fewer left says "only N left" on the product page.
LOW_STOCK_THRESHOLD = 5


@dataclass(frozen=True)
class CategoryLink:
    id: int
    name: str
    slug: str
    path: str
    url: str

    @classmethod
    def from_category(cls, category: Category) -> CategoryLink:
        return cls(
            id=category.pk,
            name=category.name,
            slug=category.slug,
            path=category.path,
            url=category.get_absolute_url(),
        )

    @property
    def placeholder_tone(self) -> int:
        return self.id % 6


# Above every top-level category: the empty path is a prefix of them all, so a listing of
# this "category" is the whole published catalog (the API's product list without a filter).
ALL_PRODUCTS = CategoryLink(id=0, name="All products", slug="", path="", url="")


@dataclass(frozen=True)
class Picture:
    """A product image by its thumbnail URLs (derived from the file name: no query, no resize)."""

    card_url: str
    detail_url: str
    zoom_url: str
    alt_text: str
    width: int | None
    height: int | None
    # False until the background task has made them: every URL is then the original's.
    # Last, with a default: pictures cached before it existed still load.
    has_thumbnails: bool = True

    @classmethod
    def from_first_image(cls, first: Mapping[str, Any], *, product_id: int, product_name: str) -> Picture:
        """From ``cards_queryset``'s ``first_image`` (catalog.selectors.queries.first_image)."""
        image = ProductImage(
            id=first["id"],
            product_id=product_id,
            image=first["image"],
            alt_text=first["alt_text"],
            width=first["width"],
            height=first["height"],
            thumbnails_ready=bool(first["thumbnails_ready"]),  # SQLite's JSON says 0 or 1
        )
        return cls.from_image(image, product_name=product_name)

    @classmethod
    def from_image(cls, image: ProductImage, *, product_name: str) -> Picture:
        return cls(
            card_url=image.card_url,
            detail_url=image.detail_url,
            zoom_url=image.zoom_url,
            alt_text=image.alt_text or product_name,
            width=image.width,
            height=image.height,
            has_thumbnails=image.thumbnails_ready,
        )


@dataclass(frozen=True)
class ProductCard:
    id: int
    name: str
    url: str
    price: Money | None
    is_in_stock: bool
    category_name: str
    picture: Picture | None
    # Last, with a default: cards cached before it existed still load (and read as "").
    slug: str = ""
    rating_average: Decimal | None = None  # approved reviews only (reviews app)
    rating_count: int = 0
    # What promotions target (emporium.promotions' sale_price tag); 0 on cards cached before.
    category_id: int = 0
    product_type_id: int | None = None

    @classmethod
    def from_product(cls, product: Product) -> ProductCard:
        """The card of a product read by ``cards_queryset`` (its ``first_image`` annotation)."""
        return cls.from_columns(
            product.pk,
            product.name,
            product.slug,
            product.price_amount,
            product.currency,
            product.is_in_stock,
            product.rating_average,
            product.rating_count,
            product.category_id,
            product.product_type_id,
            product.category.name,
            product.first_image,  # type: ignore[attr-defined]
        )

    @classmethod
    def from_columns(
        cls,
        id: int,
        name: str,
        slug: str,
        price_amount: Decimal | None,
        currency: str,
        is_in_stock: bool,
        rating_average: Decimal | None,
        rating_count: int,
        category_id: int,
        product_type_id: int | None,
        category_name: str,
        first_image: Mapping[str, Any] | None,
    ) -> ProductCard:
        """The card of one row of ``cards_queryset``, its columns in the order of CARD_COLUMNS
        (a prepared listing reads them without building the model instances:
        ``catalog.selectors.queries.PreparedListing.read_cards``)."""
        return cls(
            id=id,
            name=name,
            url=reverse_one("catalog:product-detail", kwarg="slug", value=slug),
            price=None if price_amount is None else Money(price_amount, currency),
            is_in_stock=is_in_stock,
            category_name=category_name,
            picture=None
            if first_image is None
            else Picture.from_first_image(first_image, product_id=id, product_name=name),
            slug=slug,
            rating_average=rating_average,
            rating_count=rating_count,
            category_id=category_id,
            product_type_id=product_type_id,
        )

    @property
    def placeholder_tone(self) -> int:
        """One of six background tones, so a grid of products without photos is not a grey wall."""
        return self.id % 6


@dataclass(frozen=True)
class ResultsPage:
    """One page of product cards. ``number`` is the page shown, which may differ from the one asked for."""

    cards: tuple[ProductCard, ...]
    number: int
    num_pages: int
    count: int
    per_page: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return 0 if not self.count else (self.number - 1) * self.per_page + 1

    @property
    def end_index(self) -> int:
        return min(self.number * self.per_page, self.count)

    def page_links(self, *, around: int = 2) -> list[int | None]:
        """Page numbers to link, with None where a run of pages is left out: 1 … 4 5 [6] 7 8 … 20."""
        shown = {1, self.num_pages, *range(self.number - around, self.number + around + 1)}
        links: list[int | None] = []
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.num_pages):
            if number - previous > 1:
                links.append(None)
            links.append(number)
            previous = number
        return links


@dataclass(frozen=True)
class CategoryPage:
    category: CategoryLink
    description: str
    seo_title: str
    seo_description: str
    ancestors: tuple[CategoryLink, ...]  # from the root down, without the category itself
    children: tuple[CategoryLink, ...]
    # (path, id) of the category and of every category below it: what a listing of it or of a
    # sub-category filters on (queries.in_category_subtree). A copy cached before this field
    # existed reads the default, and its listings join on the path as they used to.
    subtree: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class OptionValue:
    """One value a variant-defining attribute takes on a product (a colour with its swatch)."""

    code: str
    name: str
    hex: str = ""


@dataclass(frozen=True)
class VariantAttribute:
    """An attribute the product's variants differ by, with the values they take, in order."""

    code: str
    name: str
    kind: str
    values: tuple[OptionValue, ...]

    @property
    def is_colour(self) -> bool:
        return self.kind == AttributeKind.COLOUR


@dataclass(frozen=True)
class VariantOption:
    id: int
    sku: str
    name: str
    price: Money
    compare_at_price: Money | None
    quantity_available: int
    # The variant's value of each variant-defining attribute, by code (typed products only).
    options: tuple[tuple[str, str], ...] = ()

    def matches(self, selection: dict[str, str]) -> bool:
        own = dict(self.options)
        return all(own.get(code) == value for code, value in selection.items())

    @property
    def is_in_stock(self) -> bool:
        return self.quantity_available > 0

    @property
    def is_low_stock(self) -> bool:
        return 0 < self.quantity_available <= LOW_STOCK_THRESHOLD

    @property
    def is_discounted(self) -> bool:
        return self.compare_at_price is not None and self.compare_at_price > self.price


@dataclass(frozen=True)
class ProductPage:
    id: int
    name: str
    slug: str
    url: str
    description: str
    attributes: tuple[tuple[str, str], ...]
    seo_title: str
    seo_description: str
    price: Money | None
    is_in_stock: bool
    updated_at: datetime
    category: CategoryLink
    ancestors: tuple[CategoryLink, ...]  # from the root down, without the product's own category
    variants: tuple[VariantOption, ...]
    pictures: tuple[Picture, ...]
    related: tuple[ProductCard, ...]
    rating_average: Decimal | None = None  # approved reviews only (reviews app)
    rating_count: int = 0
    # What the variants differ by (a product type's variant-defining attributes), for the picker.
    variant_attributes: tuple[VariantAttribute, ...] = ()
    product_type_id: int | None = None  # what promotions may target, beside the category

    @property
    def trail(self) -> tuple[CategoryLink, ...]:
        """The breadcrumb categories above the product: its ancestors, then its own category."""
        return (*self.ancestors, self.category)

    @property
    def default_variant(self) -> VariantOption | None:
        """The variant preselected on the page: the first one that can be bought."""
        return next((v for v in self.variants if v.is_in_stock), self.variants[0] if self.variants else None)

    @property
    def placeholder_tone(self) -> int:
        return self.id % 6


@dataclass(frozen=True)
class HomePage:
    bestsellers: tuple[ProductCard, ...]
    new_arrivals: tuple[ProductCard, ...]
    categories: tuple[CategoryLink, ...]


@dataclass(frozen=True)
class Suggestion:
    name: str
    url: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    terms: tuple[str, ...] = ()
    results: ResultsPage | None = None
    # The query with its misspelt words corrected ("did you mean"), or "" when none was.
    corrected_query: str = ""


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    depth: int
    parent_id: int | None
    url: str
