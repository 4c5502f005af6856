"""Page selectors: the query selectors' rows turned into page shapes and cached.

Each is cached with :func:`cached_for_catalog`: every key names all the inputs of its value, and
an edit anywhere in the catalog bumps the version in the key, so the next request rebuilds. A
warm page costs no catalog query at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace

from django.db.models import Count, QuerySet, Window

from emporium.catalog.attributes import DeclaredAttribute, list_declared_attributes
from emporium.catalog.cache import cached_for_catalog
from emporium.catalog.models import Category, Product, Variant
from emporium.catalog.selectors.filters import ProductFilters, ProductSort
from emporium.catalog.selectors.queries import (
    get_published_product,
    in_category_subtree,
    list_bestsellers,
    list_category_bestsellers,
    list_category_family_of_slug,
    list_category_lineage,
    list_new_arrivals,
    list_products_for_category,
    list_top_level_categories,
    page_of,
    prepare_listing,
)
from emporium.catalog.selectors.search import (
    check_search_query,
    normalize_search_query,
    prepare_search,
    search_products,
    split_search_terms,
    suggest_products,
)
from emporium.catalog.selectors.shapes import (
    CategoryLink,
    CategoryNode,
    CategoryPage,
    HomePage,
    OptionValue,
    Picture,
    ProductCard,
    ProductPage,
    ResultsPage,
    SearchResults,
    Suggestion,
    VariantAttribute,
    VariantOption,
)


def _paginate(
    products: QuerySet[Product], *, page: int, per_page: int, count: int | None = None
) -> ResultsPage:
    """Clamp the page into range (page 99999 shows the last page), then load only that page.
    ``count``, when the caller knows it, saves counting the products again."""
    if count is None:
        count = products.count()
    return _page(
        count=count,
        page=page,
        per_page=per_page,
        read=lambda offset, limit: map(
            ProductCard.from_product, page_of(products, offset=offset, limit=limit)
        ),
    )


def _page(
    *, count: int, page: int, per_page: int, read: Callable[[int, int], Iterable[ProductCard]]
) -> ResultsPage:
    """The page (clamped into range) of ``count`` products, its cards read by ``read(offset, limit)``."""
    num_pages = max(1, math.ceil(count / per_page))
    number = min(max(page, 1), num_pages)
    cards = tuple(read((number - 1) * per_page, per_page)) if count else ()
    return ResultsPage(cards=cards, number=number, num_pages=num_pages, count=count, per_page=per_page)


def _paginate_counting_on_the_way(products: QuerySet[Product], *, page: int, per_page: int) -> ResultsPage:
    """As _paginate, for a query that finds every match anyway (a search ranks them all before
    taking a page): the count comes with the page (``COUNT(*) OVER ()``) instead of a second
    pass over the matches."""

    def read(offset: int, limit: int) -> tuple[list[ProductCard], int]:
        rows = list(products.annotate(matches=Window(Count("pk")))[offset : offset + limit])
        return [ProductCard.from_product(p) for p in rows], (rows[0].matches if rows else 0)

    return _page_counting_on_the_way(read=read, count=products.count, page=page, per_page=per_page)


def _page_counting_on_the_way(
    *,
    read: Callable[[int, int], tuple[list[ProductCard], int]],
    count: Callable[[], int],
    page: int,
    per_page: int,
) -> ResultsPage:
    """The page of ``read(offset, limit)``: its cards and how many there are in all. Only a
    page past the end counts separately, then shows the last."""
    number = max(page, 1)
    cards, matches = read((number - 1) * per_page, per_page)
    if not cards and number > 1:
        return _page(
            count=count(), page=page, per_page=per_page, read=lambda offset, limit: read(offset, limit)[0]
        )
    return ResultsPage(
        cards=tuple(cards),
        number=number,
        num_pages=max(1, math.ceil(matches / per_page)),
        count=matches,
        per_page=per_page,
    )


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
        family = list_category_family_of_slug(slug=slug)
        category = next((member for member in family if member.slug == slug), None)
        if category is None:
            return None
        return CategoryPage(
            category=CategoryLink.from_category(category),
            description=category.description,
            seo_title=category.seo_title,
            seo_description=category.seo_description,
            ancestors=tuple(CategoryLink.from_category(c) for c in family if c.depth < category.depth),
            children=tuple(CategoryLink.from_category(c) for c in family if c.depth == category.depth + 1),
            subtree=tuple(sorted((c.path, c.pk) for c in family if c.depth >= category.depth)),
        )

    return cached_for_catalog(key=f"category:{slug}", build=build)


def get_category_listing(
    *,
    category: CategoryLink,
    filters: ProductFilters,
    page: int,
    per_page: int,
    subtree: tuple[tuple[str, int], ...] = (),
) -> ResultsPage:
    """One page of a category's products, cached with its count. The count is also cached on
    its own, by what it depends on (the category and the filters, not the page or the sort),
    so a shopper or crawler paging through a big category pays one COUNT(*), not one a page.
    ``subtree`` is the category page's (CategoryPage.subtree), for an index-friendly filter."""

    def build() -> ResultsPage:
        count_key = f"category-count:{category.path}:{replace(filters, sort=ProductSort.POPULAR)!r}"
        prepared = prepare_listing(category=category, filters=filters, subtree=subtree)
        if prepared is not None:
            count = cached_for_catalog(key=count_key, build=prepared.count)
            return _page(count=count, page=page, per_page=per_page, read=prepared.read_cards)
        products = list_products_for_category(category=category, filters=filters, subtree=subtree)
        count = cached_for_catalog(key=count_key, build=lambda: products.order_by().count())
        return _paginate(products, page=page, per_page=per_page, count=count)

    return cached_for_catalog(
        key=f"category-listing:{category.path}:{filters!r}:page={page}:per_page={per_page}", build=build
    )


