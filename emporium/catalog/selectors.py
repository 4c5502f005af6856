"""Reads on the catalog for the storefront.

Two layers, both read-only:

* Query selectors (``list_*``, ``search_products``, ``get_published_product``) return querysets
  that load up front everything a product card or page shows (category joined, images
  prefetched in order, variants where the page shows them), so a page's query count never
  grows with the page size or the number of variants and images.
* Page selectors (``get_*_page``, ``get_category_listing``, ``get_search_results``,
  ``list_nav_categories``, ``list_suggestions``) turn those rows into small frozen dataclasses
  and cache them with :func:`cached_for_catalog`. A template given a dataclass cannot run a
  query by touching a relation, and a warm page costs no catalog query at all. Every cache key
  names all the inputs of its value; an edit anywhere in the catalog bumps the version in the
  key, so the next request rebuilds.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from typing import Protocol

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import In

from emporium.catalog.cache import cached_for_catalog, get_catalog_version
from emporium.catalog.models import Category, Product, ProductImage, Variant
from emporium.catalog.search import SEARCH_CONFIG, product_name_for_trigrams, product_search_vector
from emporium.catalog.spelling import CheckedQuery, Vocabulary, build_vocabulary, check_spelling
from emporium.core.money import Money

# A variant with this many units or fewer left says "only N left" on the product page.
LOW_STOCK_THRESHOLD = 5
# Longer queries are cut: no product name needs more, and it bounds the work a query can ask for.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 8
# Terms shorter than this take no part in the typo match: two letters resemble too many words.
TRIGRAM_MIN_TERM_LENGTH = 3
# pg_trgm's default (0.6) misses one-letter-swap typos of short words ("candel" is 0.57 like
# "candle"); 0.55 still rejects look-alikes such as "music" for "mug" (0.5).
TRIGRAM_WORD_THRESHOLD = 0.55


class ProductSort(StrEnum):
    POPULAR = "popular"
    NEWEST = "newest"
    PRICE_ASC = "price-asc"
    PRICE_DESC = "price-desc"
    NAME = "name"

    @property
    def label(self) -> str:
        return _SORT_LABELS[self]


_SORT_LABELS = {
    ProductSort.POPULAR: "Most popular",
    ProductSort.NEWEST: "Newest",
    ProductSort.PRICE_ASC: "Price: low to high",
    ProductSort.PRICE_DESC: "Price: high to low",
    ProductSort.NAME: "Name: A to Z",
}

# Each ordering ends on the primary key so that pages never overlap or skip a product.
_ORDERINGS: dict[ProductSort, tuple[OrderBy | str, ...]] = {
    ProductSort.POPULAR: (F("units_sold").desc(), "name", "pk"),
    ProductSort.NEWEST: (F("created_at").desc(), F("pk").desc()),
    ProductSort.PRICE_ASC: (F("price_amount").asc(nulls_last=True), "name", "pk"),
    ProductSort.PRICE_DESC: (F("price_amount").desc(nulls_last=True), "name", "pk"),
    ProductSort.NAME: ("name", "pk"),
}


@dataclass(frozen=True)
class ProductFilters:
    """What a shopper narrowed a listing to. Hashable and printable: it is part of a cache key."""

    sort: ProductSort = ProductSort.POPULAR
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock_only: bool = False
    # Free-form attributes, as (key, values) sorted by key: a product matches one of the
    # values of every key (see ``attribute_filter``).
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def price_q(self) -> Q:
        condition = Q()
        if self.price_min is not None:
            condition &= Q(price_amount__gte=self.price_min)
        if self.price_max is not None:
            condition &= Q(price_amount__lte=self.price_max)
        return condition

    @property
    def stock_q(self) -> Q:
        return Q(is_in_stock=True) if self.in_stock_only else Q()

    def attributes_q(self) -> Q:
        condition = Q()
        for key, values in self.attributes:
            condition &= attribute_filter(key=key, values=values)
        return condition

    @property
    def q(self) -> Q:
        """Every filter but the sort, as one condition on products."""
        return self.price_q & self.stock_q & self.attributes_q()


def attribute_text(key: str) -> Cast:
    """An attribute's value as text, the same on SQLite and PostgreSQL: what the URL carries
    and what the attribute facet (emporium.catalog.facets) counts."""
    return Cast(KeyTextTransform(key, "attributes"), output_field=CharField())


def attribute_filter(*, key: str, values: tuple[str, ...]) -> Q:
    return Q(In(attribute_text(key), list(values)))


class TreeNode(Protocol):
    """A category or its cached summary: listing a subtree only needs the materialised path."""

    @property
    def path(self) -> str: ...


# --- What pages show (cached) --------------------------------------------------------------


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

    @classmethod
    def from_image(cls, image: ProductImage, *, product_name: str) -> Picture:
        return cls(
            card_url=image.card_url,
            detail_url=image.detail_url,
            zoom_url=image.zoom_url,
            alt_text=image.alt_text or product_name,
            width=image.width,
            height=image.height,
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

    @classmethod
    def from_product(cls, product: Product) -> ProductCard:
        images = list(product.images.all())  # prefetched, in position order
        return cls(
            id=product.pk,
            name=product.name,
            url=product.get_absolute_url(),
            price=product.price,
            is_in_stock=product.is_in_stock,
            category_name=product.category.name,
            picture=Picture.from_image(images[0], product_name=product.name) if images else None,
            slug=product.slug,
            rating_average=product.rating_average,
            rating_count=product.rating_count,
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


@dataclass(frozen=True)
class VariantOption:
    id: int
    sku: str
    name: str
    price: Money
    compare_at_price: Money | None
    quantity_available: int

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


# --- Query selectors -----------------------------------------------------------------------


def _cards_queryset() -> QuerySet[Product]:
    """Published products with what a card shows, whatever the page size: 1 query + 1 for images."""
    return (
        Product.objects.published()
        .select_related("category")
        .prefetch_related(Prefetch("images", ProductImage.objects.order_by("position", "pk")))
    )


def list_top_level_categories() -> QuerySet[Category]:
    return Category.objects.get_root_nodes().order_by("path")


def get_category(*, slug: str) -> Category:
    """Raises Category.DoesNotExist for an unknown slug."""
    return Category.objects.get(slug=slug)


def _lineage_paths(path: str) -> list[str]:
    """The paths of a node and all its ancestors: in a materialised path each is a prefix."""
    step = Category.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def list_category_family(*, category: Category) -> QuerySet[Category]:
    """Ancestors, the category itself and its children, root first, in one query."""
    return Category.objects.filter(
        Q(path__in=_lineage_paths(category.path))
        | Q(path__startswith=category.path, depth=category.depth + 1)
    ).order_by("depth", "name", "pk")


def list_category_lineage(*, category: Category) -> QuerySet[Category]:
    """The root down to the category itself (included, so the query runs whatever the depth)."""
    return Category.objects.filter(path__in=_lineage_paths(category.path)).order_by("depth")


def list_products_for_category(*, category: TreeNode, filters: ProductFilters) -> QuerySet[Product]:
    """Published products of the category and every category below it, filtered and sorted.

    Filters and sorts read the product's summary fields (lowest price, stock, units sold),
    never an aggregate over variants, so the cost does not grow with the variants.
    """
    products = _cards_queryset().filter(category__path__startswith=category.path).filter(filters.q)
    return products.order_by(*_ORDERINGS[filters.sort])


def list_bestsellers(*, limit: int) -> QuerySet[Product]:
    return _cards_queryset().order_by("-units_sold", "pk")[:limit]


def list_new_arrivals(*, limit: int) -> QuerySet[Product]:
    return _cards_queryset().order_by("-created_at", "-pk")[:limit]


def list_related_products(*, product: Product, limit: int) -> QuerySet[Product]:
    """The best sellers of the product's own category, without the product itself."""
    return (
        _cards_queryset()
        .filter(category_id=product.category_id)
        .exclude(pk=product.pk)
        .order_by("-units_sold", "pk")[:limit]
    )


