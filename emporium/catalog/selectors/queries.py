"""Query selectors: querysets that load up front everything a product card or page shows.

Category joined, the first picture (cards) or the images in order (pages), variants where the page shows them, so a page's
query count never grows with the page size or the number of variants and images.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import connection
from django.db.models import F, JSONField, OrderBy, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.db.models.lookups import In

from emporium.catalog.models import Category, CategoryProductCount, Product, ProductImage, Variant
from emporium.catalog.selectors.filters import ProductFilters, ProductSort, price_range_q
from emporium.catalog.selectors.shapes import CARD_COLUMNS, ProductCard
from emporium.core.prepared import (
    Bind,
    PreparedQuery,
    bound_slice,
    remember_related,
    repeated_statement_cursor,
)

# Each ordering ends on the primary key so that pages never overlap or skip a product.
_ORDERINGS: dict[ProductSort, tuple[OrderBy | str, ...]] = {
    ProductSort.POPULAR: (F("units_sold").desc(), "name", "pk"),
    ProductSort.NEWEST: (F("created_at").desc(), F("pk").desc()),
    ProductSort.PRICE_ASC: (F("price_amount").asc(nulls_last=True), "name", "pk"),
    ProductSort.PRICE_DESC: (F("price_amount").desc(nulls_last=True), "name", "pk"),
    ProductSort.NAME: ("name", "pk"),
}


class TreeNode(Protocol):
    """A category or its cached summary: listing a subtree only needs the materialised path."""

    @property
    def path(self) -> str: ...


# What ProductCard.from_product reads, and nothing else: a card needs neither the description
# nor the attributes, the biggest columns of the row (half a listing's time went to loading
# and building whole rows).
CARD_FIELDS = (
    "name", "slug", "price_amount", "currency", "is_in_stock", "rating_average", "rating_count",
    "product_type", "category", "category__name", "category__slug",
)  # fmt: skip


def cards_queryset() -> QuerySet[Product]:
    """Published products with what a card shows, whatever the page size: one query, each
    product's first picture as ``first_image`` (:func:`first_image`)."""
    return _cards_base().all()  # a copy: filtering or running it leaves the base as built


@functools.cache
def _cards_base() -> QuerySet[Product]:
    """Built once per process: resolving the picture's subquery and the deferred fields costs
    about half a millisecond, a tenth of a search's results, and nothing in it varies (a clone
    is a few microseconds). Never run itself, so it holds no rows."""
    return (
        Product.objects.published()
        .select_related("category")
        .only(*CARD_FIELDS)
        .annotate(first_image=first_image())
    )


# The columns of a picture a card shows (ProductCard.from_product makes the ProductImage).
FIRST_IMAGE_FIELDS = ("id", "image", "alt_text", "width", "height", "thumbnails_ready")


def first_image() -> Subquery:
    """A product's first picture (by position) as one JSON object of FIRST_IMAGE_FIELDS, or NULL.

    In the products' own query: a card shows only the first picture, and prefetching them all
    cost a second query and a queryset per product (a tenth of the API list's time)."""
    first = (
        ProductImage.objects.filter(product=OuterRef("pk"))
        .order_by("position", "pk")
        .values(json=JSONObject(**{field: field for field in FIRST_IMAGE_FIELDS}))[:1]
    )
    return Subquery(first, output_field=JSONField())


def list_top_level_categories() -> QuerySet[Category]:
    return Category.objects.get_root_nodes().order_by("path")


def _lineage_paths(path: str) -> list[str]:
    """The paths of a node and all its ancestors: in a materialised path each is a prefix."""
    step = Category.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def list_category_family_of_slug(*, slug: str) -> list[Category]:
    """The category of ``slug``, its ancestors and every category below it, root first, in
    one query (a category page read from scratch runs it; compiled once: emporium.core.
    prepared). Empty for an unknown slug."""
    return _FAMILY_OF_SLUG.all(slug=slug)