def get_product_page(*, slug: str, related_limit: int = 4) -> ProductPage | None:
    """Everything the product page shows; None (cached too) when unknown or unpublished."""

    def build() -> ProductPage | None:
        try:
            product = get_published_product(slug=slug)
        except Product.DoesNotExist:
            return None
        lineage = _category_lineage(category=product.category)
        variants = list(product.variants.all())
        declared = (
            list_declared_attributes(product_type=product.product_type)
            if product.product_type is not None
            else []
        )
        return ProductPage(
            id=product.pk,
            name=product.name,
            slug=product.slug,
            url=product.get_absolute_url(),
            description=product.description,
            attributes=_typed_attributes(product.attributes, declared=declared)
            if declared
            else _displayable_attributes(product.attributes),
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
                    options=tuple((str(code), str(value)) for code, value in v.options.items())
                    if isinstance(v.options, dict)
                    else (),
                )
                for v in variants
            ),
            variant_attributes=_variant_attributes(declared=declared, variants=variants),
            product_type_id=product.product_type_id,
            pictures=tuple(Picture.from_image(i, product_name=product.name) for i in product.images.all()),
            related=_related_cards(product=product, limit=related_limit),
            rating_average=product.rating_average,
            rating_count=product.rating_count,
        )

    return cached_for_catalog(key=f"product:{slug}:{related_limit}", build=build)


def _category_lineage(*, category: Category) -> tuple[CategoryLink, ...]:
    """The root down to the category, cached per category: the breadcrumbs of all its products."""
    return cached_for_catalog(
        key=f"category-lineage:{category.pk}",
        build=lambda: tuple(CategoryLink.from_category(c) for c in list_category_lineage(category=category)),
    )


def _related_cards(*, product: Product, limit: int) -> tuple[ProductCard, ...]:
    """The best sellers of the product's category, without the product itself. One list per
    category (one card more than shown, so leaving the product out still fills it), cached and
    shared by the pages of all its products: a product page built for the first time asks no
    query for them once another product of its category was shown."""
    bestsellers = cached_for_catalog(
        key=f"category-bestsellers:{product.category_id}:{limit + 1}",
        build=lambda: tuple(
            ProductCard.from_product(p)
            for p in list_category_bestsellers(category_id=product.category_id, limit=limit + 1)
        ),
    )
    return tuple(card for card in bestsellers if card.id != product.pk)[:limit]


def _typed_attributes(
    attributes: object, *, declared: list[DeclaredAttribute]
) -> tuple[tuple[str, str], ...]:
    """A typed product's attributes in the type's order, named and shown as the type says
    ("Weight: 180 g"); the variant-defining ones are the picker's."""
    values = attributes if isinstance(attributes, dict) else {}
    return tuple(
        (attribute.name, attribute.label_of(values[attribute.code]))
        for attribute in declared
        if not attribute.defines_variants and attribute.code in values
    )


def _variant_attributes(
    *, declared: list[DeclaredAttribute], variants: list[Variant]
) -> tuple[VariantAttribute, ...]:
    """The picker's attributes: each variant-defining one with the values some variant has,
    in the attribute's own order (Small, Medium, Large; not alphabetical)."""
    attributes = []
    for attribute in declared:
        if not attribute.defines_variants:
            continue
        used = {v.options.get(attribute.code) for v in variants if isinstance(v.options, dict)}
        values = tuple(
            OptionValue(code=value.code, name=value.name, hex=value.hex)
            for value in attribute.allowed
            if value.code in used
        )
        if values:
            attributes.append(
                VariantAttribute(code=attribute.code, name=attribute.name, kind=attribute.kind, values=values)
            )
    return tuple(attributes)


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
    subtree: tuple[tuple[str, int], ...] = (),
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
        prepared = prepare_search(checked=checked, filters=narrowed, category=category, subtree=subtree)
        if prepared is not None:
            return _page_counting_on_the_way(
                read=prepared.read, count=prepared.count, page=page, per_page=per_page
            )
        products = search_products(query=normalized).filter(narrowed.q)
        if category:
            products = products.filter(in_category_subtree(category, subtree=subtree))
        return _paginate_counting_on_the_way(products, page=page, per_page=per_page)

    key_filters = (
        narrowed.price_min,
        narrowed.price_max,
        narrowed.in_stock_only,
        narrowed.attributes,
        narrowed.options,
        narrowed.ranges,
        narrowed.flags,
    )
    results = cached_for_catalog(
        key=f"search:{' '.join(terms)}:{scope}:{key_filters!r}:page={page}:per_page={per_page}", build=build
    )
    return SearchResults(query=normalized, terms=terms, results=results, corrected_query=checked.corrected)


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