def get_published_product(*, slug: str) -> Product:
    """A published product with its category, variants and images. Raises Product.DoesNotExist."""
    return (
        Product.objects.published()
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", Variant.objects.order_by("position", "pk")),
            Prefetch("images", ProductImage.objects.order_by("position", "pk")),
        )
        .get(slug=slug)
    )


def list_purchasable_variants() -> QuerySet[Variant]:
    """Variants a shopper may put in a cart: those of published products."""
    return Variant.objects.filter(product__is_published=True).select_related("product")


def list_products_for_staff(
    *, query: str = "", is_published: bool | None = None, category: Category | None = None
) -> QuerySet[Product]:
    """Every product, published or not, for the staff's catalog list, newest first.

    Staff look a product up by what they know of it: the query is one of its SKUs, or every
    word of it is in its name or slug. A category takes in the categories below it, as on the
    storefront. One query, whatever the page size: the price and stock shown are the
    product's own summary fields.
    """
    products = Product.objects.select_related("category")
    if category is not None:
        products = products.filter(category__path__startswith=category.path)
    if is_published is not None:
        products = products.filter(is_published=is_published)
    if query := normalize_search_query(query):
        every_word = Q()
        for term in split_search_terms(query):
            every_word &= Q(name__icontains=term) | Q(slug__icontains=term)
        has_sku = Exists(Variant.objects.filter(product=OuterRef("pk"), sku__iexact=query))
        products = products.filter(every_word | has_sku)
    return products.order_by("-pk")