def _family_of_slug() -> QuerySet[Category]:
    chosen = Category.objects.filter(slug=Bind("slug", Category._meta.get_field("slug"))).values("path")[:1]
    return (
        Category.objects.alias(chosen=Subquery(chosen))  # read once, not for each category
        # The chosen category's path starts with its ancestors' and its own; its descendants'
        # paths start with its own.
        .filter(Q(chosen__startswith=F("path")) | Q(path__startswith=F("chosen")))
        .order_by("depth", "name", "pk")
    )


_FAMILY_OF_SLUG = PreparedQuery(_family_of_slug)


def list_category_lineage(*, category: Category) -> QuerySet[Category]:
    """The root down to the category itself (included, so the query runs whatever the depth)."""
    return Category.objects.filter(path__in=_lineage_paths(category.path)).order_by("depth")


def in_category_subtree(category: TreeNode, *, subtree: Sequence[tuple[str, int]] = ()) -> Q:
    """Products of the category and every category below it.

    Given ``subtree``, the (path, id) of categories at and below it (a cached category page
    holds them), the condition is on the product's own column: one category is read in order
    straight from its listing index (``product_cat_*_idx``), and the planner counts a few
    categories' products right. Joined on the path instead, PostgreSQL guesses a subtree's
    share of the catalog, and for a small category it walked the whole catalog's best sellers
    to find a page (20 ms instead of 0.2 at 53,000 products).
    """
    if not category.path:
        return Q()  # every category
    ids = subtree_ids(category, subtree=subtree)
    if not ids:
        return Q(category__path__startswith=category.path)
    return in_categories(ids)


def subtree_ids(category: TreeNode, *, subtree: Sequence[tuple[str, int]]) -> list[int]:
    """The ids of the category and those below it, of ``subtree``'s (path, id) pairs."""
    return [pk for path, pk in subtree if path.startswith(category.path)]


def in_categories(ids: Sequence[object]) -> Q:
    """Products of these categories (ids, or a prepared query's values: a lookup on the
    column, as the relation's own ``__in`` takes only ids)."""
    if len(ids) == 1:
        return Q(category_id=ids[0])
    return Q(In(F("category_id"), list(ids)))


def list_products_for_category(
    *, category: TreeNode, filters: ProductFilters, subtree: Sequence[tuple[str, int]] = ()
) -> QuerySet[Product]:
    """Published products of the category and every category below it (``subtree``: see
    in_category_subtree), filtered and sorted.

    Filters and sorts read the product's summary fields (lowest price, stock, units sold),
    never an aggregate over variants, so the cost does not grow with the variants.
    """
    products = cards_queryset().filter(in_category_subtree(category, subtree=subtree)).filter(filters.q)
    return products.order_by(*_ORDERINGS[filters.sort])


def page_of(
    products: QuerySet[Product], *, offset: int | None = None, limit: int | None = None
) -> QuerySet[Product]:
    """The products of one page, in one query: the page's ids are found by a subquery that
    reads only the ids, sort keys and filtered columns (the listing indexes hold all of them,
    so PostgreSQL walks an index alone), and only those rows are read whole. Sliced directly,
    every product before the page was read from the table on the way to it, and every one
    that "in stock only" skipped (7 ms for page 11 of a category at 53,000 products; 0.2 ms).
    Without ``offset`` and ``limit``, a prepared query's page, bounded at each run
    (emporium.core.prepared.bound_slice)."""
    ids = products.prefetch_related(None).values("pk")
    if offset is None or limit is None:
        return products.filter(pk__in=bound_slice(ids))
    return products.filter(pk__in=ids[offset : offset + limit])


