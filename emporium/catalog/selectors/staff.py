"""The staff's catalog list (staff API): every product, published or not."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from emporium.catalog.models import Category, Product, Variant
from emporium.catalog.selectors.search import normalize_search_query, split_search_terms


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
