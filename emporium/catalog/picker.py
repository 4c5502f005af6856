"""The variant picker of the product page: which variant a shopper's choices select, and
what each choice would lead to. Pure: it reads the cached page shape, never the database.

The picker is a GET form (``?colour=red&size=m``), so it works without JavaScript and every
variant has its own address. A choice a shopper can make is one of three states, given the
other choices already made: *available*, *sold out* (the variant exists, nothing in stock), or
*not made* (no variant has that combination). None is disabled: choosing colour first and size
second must stay possible whichever combination is showing; the page says what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from emporium.catalog.selectors.shapes import OptionValue, ProductPage, VariantAttribute, VariantOption


class ChoiceState(StrEnum):
    AVAILABLE = "available"
    SOLD_OUT = "sold_out"
    NOT_MADE = "not_made"


@dataclass(frozen=True)
class PickerValue:
    value: OptionValue
    is_selected: bool
    state: ChoiceState

    @property
    def is_sold_out(self) -> bool:
        return self.state == ChoiceState.SOLD_OUT

    @property
    def is_not_made(self) -> bool:
        return self.state == ChoiceState.NOT_MADE


@dataclass(frozen=True)
class PickerGroup:
    attribute: VariantAttribute
    values: tuple[PickerValue, ...]

    @property
    def selected(self) -> PickerValue | None:
        return next((value for value in self.values if value.is_selected), None)


@dataclass(frozen=True)
class VariantChoice:
    groups: tuple[PickerGroup, ...]
    variant: VariantOption | None  # None: the combination chosen is not made

    @property
    def selection_label(self) -> str:
        """The choices as words, "Red, Medium", for the page to say what is not made."""
        return ", ".join(group.selected.value.name for group in self.groups if group.selected)


def choose_variant(*, page: ProductPage, requested: Mapping[str, str]) -> VariantChoice | None:
    """The variant the shopper's choices select; None for a product without a picker.

    Values the product's variants do not take are ignored (an old link, a typed URL). Choices
    left out are filled from the best variant matching those made: in stock first, then in
    the shop's order; with no choice at all that is the page's default variant.
    """
    if not page.variant_attributes:
        return None
    known = {
        attribute.code: {value.code for value in attribute.values} for attribute in page.variant_attributes
    }
    selection = {code: requested[code] for code, values in known.items() if requested.get(code) in values}
    matching = [variant for variant in page.variants if variant.matches(selection)]
    best = next((v for v in matching if v.is_in_stock), matching[0] if matching else None)
    if best is not None:
        selection = {**dict(best.options), **selection}
    variant = best if best is not None and len(selection) == len(known) and best.matches(selection) else None
    groups = tuple(
        PickerGroup(
            attribute=attribute,
            values=tuple(
                PickerValue(
                    value=value,
                    is_selected=selection.get(attribute.code) == value.code,
                    state=_state(page.variants, selection={**selection, attribute.code: value.code}),
                )
                for value in attribute.values
            ),
        )
        for attribute in page.variant_attributes
    )
    return VariantChoice(groups=groups, variant=variant)


def _state(variants: tuple[VariantOption, ...], *, selection: dict[str, str]) -> ChoiceState:
    matching = [variant for variant in variants if variant.matches(selection)]
    if not matching:
        return ChoiceState.NOT_MADE
    return ChoiceState.AVAILABLE if any(v.is_in_stock for v in matching) else ChoiceState.SOLD_OUT
