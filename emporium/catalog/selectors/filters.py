"""What a shopper narrows a listing to, and how: sorts, price, stock and attribute filters."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.db.models import CharField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import In


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