@dataclass(frozen=True)
class PreparedListing:
    """A listing of :func:`list_products_for_category` run from SQL compiled once per shape:
    what varies between a shop's listings (the category, the prices asked for, the page) are
    values of the same few queries. A category page read from scratch compiled its listing and
    its count on every request (ADR 19 measured the ORM's compiling on the money path)."""

    products: PreparedQuery[Product]
    page: PreparedQuery[Product]
    shape: FilterShape
    values: Mapping[str, object]

    def count(self) -> int:
        """Without a price bound, the categories' kept counts (:func:`kept_count`: a row per
        category read); with one, the matching products counted."""
        if self.shape.price_min or self.shape.price_max:
            return self.products.count(**self.values)
        ids = [self.values[f"category{index}"] for index in range(self.shape.categories)]
        return kept_count(category_ids=ids, in_stock_only=self.shape.in_stock_only)

    def read_cards(self, offset: int, limit: int) -> list[ProductCard]:
        """The page's cards, built straight from its columns: a listing's model instances (a
        product and its category each) cost more Python than the rest of reading the page."""
        rows = self.page.rows(CARD_COLUMNS, offset=offset, limit=limit, **self.values)
        return [ProductCard.from_columns(*row) for row in rows]


@dataclass(frozen=True)
class FilterShape:
    """What a prepared listing's condition looks like: how many categories its subtree has,
    which price bounds it has, in stock only or not. The values are given at each run."""

    categories: int
    price_min: bool
    price_max: bool
    in_stock_only: bool

    def condition(self) -> Q:
        """The condition with :class:`Bind` values named as :func:`prepare_filter` names them."""
        price = Product._meta.get_field("price_amount")
        ids = [Bind(f"category{index}", Category._meta.pk) for index in range(self.categories)]
        return (
            (in_categories(ids) if ids else Q())
            & price_range_q(
                Bind("price_min", price) if self.price_min else None,
                Bind("price_max", price) if self.price_max else None,
            )
            & ProductFilters(in_stock_only=self.in_stock_only).stock_q
        )


def prepare_filter(
    *, category: TreeNode | None, filters: ProductFilters, subtree: Sequence[tuple[str, int]]
) -> tuple[FilterShape, dict[str, object]] | None:
    """The shape and values of ``in_category_subtree(category) & filters.q`` (the sort aside),
    for a prepared query; None for what stays the ORM's: attribute, option, number and yes/no
    filters (a query of their own shape per choice), and a category not found in ``subtree``."""
    if filters.attributes or filters.options or filters.ranges or filters.flags:
        return None
    ids = subtree_ids(category, subtree=subtree) if category is not None and category.path else []
    if category is not None and category.path and not ids:
        return None
    values: dict[str, object] = {f"category{index}": pk for index, pk in enumerate(ids)}
    if filters.price_min is not None:
        values["price_min"] = filters.price_min
    if filters.price_max is not None:
        values["price_max"] = filters.price_max
    shape = FilterShape(
        categories=len(ids),
        price_min=filters.price_min is not None,
        price_max=filters.price_max is not None,
        in_stock_only=filters.in_stock_only,
    )
    return shape, values


def prepare_listing(
    *, category: TreeNode, filters: ProductFilters, subtree: Sequence[tuple[str, int]]
) -> PreparedListing | None:
    """The listing of ``list_products_for_category(category=..., filters=..., subtree=...)``,
    prepared; None for what :func:`prepare_filter` leaves to the ORM."""
    prepared = prepare_filter(category=category, filters=filters, subtree=subtree)
    if prepared is None:
        return None
    shape, values = prepared
    products, page = _listing_queries(sort=filters.sort, shape=shape)
    return PreparedListing(products=products, page=page, shape=shape, values=values)


def kept_count(*, category_ids: Sequence[object], in_stock_only: bool) -> int:
    """How many published products (in stock, with ``in_stock_only``) these categories hold
    themselves, all categories when none is given: a sum of the rows the database keeps for
    each (:class:`~emporium.catalog.models.CategoryProductCount`), however many products."""
    column = "in_stock" if in_stock_only else "published"
    table = CategoryProductCount._meta.db_table
    sql = f"SELECT COALESCE(SUM({column}), 0) FROM {table}"  # noqa: S608  # nosec B608: names of ours
    if category_ids:
        sql += f" WHERE category_id IN ({', '.join(['%s'] * len(category_ids))})"
    with repeated_statement_cursor(connection) as cursor:
        cursor.execute(sql, list(category_ids))
        return int(cursor.fetchone()[0])


