"""The staff's catalog lists (staff API): every product, published or not; every category."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Length, Substr

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


def list_categories_for_staff() -> QuerySet[Category]:
    """Every category in tree order (parents before their children), for the staff's list.

    Each row carries what staff need to edit or delete it without another request: its
    parent (by the materialised path, which is the parent's path and one more step) and how
    many products it holds directly. Correlated subqueries, not joins, so a page is one query
    whatever its size or the depth of the tree.
    """
    parents = Category.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Category.steplen)
    )
    product_counts = (
        Product.objects.filter(category=OuterRef("pk"))
        .order_by()
        .values("category")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Category.objects.annotate(
        parent_id=Subquery(parents.values("pk")[:1]),
        parent_slug=Subquery(parents.values("slug")[:1]),
        product_count=Coalesce(Subquery(product_counts), Value(0)),
    ).order_by("path")
