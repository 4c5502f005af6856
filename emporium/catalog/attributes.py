"""Typed attributes: how a product type checks and normalises the values stored for it.

A product's own facts stay in ``Product.attributes`` and a variant's options in
``Variant.options`` (both JSON, keyed by attribute code), so listings, facets and the API read
them as before. What a type adds is that every value is checked when saved, and stored in one
shape: choices and colours by their code (``"Red"`` is stored ``"red"``), numbers as numbers,
yes/no as booleans. Products without a type keep free-form attributes and variants without
options, exactly as before types existed.

No model is imported here (the models call these functions from ``clean``): everything is
read through the instances' relations.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from emporium.catalog.models import Product, ProductType

MAX_TEXT_LENGTH = 200
_TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "0", "off"})


class AttributeKind(models.TextChoices):
    TEXT = "text", "Text"
    CHOICE = "choice", "Choice (from a list)"
    NUMBER = "number", "Number (with a unit)"
    BOOLEAN = "boolean", "Yes or no"
    COLOUR = "colour", "Colour (swatch and name)"


AttributeValue = str | int | float | bool


@dataclass(frozen=True)
class AllowedValue:
    code: str
    name: str
    hex: str = ""


@dataclass(frozen=True)
class DeclaredAttribute:
    """One attribute of a product type, as validation and the product page need it."""

    code: str
    name: str
    kind: str
    unit: str
    allowed: tuple[AllowedValue, ...]
    defines_variants: bool
    is_required: bool

    def normalise(self, raw: object) -> AttributeValue:
        """The value as stored; raises ValueError saying what is wrong with ``raw``."""
        if self.kind == AttributeKind.TEXT:
            if not isinstance(raw, str) or not raw.strip():
                raise ValueError("needs some text.")
            if len(raw.strip()) > MAX_TEXT_LENGTH:
                raise ValueError(f"is longer than {MAX_TEXT_LENGTH} characters.")
            return raw.strip()
        if self.kind == AttributeKind.NUMBER:
            return _number(raw)
        if self.kind == AttributeKind.BOOLEAN:
            return _boolean(raw)
        return self._allowed_code(raw)

    def _allowed_code(self, raw: object) -> str:
        if isinstance(raw, str):
            wanted = raw.strip().casefold()
            for value in self.allowed:
                if wanted in (value.code.casefold(), value.name.casefold()):
                    return value.code
        names = ", ".join(value.code for value in self.allowed) or "none yet"
        raise ValueError(f"{raw!r} is not one of the allowed values ({names}).")

    def label_of(self, code: object) -> str:
        """What a shopper reads for a stored value: a choice's name, a number with its unit."""
        for value in self.allowed:
            if value.code == code:
                return value.name
        if isinstance(code, bool):
            return "Yes" if code else "No"
        if self.unit:
            return f"{code} {self.unit}"
        return str(code)


def _number(raw: object) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("needs a number.")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError("needs a number.") from None
    if not number.is_finite():
        raise ValueError("needs a finite number.")
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().casefold() in _TRUE_WORDS | _FALSE_WORDS:
        return raw.strip().casefold() in _TRUE_WORDS
    raise ValueError("needs yes or no (true or false).")


def list_declared_attributes(*, product_type: ProductType) -> list[DeclaredAttribute]:
    """The type's attributes in their order, with the allowed values: two queries."""
    uses = product_type.type_attributes.select_related("attribute").prefetch_related("attribute__values")
    return [
        DeclaredAttribute(
            code=use.attribute.code,
            name=use.attribute.name,
            kind=use.attribute.kind,
            unit=use.attribute.unit,
            allowed=tuple(AllowedValue(v.code, v.name, v.hex) for v in use.attribute.values.all()),
            defines_variants=use.defines_variants,
            is_required=use.is_required or use.defines_variants,
        )
        for use in uses
    ]


def _normalise(
    *, declared: list[DeclaredAttribute], values: object, field: str, refused: dict[str, str]
) -> dict[str, AttributeValue]:
    """Check ``values`` against ``declared``; raise one ValidationError on ``field`` naming
    every key that is wrong. ``refused`` maps codes that may not appear here to the reason."""
    if not isinstance(values, dict):
        raise ValidationError({field: "Give the values as an object of attribute code to value."})
    by_code = {attribute.code: attribute for attribute in declared}
    errors: list[str] = []
    normalised: dict[str, AttributeValue] = {}
    for key, raw in values.items():
        attribute = by_code.get(key)
        if attribute is None:
            errors.append(f"{key}: {refused.get(key, 'is not an attribute of this product type.')}")
            continue
        if raw is None or raw == "":
            continue  # an empty value is no value; a required one is reported below
        try:
            normalised[key] = attribute.normalise(raw)
        except ValueError as error:
            errors.append(f"{key}: {error}")
    reported = {message.split(":", 1)[0] for message in errors}
    errors.extend(
        f"{attribute.code}: is required."
        for attribute in declared
        if attribute.is_required and attribute.code not in normalised and attribute.code not in reported
    )
    if errors:
        raise ValidationError({field: errors})
    return dict(sorted(normalised.items()))


def normalise_product_attributes(*, product_type: ProductType, values: object) -> dict[str, AttributeValue]:
    """A typed product's attributes, checked and normalised (keys sorted)."""
    declared = list_declared_attributes(product_type=product_type)
    return _normalise(
        declared=[attribute for attribute in declared if not attribute.defines_variants],
        values=values,
        field="attributes",
        refused={
            attribute.code: "is chosen per variant: set it in the variant's options."
            for attribute in declared
            if attribute.defines_variants
        },
    )


@dataclass(frozen=True)
class CheckedOptions:
    options: dict[str, AttributeValue]  # codes, keys sorted: what Variant.options stores
    label: str  # the values' names in the type's order, "Red, Medium": a name for the variant


def normalise_variant_options(*, product: Product, values: object, variant_id: int | None) -> CheckedOptions:
    """A variant's options: one value for each variant-defining attribute of its product's
    type, no other; and no other variant of the product with the same ones."""
    if product.product_type_id is None:
        if values in ({}, None):
            return CheckedOptions(options={}, label="")
        raise ValidationError({"options": "The product has no type, so its variants have no options."})
    assert product.product_type is not None  # for mypy: the id is set
    declared = list_declared_attributes(product_type=product.product_type)
    options = _normalise(
        declared=[attribute for attribute in declared if attribute.defines_variants],
        values=values,
        field="options",
        refused={
            attribute.code: "is the same for every variant: set it on the product."
            for attribute in declared
            if not attribute.defines_variants
        },
    )
    # Compared here, in Python, not by a JSON lookup: SQLite compares JSON as text. A product
    # not saved yet has no variants saved either (the admin's formset compares its new ones).
    if product.pk is not None:
        siblings = product.variants.all()
        if variant_id is not None:
            siblings = siblings.exclude(pk=variant_id)
        for sku, sibling_options in siblings.values_list("sku", "options"):
            if options and sibling_options == options:
                raise ValidationError(
                    {"options": f"Variant {sku} of this product already has these options."}
                )
    label = ", ".join(
        attribute.label_of(options[attribute.code])
        for attribute in declared
        if attribute.defines_variants and attribute.code in options
    )
    return CheckedOptions(options=options, label=label)