def normalize_search_query(text: str) -> str:
    """Collapse whitespace and cut to SEARCH_MAX_LENGTH: what the search box shows back."""
    return " ".join(text.split())[:SEARCH_MAX_LENGTH].strip()


def split_search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased. Punctuation, quotes and SQL or HTML syntax drop out."""
    return re.findall(r"\w+", normalize_search_query(query).lower())[:SEARCH_MAX_TERMS]


def get_search_vocabulary() -> Vocabulary:
    """The distinct words of the published products' names, for correcting query words.

    Built with one query per catalog version and cached like the pages. Each process also
    keeps the last one it loaded, so search-as-you-type does not fetch it from the cache on
    every key press; the version check it costs is the one every cached page makes anyway.
    """
    version = get_catalog_version()
    if (remembered := _vocabulary_memo.get(version)) is not None:
        return remembered
    vocabulary = cached_for_catalog(
        key="search-vocabulary",
        build=lambda: build_vocabulary(
            names=Product.objects.published().values_list("name", flat=True).iterator(chunk_size=2000)
        ),
    )
    _vocabulary_memo.clear()  # only the current version is worth keeping (a race only rebuilds)
    _vocabulary_memo[version] = vocabulary
    return vocabulary


_vocabulary_memo: dict[int, Vocabulary] = {}  # this process's copy, by catalog version


def check_search_query(*, query: str) -> CheckedQuery:
    """The query's words, each with the catalog word it was probably meant to be."""
    terms = split_search_terms(query)
    if not terms:
        return CheckedQuery(terms=())
    return check_spelling(terms=terms, vocabulary=get_search_vocabulary())


def search_products(*, query: str) -> QuerySet[Product]:
    """Published products matching the query, best match first.

    Each query word is first checked against the catalog's words (ADR 0010): a word the
    catalog does not use ("chrismas") also matches the closest one it does ("christmas"),
    on every database. Then:

    On PostgreSQL a product matches when the full-text document (name weighted above
    description, English stemming) holds any of the words, or when its name is close to
    the whole query or to one of its words by trigram word similarity, which catches
    typos ("candel holder"). Both conditions use the GIN indexes of migration 0002, which
    are built on the very same expressions. Rank is the full-text rank plus the name's
    similarity to the whole (corrected) query, so the closest name wins among the products
    that share a word.

    Elsewhere (the embedded SQLite) every word, as typed or corrected, must appear in the
    name or description, and products with more of the words in their name come first.
    """
    checked = check_search_query(query=query)
    if not checked.terms:
        return Product.objects.none()
    return _ranked_matches(checked)


def match_products(*, checked: CheckedQuery) -> QuerySet[Product]:
    """Published products matching the checked query, unranked and unordered (for facets)."""
    if not checked.terms:
        return Product.objects.none()
    if connection.vendor == "postgresql":
        _use_trigram_threshold()
        return (
            Product.objects.published()
            .alias(document=product_search_vector(), trigram_name=product_name_for_trigrams())
            .filter(_postgres_match(checked))
        )
    return Product.objects.published().filter(_portable_match(checked))


def _ranked_matches(checked: CheckedQuery) -> QuerySet[Product]:
    if connection.vendor == "postgresql":
        _use_trigram_threshold()
        phrase = " ".join(term.best_spelling for term in checked.terms).upper()
        rank: CombinedExpression = SearchRank(
            product_search_vector(), _postgres_text_query(checked)
        ) + TrigramWordSimilarity(phrase, product_name_for_trigrams())
        return (
            _cards_queryset()
            .alias(document=product_search_vector(), trigram_name=product_name_for_trigrams())
            .filter(_postgres_match(checked))
            .annotate(rank=rank)
            .order_by("-rank", "-units_sold", "pk")
        )
    words_in_name = reduce(
        operator.add,
        (
            Case(When(_any_spelling_in("name", term.spellings), then=Value(1)), default=Value(0))
            for term in checked.terms
        ),
    )
    return (
        _cards_queryset()
        .filter(_portable_match(checked))
        .annotate(rank=words_in_name)
        .order_by(F("rank").desc(), "-units_sold", "pk")
    )


