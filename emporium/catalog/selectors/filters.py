"""What a shopper narrows a listing to, and how: sorts, price, stock, attribute and variant
option filters."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import In

from emporium.catalog.models import Variant


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
    # Variant options (a product type's colour, size), the same shape: a product matches when
    # one of its variants has one of the values of every key (red *and* medium, one variant).
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()

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

    def variant_options_q(self, *, skip_key: str | None = None) -> Q:
        """The chosen options as a condition on variants (all keys but ``skip_key``); with
        "in stock" ticked, the variant must be in stock too."""
        condition = Q(stock_on_hand__gt=F("stock_allocated")) if self.in_stock_only else Q()
        for key, values in self.options:
            if key != skip_key:
                condition &= option_filter(key=key, values=values)
        return condition

    def options_q(self) -> Q:
        if not self.options:
            return Q()
        return Q(Exists(Variant.objects.filter(self.variant_options_q(), product=OuterRef("pk"))))

    @property
    def q(self) -> Q:
        """Every filter but the sort, as one condition on products."""
        return self.price_q & self.stock_q & self.attributes_q() & self.options_q()


def attribute_text(key: str) -> Cast:
    """An attribute's value as text, the same on SQLite and PostgreSQL: what the URL carries
    and what the attribute facet (emporium.catalog.facets) counts."""
    return Cast(KeyTextTransform(key, "attributes"), output_field=CharField())


def attribute_filter(*, key: str, values: tuple[str, ...]) -> Q:
    return Q(In(attribute_text(key), list(values)))


def option_text(key: str) -> Cast:
    """A variant option's value as text: what the URL carries and the option facet counts."""
    return Cast(KeyTextTransform(key, "options"), output_field=CharField())


def option_filter(*, key: str, values: tuple[str, ...]) -> Q:
    """Variants with one of ``values`` for ``key``. On PostgreSQL as JSON containment
    (``options @> '{"colour": "red"}'``), which the GIN index on the options answers
    (catalog migration 0008); SQLite compares the extracted text."""
    if connection.vendor == "postgresql":
        condition = Q()
        for value in values:
            condition |= Q(options__contains={key: value})
        return condition
    return Q(In(option_text(key), list(values)))
