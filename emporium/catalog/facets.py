"""Facet counts for listings: how many products each refinement of a category or search shows.

A facet's counts apply every active filter except the facet's own, so they say what a click
would show: with "In stock" ticked, the price bands count products in stock; each band
counts as if no band were chosen. Two queries (three on a search page: the products it
matched are found once first, on PostgreSQL), whatever the page size or the number of
products, bands, attributes and variant options, and none when warm (cached under the
catalog version):

1. the price bands and the in-stock count, by conditional counts in one aggregate;
2. the free-form attributes, by ``json_each`` (SQLite) or ``jsonb_each`` (PostgreSQL),
   grouped by key and value. Keys with many values (a stock code) are identifiers, not
   facets, and are left out in the query itself. In the same query (``UNION ALL``): the
   variant options of typed products (colour, size), counted as products having a variant
   with that value that also has the other chosen options, named by their attribute and
   ordered as the attribute orders its values; the typed numbers and yes/no values; and
   the categories, one count per category of the listing, summed up the tree in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When

from emporium.catalog.attributes import AttributeKind
from emporium.catalog.cache import cached_for_catalog
from emporium.catalog.models import Attribute, AttributeValue, Category, Product, Variant
from emporium.catalog.selectors import (
    CategoryLink,
    ProductFilters,
    ProductSort,
    attribute_filter,
    in_category_subtree,
    match_products,
)
from emporium.catalog.selectors.filters import option_filter, price_range_q
from emporium.catalog.selectors.queries import FilterShape, in_categories, prepare_filter, subtree_ids
from emporium.catalog.selectors.search import SearchWords, products_matching
from emporium.catalog.spelling import CheckedQuery
from emporium.core.money import Money, format_money
from emporium.core.prepared import Bind, values_of

# A key with more distinct values than this is an identifier (a stock code), not a facet.
MAX_ATTRIBUTE_VALUES = 12
# This many values, each on one product only, make an identifier rather than a facet.
MIN_IDENTIFIER_VALUES = 4
# Attribute facets shown at most, those most products have first: a phone must still reach the results.
MAX_ATTRIBUTE_FACETS = 6


@dataclass(frozen=True)
class PriceBand:
    """Bounds as the price filter takes them (both inclusive), so a band link is a filter."""

    minimum: Decimal | None
    maximum: Decimal | None

    @property
    def label(self) -> str:
        def money(amount: Decimal) -> str:
            return format_money(Money(amount, settings.DEFAULT_CURRENCY))

        if self.minimum is None:
            return "Any price" if self.maximum is None else f"Under {money(self.maximum + Decimal('0.01'))}"
        if self.maximum is None:
            return f"{money(self.minimum)} and over"
        return f"{money(self.minimum)} to {money(self.maximum)}"

    def sql(self, column: str) -> tuple[str, list[object]]:
        """The band's products as SQL on ``column``: priced, within the bounds."""
        between, params = _price_range_sql(column, self.minimum, self.maximum)
        return f"{column} IS NOT NULL AND {between}", params


def _price_range_sql(column: str, minimum: object | None, maximum: object | None) -> tuple[str, list[object]]:
    """The price filter's condition (``selectors.filters.price_range_q``: both bounds
    inclusive, either open) as SQL on ``column``; a bound is a Decimal or a prepared value."""
    conditions: list[str] = ["1 = 1"]
    params: list[object] = []
    if minimum is not None:
        conditions.append(f"{column} >= %s")
        params.append(minimum)
    if maximum is not None:
        conditions.append(f"{column} <= %s")
        params.append(maximum)
    return " AND ".join(conditions), params


def _band(low: str | None, high: str | None) -> PriceBand:
    return PriceBand(Decimal(low) if low else None, Decimal(high) if high else None)


# Gift-shop prices: most products cost a few pounds, a few cost more than fifty.
PRICE_BANDS = (
    _band(None, "4.99"),
    _band("5", "9.99"),
    _band("10", "24.99"),
    _band("25", "49.99"),
    _band("50", None),
)


@dataclass(frozen=True)
class FacetCount:
    value: str  # what the URL carries: a category slug, a band's index, an attribute value
    label: str
    count: int
    is_selected: bool


@dataclass(frozen=True)
class AttributeFacet:
    key: str
    label: str
    values: tuple[FacetCount, ...]