def _postgres_text_query(checked: CheckedQuery) -> SearchQuery:
    spellings = sorted({spelling for term in checked.terms for spelling in term.spellings})
    return reduce(
        operator.or_, (SearchQuery(word, config=SEARCH_CONFIG, search_type="plain") for word in spellings)
    )


def _postgres_match(checked: CheckedQuery) -> Q:
    """The full-text or trigram match, on the aliases ``document`` and ``trigram_name``."""
    # Upper-case like the indexed expression: trigrams compare case-sensitively.
    phrases = {
        " ".join(checked.texts).upper(),
        " ".join(term.best_spelling for term in checked.terms).upper(),
    }
    spellings = {spelling for term in checked.terms for spelling in term.spellings}
    typo_terms = {word.upper() for word in spellings if len(word) >= TRIGRAM_MIN_TERM_LENGTH} - phrases
    name_is_close = reduce(
        operator.or_,
        (Q(trigram_name__trigram_word_similar=text) for text in [*sorted(phrases), *sorted(typo_terms)]),
    )
    return Q(document=_postgres_text_query(checked)) | name_is_close


def _any_spelling_in(field: str, spellings: tuple[str, ...]) -> Q:
    return reduce(operator.or_, (Q(**{f"{field}__icontains": spelling}) for spelling in spellings))


def _portable_match(checked: CheckedQuery) -> Q:
    return reduce(
        operator.and_,
        (
            _any_spelling_in("name", term.spellings) | _any_spelling_in("description", term.spellings)
            for term in checked.terms
        ),
    )


