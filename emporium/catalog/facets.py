"""Facet counts for listings: how many products each refinement of a category or search shows.

A facet's counts apply every active filter except the facet's own, so they say what a click
would show: with "In stock" ticked, the price bands count products in stock; each band
counts as if no band were chosen. Three queries at most (no category query where there are
no categories to offer), whatever the page size or the number of products, bands,
attributes and variant options, and none when warm (cached under the catalog version):

1. the price bands and the in-stock count, by conditional counts in one aggregate;
2. the categories, one count per category of the listing, summed up the tree in Python;
3. the free-form attributes, by ``json_each`` (SQLite) or ``jsonb_each`` (PostgreSQL),
   grouped by key and value. Keys with many values (a stock code) are identifiers, not
   facets, and are left out in the query itself. In the same query (``UNION ALL``), the
   variant options of typed products (colour, size), counted as products having a variant
   with that value that also has the other chosen options, named by their attribute and
   ordered as the attribute orders its values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from emporium.catalog.cache import cached_for_catalog
from emporium.catalog.models import Attribute, AttributeValue, Product, Variant
from emporium.catalog.selectors import (
    ALL_PRODUCTS,
    CategoryLink,
    ProductFilters,
    ProductSort,
    attribute_filter,
    match_products,
)
from emporium.catalog.selectors.filters import option_filter
from emporium.catalog.spelling import CheckedQuery
from emporium.core.money import Money, format_money

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

    @property
    def q(self) -> Q:
        condition = Q(price_amount__isnull=False)
        if self.minimum is not None:
            condition &= Q(price_amount__gte=self.minimum)
        if self.maximum is not None:
            condition &= Q(price_amount__lte=self.maximum)
        return condition


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

    @property
    def is_empty(self) -> bool:
        return not (
            self.categories or self.price_bands or self.in_stock.count or self.attributes or self.options
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
) -> ListingFacets:
    """Facets of the products of ``scope`` (a category page's category, or ALL_PRODUCTS),
    matching ``query`` if given (a search). ``category_options`` are the categories offered
    (sub-categories, or top-level categories on a search), ``selected_category`` the one
    chosen, if any."""
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
        ),
    )


def _build_facets(
    *,
    scope: CategoryLink,
    category_options: tuple[CategoryLink, ...],
    selected_category: CategoryLink | None,
    filters: ProductFilters,
    query: CheckedQuery | None,
) -> ListingFacets:
    base = match_products(checked=query) if query else Product.objects.published()
    if scope.path != ALL_PRODUCTS.path:
        base = base.filter(category__path__startswith=scope.path)
    in_category = base
    if selected_category is not None:
        in_category = base.filter(category__path__startswith=selected_category.path)
    price_bands, in_stock = _count_prices_and_stock(
        in_category.filter(filters.attributes_q() & filters.options_q()), filters=filters
    )
    attributes, options = _count_attributes_and_options(
        in_category.filter(filters.price_q & filters.stock_q & filters.options_q()),
        option_products=in_category.filter(filters.price_q & filters.stock_q & filters.attributes_q()),
        filters=filters,
    )
    return ListingFacets(
        categories=_count_categories(
            base.filter(filters.q), options=category_options, selected=selected_category
        ),
        price_bands=price_bands,
        in_stock=in_stock,
        attributes=attributes,
        options=options,
    )


def _count_categories(
    products: QuerySet[Product], *, options: tuple[CategoryLink, ...], selected: CategoryLink | None
) -> tuple[FacetCount, ...]:
    if not options:
        return ()
    by_path = dict(
        products.order_by()
        .values("category__path")
        .annotate(count=Count("pk"))
        .values_list("category__path", "count")
    )
    counts = []
    for option in options:
        count = sum(n for path, n in by_path.items() if path.startswith(option.path))
        is_selected = selected is not None and selected.path == option.path
        if count or is_selected:
            counts.append(
                FacetCount(value=option.slug, label=option.name, count=count, is_selected=is_selected)
            )
    return tuple(counts)


def _count_prices_and_stock(
    products: QuerySet[Product], *, filters: ProductFilters
) -> tuple[tuple[FacetCount, ...], FacetCount]:
    """One aggregate: each band counted under the stock filter, stock under the price filter."""
    stock_q, price_q = filters.stock_q, filters.price_q
    aggregates = {
        f"band_{index}": Count("pk", filter=band.q & stock_q) for index, band in enumerate(PRICE_BANDS)
    }
    aggregates["in_stock"] = Count("pk", filter=Q(is_in_stock=True) & price_q)
    counts = products.order_by().aggregate(**aggregates)
    chosen = selected_price_band(filters)
    bands = tuple(
        FacetCount(
            value=str(index), label=band.label, count=counts[f"band_{index}"], is_selected=index == chosen
        )
        for index, band in enumerate(PRICE_BANDS)
        if counts[f"band_{index}"] or index == chosen
    )
    in_stock = FacetCount(
        value="on", label="In stock", count=counts["in_stock"], is_selected=filters.in_stock_only
    )
    return bands, in_stock


def _count_attributes_and_options(
    products: QuerySet[Product], *, option_products: QuerySet[Product], filters: ProductFilters
) -> tuple[tuple[AttributeFacet, ...], tuple[AttributeFacet, ...]]:
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
    # Only objects are taken apart (free-form JSON may be a list), and only text and numbers.
    # The SQL is built from fixed text and the ORM's own compiled query; every value the
    # shopper sent is a parameter (hence the S608 exemptions).
    if connection.vendor == "postgresql":
        pairs = (
            f"SELECT {carried}pair.key AS attribute_key, pair.value #>> '{{}}' AS attribute_value"  # noqa: S608  # nosec B608
            f" FROM ({inner_sql}) AS base CROSS JOIN LATERAL jsonb_each(CASE WHEN"
            " jsonb_typeof(base.attributes) = 'object' THEN base.attributes ELSE '{}'::jsonb END) AS pair"
            " WHERE jsonb_typeof(pair.value) IN ('string', 'number')"
        )
    else:
        pairs = (
            f"SELECT {carried}pair.key AS attribute_key, CAST(pair.value AS TEXT) AS attribute_value"  # noqa: S608  # nosec B608
            f" FROM ({inner_sql}) AS base, json_each(CASE WHEN"
            " json_type(base.attributes) = 'object' THEN base.attributes ELSE '{}' END) AS pair"
            " WHERE pair.type IN ('text', 'integer', 'real')"
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 'attribute', attribute_key, attribute_value, matches, CAST(NULL AS TEXT),"  # noqa: S608  # nosec B608
            f" CAST(NULL AS TEXT), CAST(NULL AS INTEGER) FROM ({sql}) AS attribute_facet"
            f" UNION ALL {option_sql}",
            [*params, *option_params],
        )
        rows = cursor.fetchall()
    attribute_rows = [row[1:4] for row in rows if row[0] == "attribute"]
    option_rows = [row[1:] for row in rows if row[0] == "option"]
    return _attribute_facets(attribute_rows, filters=filters), _option_facets(option_rows, filters=filters)


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
    variants = Variant.objects.filter(product__in=products.order_by().values("pk"))
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