@dataclass(frozen=True)
class ListingFacets:
    categories: tuple[FacetCount, ...]
    price_bands: tuple[FacetCount, ...]
    in_stock: FacetCount
    attributes: tuple[AttributeFacet, ...]
    options: tuple[AttributeFacet, ...] = ()  # variant options of typed products (colour, size)
    # Typed number attributes as ranges (value "10..20") and yes/no ones (value "yes"/"no").
    typed: tuple[AttributeFacet, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.categories
            or self.price_bands
            or self.in_stock.count
            or self.attributes
            or self.options
            or self.typed
        )


def selected_price_band(filters: ProductFilters) -> int | None:
    """The band the price filter is exactly, if it is one (typed prices are no band)."""
    for index, band in enumerate(PRICE_BANDS):
        if (band.minimum, band.maximum) == (filters.price_min, filters.price_max):
            return index
    return None


def get_listing_facets(
    *,
    scope: CategoryLink,
    category_options: tuple[CategoryLink, ...],
    selected_category: CategoryLink | None,
    filters: ProductFilters,
    query: CheckedQuery | None = None,
    subtree: tuple[tuple[str, int], ...] = (),
) -> ListingFacets:
    """Facets of the products of ``scope`` (a category page's category, or ALL_PRODUCTS),
    matching ``query`` if given (a search). ``category_options`` are the categories offered
    (sub-categories, or top-level categories on a search), ``selected_category`` the one
    chosen, if any. ``subtree`` holds the (path, id) of the categories at and below ``scope``
    or ``selected_category`` (CategoryPage.subtree), for index-friendly filters."""
    filters = replace(filters, sort=ProductSort.POPULAR)  # the order never changes a count
    spellings = [term.spellings for term in query.terms] if query else None
    key = (
        f"facets:{scope.path}:{[o.path for o in category_options]}:"
        f"{selected_category.path if selected_category else ''}:{filters!r}:{spellings!r}"
    )
    return cached_for_catalog(
        key=key,
        build=lambda: _build_facets(
            scope=scope,
            category_options=category_options,
            selected_category=selected_category,
            filters=filters,
            query=query,
            subtree=subtree,
        ),
    )


def _build_facets(
    *,
    scope: CategoryLink,
    category_options: tuple[CategoryLink, ...],
    selected_category: CategoryLink | None,
    filters: ProductFilters,
    query: CheckedQuery | None,
    subtree: tuple[tuple[str, int], ...],
) -> ListingFacets:
    words = SearchWords.of(query) if query else None
    prepared = _prepare(
        scope=scope,
        selected_category=selected_category,
        with_categories=bool(category_options),
        filters=filters,
        words=words,
        subtree=subtree,
    )
    if prepared is not None:
        (prices_sql, prices_params), (facets_sql, facets_params), values = prepared
        prices_params, facets_params = (
            values_of(params, values, connection) for params in (prices_params, facets_params)
        )
    else:
        base = match_products(checked=query) if query else Product.objects.published()
        base = base.filter(in_category_subtree(scope, subtree=subtree))  # nothing for ALL_PRODUCTS
        in_category = base
        if selected_category is not None:
            in_category = base.filter(in_category_subtree(selected_category, subtree=subtree))
        (prices_sql, prices_params), (facets_sql, facets_params) = _statements(
            base=base,
            in_category=in_category,
            filters=filters,
            price_min=filters.price_min,
            price_max=filters.price_max,
            with_categories=bool(category_options),
        )
    if words is not None:
        words.set_up_session()
    with connection.cursor() as cursor:
        cursor.execute(prices_sql, prices_params)
        counts = cursor.fetchone()
        cursor.execute(facets_sql, facets_params)
        rows = cursor.fetchall()
    price_bands, in_stock = _price_facets(counts, filters=filters)
    attributes, options, typed, category_rows = _split_facet_rows(rows, filters=filters)
    return ListingFacets(
        categories=_count_categories(category_rows, options=category_options, selected=selected_category),
        price_bands=price_bands,
        in_stock=in_stock,
        attributes=attributes,
        options=options,
        typed=typed,
    )


Statement = tuple[str, list[Any]]


