"""Reads on the catalog for the storefront, by concern; import them from here.

Two layers, both read-only:

* Query selectors (``queries``: ``list_*``, ``get_published_product``; ``search``:
  ``search_products``, ``match_products``; ``staff``: the staff API's products and categories)
  return querysets that load up front everything a product card or page shows (category
  joined, images prefetched in order, variants where the page shows them), so a page's query
  count never grows with the page size or the number of variants and images. ``filters`` holds what a shopper narrows a listing to.
* Page selectors (``pages``: ``get_*_page``, ``get_category_listing``, ``get_search_results``,
  ``list_nav_categories``, ``list_suggestions``) turn those rows into the small frozen
  dataclasses of ``shapes`` and cache them with :func:`cached_for_catalog`. A template given a
  dataclass cannot run a query by touching a relation, and a warm page costs no catalog query at
  all. Every cache key names all the inputs of its value; an edit anywhere in the catalog bumps
  the version in the key, so the next request rebuilds.
"""

from __future__ import annotations

from emporium.catalog.selectors.filters import ProductFilters, ProductSort, attribute_filter, attribute_text
from emporium.catalog.selectors.pages import (
    get_category_listing,
    get_category_page,
    get_home_page,
    get_product_page,
    get_search_results,
    list_category_tree,
    list_nav_categories,
    list_suggestions,
)
from emporium.catalog.selectors.queries import (
    TreeNode,
    cards_queryset,
    find_purchasable_variant,
    get_published_product,
    in_category_subtree,
    is_purchasable,
    list_bestsellers,
    list_category_family_of_slug,
    list_category_lineage,
    list_new_arrivals,
    list_products_for_category,
    list_purchasable_variants,
    list_top_level_categories,
)
from emporium.catalog.selectors.search import (
    SEARCH_MAX_LENGTH,
    SEARCH_MAX_TERMS,
    TRIGRAM_MIN_TERM_LENGTH,
    TRIGRAM_WORD_THRESHOLD,
    check_search_query,
    get_search_vocabulary,
    match_products,
    normalize_search_query,
    search_products,
    split_search_terms,
    suggest_products,
)
from emporium.catalog.selectors.shapes import (
    ALL_PRODUCTS,
    LOW_STOCK_THRESHOLD,
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
from emporium.catalog.selectors.staff import list_categories_for_staff, list_products_for_staff

__all__ = [
    "ALL_PRODUCTS",
    "LOW_STOCK_THRESHOLD",
    "SEARCH_MAX_LENGTH",
    "SEARCH_MAX_TERMS",
    "TRIGRAM_MIN_TERM_LENGTH",
    "TRIGRAM_WORD_THRESHOLD",
    "CategoryLink",
    "CategoryNode",
    "CategoryPage",
    "HomePage",
    "OptionValue",
    "Picture",
    "ProductCard",
    "ProductFilters",
    "ProductPage",
    "ProductSort",
    "ResultsPage",
    "SearchResults",
    "Suggestion",
    "TreeNode",
    "VariantAttribute",
    "VariantOption",
    "attribute_filter",
    "attribute_text",
    "cards_queryset",
    "check_search_query",
    "find_purchasable_variant",
    "get_category_listing",
    "get_category_page",
    "get_home_page",
    "get_product_page",
    "get_published_product",
    "get_search_results",
    "get_search_vocabulary",
    "in_category_subtree",
    "is_purchasable",
    "list_bestsellers",
    "list_categories_for_staff",
    "list_category_family_of_slug",
    "list_category_lineage",
    "list_category_tree",
    "list_nav_categories",
    "list_new_arrivals",
    "list_products_for_category",
    "list_products_for_staff",
    "list_purchasable_variants",
    "list_suggestions",
    "list_top_level_categories",
    "match_products",
    "normalize_search_query",
    "search_products",
    "split_search_terms",
    "suggest_products",
]

# The cache holds pickled shapes, and pickle names a class by its module. They keep the name they
# had before this package was split, so processes of either version read each other's entries
# while a deploy rolls out (and a later move inside the package changes nothing).
for _shape in (
    CategoryLink,
    Picture,
    ProductCard,
    ResultsPage,
    CategoryPage,
    OptionValue,
    VariantAttribute,
    VariantOption,
    ProductPage,
    HomePage,
    Suggestion,
    SearchResults,
    CategoryNode,
):
    _shape.__module__ = __name__