# Shapes: 5 sorts, in stock or not, either price bound or not, and how many categories a
# subtree has (at most the categories there are): a few hundred at most, each compiled once per
# connection. Not prepared on the server: the best plan depends on the category and the page.
@functools.lru_cache(maxsize=512)
def _listing_queries(
    *, sort: ProductSort, shape: FilterShape
) -> tuple[PreparedQuery[Product], PreparedQuery[Product]]:
    def products() -> QuerySet[Product]:
        return cards_queryset().filter(shape.condition()).order_by(*_ORDERINGS[sort])

    return (
        PreparedQuery(products, server_prepared=False),
        PreparedQuery(lambda: page_of(products()), server_prepared=False),
    )


def list_bestsellers(*, limit: int) -> QuerySet[Product]:
    return cards_queryset().order_by("-units_sold", "pk")[:limit]


def list_new_arrivals(*, limit: int) -> QuerySet[Product]:
    return cards_queryset().order_by("-created_at", "-pk")[:limit]


def list_category_bestsellers(*, category_id: int, limit: int) -> QuerySet[Product]:
    """The best sellers of one category (not those below it), from its listing index."""
    return cards_queryset().filter(category_id=category_id).order_by("-units_sold", "pk")[:limit]


# A product page read from scratch (a shop's traffic mostly is: issue 18) runs these three;
# compiled once (emporium.core.prepared).
_PUBLISHED_PRODUCT = PreparedQuery(
    lambda: (
        Product.objects.published()
        .select_related("category", "product_type")
        .defer("search_document")  # the search's, never shown
        .filter(slug=Bind("slug", Product._meta.get_field("slug")))
    )
)
_PRODUCT_VARIANTS = PreparedQuery(
    lambda: Variant.objects.filter(product_id=Bind("product", Product._meta.pk)).order_by("position", "pk")
)
_PRODUCT_IMAGES = PreparedQuery(
    lambda: ProductImage.objects.filter(product_id=Bind("product", Product._meta.pk)).order_by(
        "position", "pk"
    )
)


def get_published_product(*, slug: str) -> Product:
    """A published product with its category, type, variants and images (``variants.all()``
    and ``images.all()`` read nothing more). Raises Product.DoesNotExist."""
    product = _PUBLISHED_PRODUCT.first(slug=slug)
    if product is None:
        raise Product.DoesNotExist("Product matching query does not exist.")
    remember_related(product, "variants", _PRODUCT_VARIANTS.all(product=product.pk))
    remember_related(product, "images", _PRODUCT_IMAGES.all(product=product.pk))
    return product


def list_purchasable_variants() -> QuerySet[Variant]:
    """Variants a shopper may put in a cart: those of published products (:func:`is_purchasable`
    says the same of a variant already read with its product).

    The product is joined to filter on, not read: adding to a cart needs only the variant's own
    columns (price, currency, stock), and reading the product's 19 as well made the lookup take
    half as long again.
    """
    return Variant.objects.filter(product__is_published=True)


# Every add to a cart looks its variant up: compiled once (emporium.core.prepared).
_PURCHASABLE_VARIANT = PreparedQuery(
    lambda: list_purchasable_variants().filter(pk=Bind("variant", Variant._meta.pk))
)


def find_purchasable_variant(*, variant_id: object) -> Variant | None:
    """The variant of this id if a shopper may put it in a cart (:func:`list_purchasable_variants`),
    else None. Raises TypeError or ValueError for an id that is not a whole number, as the ORM does."""
    return _PURCHASABLE_VARIANT.first(variant=variant_id)


def is_purchasable(variant: Variant) -> bool:
    """The rule of :func:`list_purchasable_variants`, for a variant read with its product: no
    query (checkout reads its lines' variants and products anyway)."""
    return variant.product.is_published