def _statements(
    *,
    base: QuerySet[Product],
    in_category: QuerySet[Product],
    filters: ProductFilters,
    price_min: object | None,
    price_max: object | None,
    with_categories: bool,
) -> tuple[Statement, Statement]:
    """The two facet queries: price bands and stock, then the rest. ``base`` holds the products
    of the listing (a search's match, a category's subtree), ``in_category`` those of the chosen
    category within it; the prices are the filter's, values or a prepared query's.

    A search's match is a subquery of each count: on PostgreSQL the stored documents' index
    answers it exactly (nothing rebuilt per row), cheaper than carrying the ids back and forth.
    """
    price_q = price_range_q(price_min, price_max)
    typed_q = filters.typed_q()
    prices = _prices_and_stock_sql(
        in_category.filter(filters.attributes_q() & filters.options_q() & typed_q),
        filters=filters,
        price_min=price_min,
        price_max=price_max,
    )
    rest = _attributes_and_options_sql(
        in_category.filter(price_q & filters.stock_q & filters.options_q() & typed_q),
        option_products=in_category.filter(price_q & filters.stock_q & filters.attributes_q() & typed_q),
        typed_products=in_category.filter(
            price_q & filters.stock_q & filters.attributes_q() & filters.options_q()
        ),
        category_products=base.filter(
            price_q & filters.stock_q & filters.attributes_q() & filters.options_q() & typed_q
        )
        if with_categories
        else None,
        filters=filters,
    )
    return prices, rest


def _prepare(
    *,
    scope: CategoryLink,
    selected_category: CategoryLink | None,
    with_categories: bool,
    filters: ProductFilters,
    words: SearchWords | None,
    subtree: tuple[tuple[str, int], ...],
) -> tuple[Statement, Statement, dict[str, object]] | None:
    """The facet queries compiled once per shape (as listings and search are, ADR 19), with the
    values of this listing; None for what stays the ORM's (``queries.prepare_filter``: attribute,
    option, number and yes/no filters, a category not found in ``subtree``)."""
    listing = prepare_filter(category=scope, filters=filters, subtree=subtree)
    if listing is None:
        return None
    shape, values = listing
    selected: int | None = None
    if selected_category is not None:
        ids = subtree_ids(selected_category, subtree=subtree)
        if not ids:
            return None
        selected = len(ids)
        values |= {f"selected{index}": pk for index, pk in enumerate(ids)}
    if words is not None:
        values |= words.values()
    prices, rest = _prepared_statements(
        vendor=connection.vendor,
        listing=shape,
        selected=selected,
        with_categories=with_categories,
        words=words.shape if words is not None else None,
    )
    return prices, rest, values


# Shapes: a listing's (categories, price bounds, stock), how many categories the chosen one
# spans, a search's words; a few hundred, each compiled once per process.
@functools.lru_cache(maxsize=512)
def _prepared_statements(
    *,
    vendor: str,
    listing: FilterShape,
    selected: int | None,
    with_categories: bool,
    words: tuple[int, int, int, tuple[int, ...]] | None,
) -> tuple[Statement, Statement]:
    base = products_matching(SearchWords.bound(words)) if words is not None else Product.objects.published()
    # The listing's categories only: each count applies the prices and stock as it needs them.
    base = base.filter(replace(listing, price_min=False, price_max=False, in_stock_only=False).condition())
    in_category = base
    if selected is not None:
        category = Category._meta.pk
        in_category = base.filter(
            in_categories([Bind(f"selected{index}", category) for index in range(selected)])
        )
    price = Product._meta.get_field("price_amount")
    return _statements(
        base=base,
        in_category=in_category,
        filters=ProductFilters(in_stock_only=listing.in_stock_only),
        price_min=Bind("price_min", price) if listing.price_min else None,
        price_max=Bind("price_max", price) if listing.price_max else None,
        with_categories=with_categories,
    )


def _count_categories(
    rows: list[tuple[str, int]], *, options: tuple[CategoryLink, ...], selected: CategoryLink | None
) -> tuple[FacetCount, ...]:
    """``rows`` count the products of each category of the listing (the facet query's
    category branch), summed here up to the categories offered."""
    if not options:
        return ()
    by_path = dict(rows)
    counts = []
    for option in options:
        count = sum(n for path, n in by_path.items() if path.startswith(option.path))
        is_selected = selected is not None and selected.path == option.path
        if count or is_selected:
            counts.append(
                FacetCount(value=option.slug, label=option.name, count=count, is_selected=is_selected)
            )
    return tuple(counts)