def _use_trigram_threshold() -> None:
    """Set the similarity threshold that pg_trgm's ``%>`` operator (and its index) reads.

    It is a setting of the database session, not an argument of the operator; an expression
    such as ``word_similarity(...) > 0.55`` would take an argument but could not use the index.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TRIGRAM_WORD_THRESHOLD)]
        )


def suggest_products(*, query: str, limit: int) -> QuerySet[Product]:
    """The best few matches of a partly typed query: just what a suggestion link needs."""
    matches = search_products(query=query).select_related(None).prefetch_related(None)
    return matches.only("name", "slug")[:limit]


# --- Page selectors (cached) ---------------------------------------------------------------


def _paginate(products: QuerySet[Product], *, page: int, per_page: int) -> ResultsPage:
    """Clamp the page into range (page 99999 shows the last page), then load only that page."""
    count = products.count()
    num_pages = max(1, math.ceil(count / per_page))
    number = min(max(page, 1), num_pages)
    offset = (number - 1) * per_page
    cards = tuple(ProductCard.from_product(p) for p in products[offset : offset + per_page]) if count else ()
    return ResultsPage(cards=cards, number=number, num_pages=num_pages, count=count, per_page=per_page)


def list_nav_categories() -> tuple[CategoryLink, ...]:
    """The top-level categories for the header: one query per catalog version, none when warm."""
    return cached_for_catalog(
        key="nav:top-level-categories",
        build=lambda: tuple(CategoryLink.from_category(c) for c in list_top_level_categories()),
    )


def get_home_page(*, section_size: int = 8) -> HomePage:
    def build() -> HomePage:
        return HomePage(
            bestsellers=tuple(ProductCard.from_product(p) for p in list_bestsellers(limit=section_size)),
            new_arrivals=tuple(ProductCard.from_product(p) for p in list_new_arrivals(limit=section_size)),
            categories=list_nav_categories(),
        )

    return cached_for_catalog(key=f"home:{section_size}", build=build)


def get_category_page(*, slug: str) -> CategoryPage | None:
    """The category, its breadcrumbs and sub-categories; None (cached too) for an unknown slug."""

    def build() -> CategoryPage | None:
        try:
            category = get_category(slug=slug)
        except Category.DoesNotExist:
            return None
        family = list(list_category_family(category=category))
        return CategoryPage(
            category=CategoryLink.from_category(category),
            description=category.description,
            seo_title=category.seo_title,
            seo_description=category.seo_description,
            ancestors=tuple(CategoryLink.from_category(c) for c in family if c.depth < category.depth),
            children=tuple(CategoryLink.from_category(c) for c in family if c.depth > category.depth),
        )

    return cached_for_catalog(key=f"category:{slug}", build=build)


def get_category_listing(
    *, category: CategoryLink, filters: ProductFilters, page: int, per_page: int
) -> ResultsPage:
    """One page of a category's products. The count is cached with the page: big categories
    would otherwise pay a COUNT(*) over the subtree on every request."""
    return cached_for_catalog(
        key=f"category-listing:{category.path}:{filters!r}:page={page}:per_page={per_page}",
        build=lambda: _paginate(
            list_products_for_category(category=category, filters=filters), page=page, per_page=per_page
        ),
    )


def get_product_page(*, slug: str, related_limit: int = 4) -> ProductPage | None:
    """Everything the product page shows; None (cached too) when unknown or unpublished."""

    def build() -> ProductPage | None:
        try:
            product = get_published_product(slug=slug)
        except Product.DoesNotExist:
            return None
        lineage = [CategoryLink.from_category(c) for c in list_category_lineage(category=product.category)]
        return ProductPage(
            id=product.pk,
            name=product.name,
            slug=product.slug,
            url=product.get_absolute_url(),
            description=product.description,
            attributes=_displayable_attributes(product.attributes),
            seo_title=product.seo_title,
            seo_description=product.seo_description,
            price=product.price,
            is_in_stock=product.is_in_stock,
            updated_at=product.updated_at,
            category=CategoryLink.from_category(product.category),
            ancestors=tuple(link for link in lineage if link.id != product.category_id),
            variants=tuple(
                VariantOption(
                    id=v.pk,
                    sku=v.sku,
                    name=v.name,
                    price=v.price,
                    compare_at_price=v.compare_at_price,
                    quantity_available=v.quantity_available,
                )
                for v in product.variants.all()
            ),
            pictures=tuple(Picture.from_image(i, product_name=product.name) for i in product.images.all()),
            related=tuple(
                ProductCard.from_product(p)
                for p in list_related_products(product=product, limit=related_limit)
            ),
            rating_average=product.rating_average,
            rating_count=product.rating_count,
        )

    return cached_for_catalog(key=f"product:{slug}:{related_limit}", build=build)


def _displayable_attributes(attributes: object) -> tuple[tuple[str, str], ...]:
    """Free-form JSON as label/value pairs; anything but a flat object shows nothing."""
    if not isinstance(attributes, dict):
        return ()
    pairs = []
    for key, value in attributes.items():
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif isinstance(value, dict):
            continue
        pairs.append((str(key).replace("_", " ").capitalize(), str(value)))
    return tuple(pairs)


def get_search_results(
    *,
    query: str,
    page: int,
    per_page: int,
    filters: ProductFilters | None = None,
    category: CategoryLink | None = None,
) -> SearchResults:
    """Ranked results for what a shopper typed, narrowed to a category and filters if given
    (the sort of ``filters`` is ignored: results come by rank). An empty or symbol-only query
    runs no query at all. Misspelt words are matched by their correction too, and the
    corrected query comes back for a "did you mean" link."""
    normalized = normalize_search_query(query)
    terms = tuple(split_search_terms(normalized))
    if not terms:
        return SearchResults(query=normalized)
    checked = check_search_query(query=normalized)
    narrowed = filters or ProductFilters()
    scope = category.path if category else ""

    def build() -> ResultsPage:
        products = search_products(query=normalized).filter(narrowed.q)
        if scope:
            products = products.filter(category__path__startswith=scope)
        return _paginate(products, page=page, per_page=per_page)

    key_filters = (narrowed.price_min, narrowed.price_max, narrowed.in_stock_only, narrowed.attributes)
    results = cached_for_catalog(
        key=f"search:{' '.join(terms)}:{scope}:{key_filters!r}:page={page}:per_page={per_page}", build=build
    )
    return SearchResults(query=normalized, terms=terms, results=results, corrected_query=checked.corrected)


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    depth: int
    parent_id: int | None
    url: str


def list_category_tree() -> tuple[CategoryNode, ...]:
    """Every category, parents before children (tree order), in one query per catalog version."""

    def build() -> tuple[CategoryNode, ...]:
        categories = list(Category.objects.order_by("path"))
        id_by_path = {category.path: category.pk for category in categories}
        return tuple(
            CategoryNode(
                id=category.pk,
                name=category.name,
                slug=category.slug,
                depth=category.depth,
                parent_id=id_by_path.get(category.path[: -Category.steplen]),
                url=category.get_absolute_url(),
            )
            for category in categories
        )

    return cached_for_catalog(key="category-tree", build=build)


def list_suggestions(*, query: str, limit: int = 8) -> tuple[Suggestion, ...]:
    terms = split_search_terms(query)
    if not terms:
        return ()
    return cached_for_catalog(
        key=f"suggest:{' '.join(terms)}:{limit}",
        build=lambda: tuple(
            Suggestion(name=p.name, url=p.get_absolute_url())
            for p in suggest_products(query=query, limit=limit)
        ),
    )
