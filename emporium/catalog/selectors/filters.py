"""What a shopper narrows a listing to, and how: sorts, price, stock, attribute and variant
option filters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import BooleanField, CharField, Exists, Expression, F, FloatField, OuterRef, Q
from django.db.models.fields.json import HasKey, KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, In, IsNull, LessThan

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
    # Typed number attributes, as (key, lowest, below) sorted by key: a product matches when its
    # number is at least ``lowest`` and under ``below`` (either may be open), for every key.
    ranges: tuple[tuple[str, Decimal | None, Decimal | None], ...] = ()
    # Typed yes/no attributes, as (key, value) sorted by key.
    flags: tuple[tuple[str, bool], ...] = ()

    @property
    def price_q(self) -> Q:
        return price_range_q(self.price_min, self.price_max)

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

    def typed_filters(self) -> list[tuple[str, Q]]:
        """Each chosen number range and yes/no value as (key, condition on products)."""
        return [
            *(
                (key, number_range_filter(key=key, lowest=lowest, below=below))
                for key, lowest, below in self.ranges
            ),
            *((key, flag_filter(key=key, value=value)) for key, value in self.flags),
        ]

    def typed_q(self) -> Q:
        condition = Q()
        for _key, filter_q in self.typed_filters():
            condition &= filter_q
        return condition

    @property
    def q(self) -> Q:
        """Every filter but the sort, as one condition on products."""
        return self.price_q & self.stock_q & self.attributes_q() & self.options_q() & self.typed_q()


def price_range_q(lowest: object | None, highest: object | None) -> Q:
    """Products priced from ``lowest`` to ``highest``, both included (either may be open): a
    Decimal, or a prepared query's value (emporium.core.prepared.Bind)."""
    condition = Q()
    if lowest is not None:
        condition &= Q(price_amount__gte=lowest)
    if highest is not None:
        condition &= Q(price_amount__lte=highest)
    return condition


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


class AttributeNumber(Expression):
    """A product's typed number (``attributes -> key``) as a number, NULL when it is missing or
    not a JSON number (a free-form ``"12 cm"`` is no number, and must not fail a cast)."""

    # Compared as floats: SQLite would compare a Decimal parameter as text (and lose).
    output_field = FloatField()

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        column, params = compiler.compile(F("attributes").resolve_expression(compiler.query))
        if connection.vendor == "postgresql":
            sql = f"(CASE WHEN jsonb_typeof({column} -> %s) = 'number' THEN ({column} -> %s)::numeric END)"
            return sql, [*params, self.key, *params, self.key]
        path = json_path(self.key)
        sql = (
            f"(CASE WHEN json_type({column}, %s) IN ('integer', 'real') THEN json_extract({column}, %s) END)"
        )
        return sql, [*params, path, *params, path]


class AttributeIs(Expression):
    """A typed yes/no attribute is ``value``. On PostgreSQL as JSON containment
    (``attributes @> '{"dishwasher_safe": true}'``), which the GIN index on the attributes
    answers (catalog migration 0009); SQLite compares the JSON type."""

    output_field = BooleanField()

    def __init__(self, key: str, value: bool) -> None:
        super().__init__()
        self.key, self.value = key, value

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        column, params = compiler.compile(F("attributes").resolve_expression(compiler.query))
        if connection.vendor == "postgresql":
            return f"({column} @> %s::jsonb)", [*params, json.dumps({self.key: self.value})]
        return f"(json_type({column}, %s) = %s)", [
            *params,
            json_path(self.key),
            "true" if self.value else "false",
        ]


def json_path(key: str) -> str:
    """SQLite's JSON path of a top-level key; keys are slugs (emporium.catalog.forms), quoted anyway."""
    return '$."' + key.replace('"', "") + '"'


def number_range_filter(*, key: str, lowest: Decimal | None, below: Decimal | None) -> Q:
    """Products whose number ``key`` is at least ``lowest`` and under ``below``. The key test
    first: on PostgreSQL ``attributes ? 'width'`` is answered by the GIN index (migration 0009)."""
    condition = Q(HasKey(F("attributes"), key))
    if lowest is not None:
        condition &= Q(GreaterThanOrEqual(AttributeNumber(key), lowest))
    if below is not None:
        condition &= Q(LessThan(AttributeNumber(key), below))
    if lowest is None and below is None:
        condition &= Q(IsNull(AttributeNumber(key), False))
    return condition


def flag_filter(*, key: str, value: bool) -> Q:
    return Q(AttributeIs(key, value))