def _prices_and_stock_sql(
    products: QuerySet[Product],
    *,
    filters: ProductFilters,
    price_min: object | None,
    price_max: object | None,
) -> Statement:
    """One aggregate: each band counted under the stock filter, stock under the price filter.

    Written around the products' own compiled query rather than as the ORM's ``aggregate()``
    of six filtered counts, which cost 2.4-2.6 ms of Python on every facet miss (a search, a
    new listing state) against 0.6 ms this way, for a query PostgreSQL answers in about 1.5.
    """
    inner_sql, inner_params = (
        products.order_by().values("price_amount", "is_in_stock").query.sql_with_params()
    )
    stock = " AND listed.is_in_stock" if filters.in_stock_only else ""
    columns, params = [], []
    for band in PRICE_BANDS:
        band_sql, band_params = band.sql("listed.price_amount")
        columns.append(f"COUNT(*) FILTER (WHERE {band_sql}{stock})")
        params += band_params
    price_sql, price_params = _price_range_sql("listed.price_amount", price_min, price_max)
    columns.append(f"COUNT(*) FILTER (WHERE listed.is_in_stock AND {price_sql})")
    return (
        f"SELECT {', '.join(columns)} FROM ({inner_sql}) AS listed",  # noqa: S608  # nosec B608
        [*params, *price_params, *inner_params],
    )


def _price_facets(
    counts: Sequence[int], *, filters: ProductFilters
) -> tuple[tuple[FacetCount, ...], FacetCount]:
    chosen = selected_price_band(filters)
    bands = tuple(
        FacetCount(value=str(index), label=band.label, count=counts[index], is_selected=index == chosen)
        for index, band in enumerate(PRICE_BANDS)
        if counts[index] or index == chosen
    )
    in_stock = FacetCount(value="on", label="In stock", count=counts[-1], is_selected=filters.in_stock_only)
    return bands, in_stock


def _attributes_and_options_sql(
    products: QuerySet[Product],
    *,
    option_products: QuerySet[Product],
    typed_products: QuerySet[Product],
    category_products: QuerySet[Product] | None,
    filters: ProductFilters,
) -> Statement:
    """Count each (key, value) among products matching the chosen values of every *other* key.

    The rows are grouped in SQL; a product counts for a key's value when, for each other
    chosen key, it has one of the chosen values (``has_N`` below). One query either way, for
    the attributes of ``products`` and the variant options of ``option_products``.
    """
    flags = {
        f"has_{index}": Case(
            When(attribute_filter(key=key, values=values), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for index, (key, values) in enumerate(filters.attributes)
    }
    inner_sql, inner_params = (
        products.order_by().annotate(**flags).values("attributes", *flags).query.sql_with_params()
    )
    other_keys_match = " AND ".join(
        f"(attribute_key = %s OR has_{index} = 1)" for index in range(len(filters.attributes))
    )
    other_keys_params = [key for key, _values in filters.attributes]
    carried = "".join(f"base.has_{index}, " for index in range(len(filters.attributes)))
    # Typed numbers and yes/no values are counted as ranges and yes/no (``_typed_counts_sql``).
    typed_codes = (
        f"SELECT code FROM {connection.ops.quote_name(Attribute._meta.db_table)}"  # noqa: S608  # nosec B608
        f" WHERE kind IN ('{AttributeKind.NUMBER.value}', '{AttributeKind.BOOLEAN.value}')"
    )
    # Only objects are taken apart (free-form JSON may be a list), and only text and numbers.
    # The SQL is built from fixed text and the ORM's own compiled query; every value the
    # shopper sent is a parameter (hence the S608 exemptions).
    if connection.vendor == "postgresql":
        pairs = (
            f"SELECT {carried}pair.key AS attribute_key, pair.value #>> '{{}}' AS attribute_value"  # noqa: S608  # nosec B608
            f" FROM ({inner_sql}) AS base CROSS JOIN LATERAL jsonb_each(CASE WHEN"
            " jsonb_typeof(base.attributes) = 'object' THEN base.attributes ELSE '{}'::jsonb END) AS pair"
            " WHERE jsonb_typeof(pair.value) IN ('string', 'number')"
            f" AND pair.key NOT IN ({typed_codes})"
        )
    else:
        pairs = (
            f"SELECT {carried}pair.key AS attribute_key, CAST(pair.value AS TEXT) AS attribute_value"  # noqa: S608  # nosec B608
            f" FROM ({inner_sql}) AS base, json_each(CASE WHEN"
            " json_type(base.attributes) = 'object' THEN base.attributes ELSE '{}' END) AS pair"
            " WHERE pair.type IN ('text', 'integer', 'real')"
            f" AND pair.key NOT IN ({typed_codes})"
        )
    sql = (
        "SELECT attribute_key, attribute_value, matches FROM ("  # noqa: S608  # nosec B608
        " SELECT attribute_key, attribute_value,"
        f" SUM(CASE WHEN {other_keys_match or '1 = 1'} THEN 1 ELSE 0 END) AS matches,"
        " COUNT(*) OVER (PARTITION BY attribute_key) AS value_count"
        f" FROM ({pairs}) AS pairs"
        " GROUP BY attribute_key, attribute_value"
        ") AS facet WHERE value_count <= %s"
    )
    params = [*other_keys_params, *inner_params, MAX_ATTRIBUTE_VALUES]
    option_sql, option_params = _option_counts_sql(option_products, filters=filters)
    typed_sql, typed_params = _typed_counts_sql(typed_products, filters=filters)
    category_sql: str = ""
    category_params: tuple[Any, ...] = ()
    if category_products is not None:
        counted_sql, category_params = (
            category_products.order_by()
            .values("category__path")
            .annotate(count=Count("pk"))
            .values_list("category__path", "count")
            .query.sql_with_params()
        )
        category_sql = (
            " UNION ALL SELECT 'category', category_count.category__path, CAST(NULL AS TEXT),"  # noqa: S608  # nosec B608
            ' category_count."count", CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS INTEGER)'
            f" FROM ({counted_sql}) AS category_count"
        )
    return (
        f"SELECT 'attribute', attribute_key, attribute_value, matches, CAST(NULL AS TEXT),"  # noqa: S608  # nosec B608
        f" CAST(NULL AS TEXT), CAST(NULL AS INTEGER) FROM ({sql}) AS attribute_facet"
        f" UNION ALL {option_sql} UNION ALL {typed_sql}{category_sql}",
        [*params, *option_params, *typed_params, *category_params],
    )


def _split_facet_rows(
    rows: list[tuple[Any, ...]], *, filters: ProductFilters
) -> tuple[
    tuple[AttributeFacet, ...], tuple[AttributeFacet, ...], tuple[AttributeFacet, ...], list[tuple[str, int]]
]:
    attribute_rows = [row[1:4] for row in rows if row[0] == "attribute"]
    option_rows = [row[1:] for row in rows if row[0] == "option"]
    typed_rows = [row for row in rows if row[0] in (AttributeKind.NUMBER, AttributeKind.BOOLEAN)]
    category_rows = [(row[1], int(row[3])) for row in rows if row[0] == "category"]
    return (
        _attribute_facets(attribute_rows, filters=filters),
        _option_facets(option_rows, filters=filters),
        _typed_facets(typed_rows, filters=filters),
        category_rows,
    )


def _attribute_facets(rows: list[tuple], *, filters: ProductFilters) -> tuple[AttributeFacet, ...]:
    chosen = dict(filters.attributes)
    values_by_key: dict[str, list[FacetCount]] = {}
    for key, value, count in rows:
        is_selected = value in chosen.get(key, ())
        if count or is_selected:
            values_by_key.setdefault(key, []).append(
                FacetCount(value=value, label=value, count=int(count), is_selected=is_selected)
            )
    facets = [
        AttributeFacet(
            key=key,
            label=key.replace("_", " ").capitalize(),
            values=tuple(sorted(values, key=lambda v: (-v.count, v.label))),
        )
        for key, values in values_by_key.items()
        if _is_worth_offering(values)
    ]
    facets.sort(key=lambda facet: (-sum(v.count for v in facet.values), facet.key))
    return tuple(facets[:MAX_ATTRIBUTE_FACETS])


def _is_worth_offering(values: list[FacetCount]) -> bool:
    """A chosen value always shows. Otherwise one value to choose from narrows nothing, and a
    run of values no two products share is an identifier (stock codes), however few the results."""
    if any(value.is_selected for value in values):
        return True
    is_identifier = len(values) >= MIN_IDENTIFIER_VALUES and all(value.count == 1 for value in values)
    return len(values) > 1 and not is_identifier


def _option_counts_sql(products: QuerySet[Product], *, filters: ProductFilters) -> tuple[str, list[Any]]:
    """The option half of the facet query: (kind, key, value, products, attribute name, value
    name, value position) for every option value of the variants of ``products``.

    A product counts once for a value (``COUNT(DISTINCT``), and only through a variant that
    has the other chosen options too (``has_N``): "red" with "medium" chosen counts products
    that make a red medium, not those that make red in small and blue in medium.
    """
    # Only variants with options have any to count: most catalogs' variants have none, and
    # said so, the partial unique index on (product, options) finds the few that do. Without it
    # PostgreSQL read every variant to join them to the matches (8 of a search's 10 ms of facets
    # at 53,000 products; 0.5 ms now).
    variants = Variant.objects.filter(product__in=products.order_by().values("pk")).exclude(options={})
    if filters.in_stock_only:
        variants = variants.filter(stock_on_hand__gt=F("stock_allocated"))
    flags = {
        f"has_{index}": Case(
            When(option_filter(key=key, values=values), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for index, (key, values) in enumerate(filters.options)
    }
    inner_sql, inner_params = (
        variants.order_by().annotate(**flags).values("product_id", "options", *flags).query.sql_with_params()
    )
    carried = "".join(f"base.has_{index}, " for index in range(len(filters.options)))
    other_keys_match = " AND ".join(
        f"(option_key = %s OR has_{index} = 1)" for index in range(len(filters.options))
    )
    if connection.vendor == "postgresql":
        pairs = (
            f"SELECT {carried}base.product_id, pair.key AS option_key, pair.value #>> '{{}}' AS option_value"  # noqa: S608  # nosec B608
            f" FROM ({inner_sql}) AS base CROSS JOIN LATERAL jsonb_each(CASE WHEN"
            " jsonb_typeof(base.options) = 'object' THEN base.options ELSE '{}'::jsonb END) AS pair"
            " WHERE jsonb_typeof(pair.value) = 'string'"
        )
    else:
        pairs = (
            f"SELECT {carried}base.product_id, pair.key AS option_key, CAST(pair.value AS TEXT) AS option_value"  # noqa: S608  # nosec B608
            f" FROM ({inner_sql}) AS base, json_each(CASE WHEN"
            " json_type(base.options) = 'object' THEN base.options ELSE '{}' END) AS pair"
            " WHERE pair.type = 'text'"
        )
    quote = connection.ops.quote_name
    attributes, values = quote(Attribute._meta.db_table), quote(AttributeValue._meta.db_table)
    sql = (
        "SELECT 'option', counted.option_key, counted.option_value, counted.matches,"  # noqa: S608  # nosec B608
        " attribute.name, attribute_value.name, attribute_value.position FROM ("
        " SELECT option_key, option_value,"
        f" COUNT(DISTINCT CASE WHEN {other_keys_match or '1 = 1'} THEN product_id END) AS matches"
        f" FROM ({pairs}) AS pairs GROUP BY option_key, option_value"
        f") AS counted LEFT JOIN {attributes} AS attribute ON attribute.code = counted.option_key"
        f" LEFT JOIN {values} AS attribute_value ON attribute_value.attribute_id = attribute.id"
        " AND attribute_value.code = counted.option_value"
    )
    return sql, [*(key for key, _values in filters.options), *inner_params]


def _option_facets(rows: list[tuple], *, filters: ProductFilters) -> tuple[AttributeFacet, ...]:
    chosen = dict(filters.options)
    labels: dict[str, str] = {}
    values_by_key: dict[str, list[tuple[int, FacetCount]]] = {}
    for key, value, count, attribute_name, value_name, position in rows:
        is_selected = value in chosen.get(key, ())
        labels[key] = attribute_name or key.replace("_", " ").capitalize()
        if count or is_selected:
            values_by_key.setdefault(key, []).append(
                (
                    position if position is not None else 32767,
                    FacetCount(
                        value=value, label=value_name or value, count=int(count), is_selected=is_selected
                    ),
                )
            )
    facets = [
        AttributeFacet(
            key=key,
            label=labels[key],
            values=tuple(
                value for _position, value in sorted(values, key=lambda pair: (pair[0], pair[1].label))
            ),
        )
        for key, values in values_by_key.items()
        if len(values) > 1 or any(value.is_selected for _position, value in values)
    ]
    facets.sort(key=lambda facet: (-sum(v.count for v in facet.values), facet.key))
    return tuple(facets[:MAX_ATTRIBUTE_FACETS])


def _typed_counts_sql(products: QuerySet[Product], *, filters: ProductFilters) -> tuple[str, list[Any]]:
    """The typed half of the facet query: (kind, code, value, products, attribute name, unit,
    NULL) for every number and yes/no value that ``products`` hold under a typed attribute's
    code, a product counted when it matches the chosen ranges and yes/no of the *other* keys.

    Numbers are grouped by their value, not by band: the bands are drawn from the values
    present (``_number_bands``), so the query needs no second look at the data.
    """
    chosen = filters.typed_filters()
    flags = {
        f"has_{index}": Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
        for index, (_key, condition) in enumerate(chosen)
    }
    inner_sql, inner_params = (
        products.order_by().annotate(**flags).values("attributes", *flags).query.sql_with_params()
    )
    carried = "".join(f"base.has_{index}, " for index in range(len(chosen)))
    other_keys_match = " AND ".join(f"(pairs.code = %s OR has_{index} = 1)" for index in range(len(chosen)))
    attributes = connection.ops.quote_name(Attribute._meta.db_table)
    number, boolean = AttributeKind.NUMBER.value, AttributeKind.BOOLEAN.value
    if connection.vendor == "postgresql":
        pairs = (
            f"SELECT {carried}attribute.code, attribute.kind, attribute.name, attribute.unit,"  # noqa: S608  # nosec B608
            " pair.value #>> '{}' AS typed_value"
            f" FROM ({inner_sql}) AS base CROSS JOIN LATERAL jsonb_each(CASE WHEN"
            " jsonb_typeof(base.attributes) = 'object' THEN base.attributes ELSE '{}'::jsonb END) AS pair"
            f" JOIN {attributes} AS attribute ON attribute.code = pair.key"
            f" WHERE (attribute.kind = '{number}' AND jsonb_typeof(pair.value) = 'number')"
            f" OR (attribute.kind = '{boolean}' AND jsonb_typeof(pair.value) = 'boolean')"
        )
    else:
        pairs = (
            f"SELECT {carried}attribute.code, attribute.kind, attribute.name, attribute.unit,"  # noqa: S608  # nosec B608
            " CASE pair.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
            " ELSE CAST(pair.value AS TEXT) END AS typed_value"
            f" FROM ({inner_sql}) AS base, json_each(CASE WHEN"
            " json_type(base.attributes) = 'object' THEN base.attributes ELSE '{}' END) AS pair"
            f" JOIN {attributes} AS attribute ON attribute.code = pair.key"
            f" WHERE (attribute.kind = '{number}' AND pair.type IN ('integer', 'real'))"
            f" OR (attribute.kind = '{boolean}' AND pair.type IN ('true', 'false'))"
        )
    sql = (
        "SELECT pairs.kind, pairs.code, pairs.typed_value,"  # noqa: S608  # nosec B608
        f" SUM(CASE WHEN {other_keys_match or '1 = 1'} THEN 1 ELSE 0 END), pairs.name, pairs.unit,"
        f" CAST(NULL AS INTEGER) FROM ({pairs}) AS pairs"
        " GROUP BY pairs.kind, pairs.code, pairs.typed_value, pairs.name, pairs.unit"
    )
    return sql, [*(key for key, _condition in chosen), *inner_params]


# At most this many bands for a number: enough to narrow, few enough to read on a phone.
MAX_NUMBER_BANDS = 5
_NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))


def _nice_step(low: Decimal, high: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten whose bands, on multiples of
    it, hold ``low`` to ``high`` in at most ``MAX_NUMBER_BANDS``: bands a shopper reads at a
    glance (10 to 20 cm, not 9.7 to 19.4)."""
    span = high - low
    exponent = (span / MAX_NUMBER_BANDS).adjusted() if span > 0 else low.adjusted() if low else 0
    for power in (exponent - 1, exponent, exponent + 1, exponent + 2):
        for step in _NICE_STEPS:
            candidate = step.scaleb(power)
            if _band_index(high, candidate) - _band_index(low, candidate) < MAX_NUMBER_BANDS:
                return candidate
    return Decimal(1).scaleb(exponent + 3)


def _band_index(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding="ROUND_FLOOR")


def _number_bands(counts: dict[Decimal, int]) -> list[tuple[Decimal, Decimal, int]]:
    """Bands [lowest, below) on multiples of a nice step over the values present, with their
    products; empty bands left out. A single value is one band (and so no facet, unless chosen)."""
    if not counts:
        return []
    step = _nice_step(min(counts), max(counts))
    bands: dict[Decimal, int] = {}
    for value, count in counts.items():
        lowest = _band_index(value, step) * step
        bands[lowest] = bands.get(lowest, 0) + count
    return [(lowest, lowest + step, count) for lowest, count in sorted(bands.items()) if count]


def _plain(number: Decimal) -> str:
    """``10``, ``2.5``: no exponent, no trailing zeros."""
    return format(number.normalize(), "f")


def _range_label(lowest: Decimal | None, below: Decimal | None, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    if lowest is None:
        return f"Under {_plain(below or Decimal(0))}{suffix}"
    if below is None:
        return f"{_plain(lowest)}{suffix} and over"
    return f"{_plain(lowest)}\N{EN DASH}{_plain(below)}{suffix}"


def _typed_facets(rows: list[tuple], *, filters: ProductFilters) -> tuple[AttributeFacet, ...]:
    chosen_ranges = {key: (lowest, below) for key, lowest, below in filters.ranges}
    chosen_flags = dict(filters.flags)
    names: dict[str, tuple[str, str, str]] = {}
    numbers: dict[str, dict[Decimal, int]] = {}
    yes_no: dict[str, dict[bool, int]] = {}
    for kind, code, value, count, name, unit, _nothing in rows:
        names[code] = (kind, name, unit or "")
        if kind == AttributeKind.BOOLEAN:
            yes_no.setdefault(code, {})[value == "true"] = int(count)
        else:
            numbers.setdefault(code, {})[Decimal(value)] = int(count)
    facets = []
    for code, counts in numbers.items():
        _kind, name, unit = names[code]
        values = [
            FacetCount(
                value=f"{_plain(lowest)}..{_plain(below)}",
                label=_range_label(lowest, below, unit),
                count=count,
                is_selected=chosen_ranges.get(code) == (lowest, below),
            )
            for lowest, below, count in _number_bands(counts)
        ]
        if code in chosen_ranges and not any(value.is_selected for value in values):
            # A range typed into the URL, or a band of other filters: shown, so it can be taken off.
            lowest, below = chosen_ranges[code]
            inside = sum(
                count
                for value, count in counts.items()
                if (lowest is None or value >= lowest) and (below is None or value < below)
            )
            text = f"{'' if lowest is None else _plain(lowest)}..{'' if below is None else _plain(below)}"
            values.append(FacetCount(text, _range_label(lowest, below, unit), inside, True))
        if len(values) > 1 or any(value.is_selected for value in values):
            facets.append(AttributeFacet(key=code, label=name, values=tuple(values)))
    for code, flag_counts in yes_no.items():
        _kind, name, _unit = names[code]
        values = [
            FacetCount(
                value="yes" if flag else "no",
                label="Yes" if flag else "No",
                count=flag_counts.get(flag, 0),
                is_selected=chosen_flags.get(code) == flag,
            )
            for flag in (True, False)
            if flag_counts.get(flag, 0) or chosen_flags.get(code) == flag
        ]
        # "Yes" alone still narrows: products without the attribute say neither yes nor no.
        if values:
            facets.append(AttributeFacet(key=code, label=name, values=tuple(values)))
    facets.sort(key=lambda facet: (-sum(v.count for v in facet.values), facet.key))
    return tuple(facets[:MAX_ATTRIBUTE_FACETS])
