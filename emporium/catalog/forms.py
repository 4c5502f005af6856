"""Query-string forms of the storefront.

Listing and search parameters come from URLs that anyone can edit or share, so nothing in
them may cause an error page: a value that does not validate is ignored, its default is
used instead, and the form carries a message to show next to the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from babel.numbers import get_currency_symbol
from django import forms
from django.conf import settings
from django.http import QueryDict

from emporium.catalog.selectors import CategoryLink, ProductFilters, ProductSort, normalize_search_query

PAGE_SIZES = (12, 24, 48)
DEFAULT_PAGE_SIZE = 24
# Attribute filters come as ``attr=key:value`` (any number); beyond these limits they are ignored.
ATTRIBUTE_PARAM = "attr"
# Variant options of typed products (colour, size) come as ``option=key:value``, the same way.
OPTION_PARAM = "option"
# Typed numbers come as ``range=width:10..20`` (at least 10, under 20; either end may be left
# open), typed yes/no attributes as ``flag=dishwasher_safe:yes`` (or ``no``).
RANGE_PARAM = "range"
FLAG_PARAM = "flag"
MAX_ATTRIBUTE_FILTERS = 10
MAX_ATTRIBUTE_TEXT_LENGTH = 100
_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
_FLAG_WORDS = {"yes": True, "no": False}


def _bound(text: str) -> Decimal | None:
    """A range end: a finite number of sensible size, else ValueError (``abc``, ``1e999``)."""
    if not text:
        return None
    number = Decimal(text)  # InvalidOperation (an ArithmeticError) when it is no number
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValueError(text)
    return number


def parse_range_filters(values: Iterable[str]) -> tuple[tuple[str, Decimal | None, Decimal | None], ...]:
    """``["width:10..20", "weight:..500"]`` as (key, lowest, below) sorted by key, one per key
    (the first). Malformed pairs, unknown words and empty or backward ranges are dropped."""
    chosen: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for raw in list(values)[:MAX_ATTRIBUTE_FILTERS]:
        key, _, bounds = raw.partition(":")
        low_text, separator, high_text = bounds.partition("..")
        if not _KEY.match(key) or not separator or key in chosen or len(bounds) > MAX_ATTRIBUTE_TEXT_LENGTH:
            continue
        try:
            lowest, below = _bound(low_text.strip()), _bound(high_text.strip())
        except (ValueError, ArithmeticError):
            continue
        if (lowest is None and below is None) or (
            lowest is not None and below is not None and below <= lowest
        ):
            continue
        chosen[key] = (lowest, below)
    return tuple((key, *chosen[key]) for key in sorted(chosen))


def parse_flag_filters(values: Iterable[str]) -> tuple[tuple[str, bool], ...]:
    """``["dishwasher_safe:yes"]`` as (key, value) sorted by key; anything else is dropped."""
    chosen: dict[str, bool] = {}
    for raw in list(values)[:MAX_ATTRIBUTE_FILTERS]:
        key, _, word = raw.partition(":")
        if _KEY.match(key) and word in _FLAG_WORDS and key not in chosen:
            chosen[key] = _FLAG_WORDS[word]
    return tuple((key, chosen[key]) for key in sorted(chosen))


def range_param(key: str, lowest: Decimal | None, below: Decimal | None) -> str:
    return f"{key}:{'' if lowest is None else lowest}..{'' if below is None else below}"


def flag_param(key: str, value: bool) -> str:
    return f"{key}:{'yes' if value else 'no'}"


def parse_attribute_filters(values: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``["colour:red", "colour:blue", "material:tin"]`` as (key, values) pairs sorted by key.

    The value is what follows the first colon, so values may hold colons. Malformed, overlong
    or NUL-holding pairs (which PostgreSQL cannot compare) are dropped, not refused: the URL
    is anyone's to edit.
    """
    chosen: dict[str, set[str]] = {}
    for raw in list(values)[:MAX_ATTRIBUTE_FILTERS]:
        key, separator, value = raw.partition(":")
        if (
            not separator
            or not key
            or not value
            or "\x00" in raw
            or max(len(key), len(value)) > MAX_ATTRIBUTE_TEXT_LENGTH
        ):
            continue
        chosen.setdefault(key, set()).add(value)
    return tuple((key, tuple(sorted(chosen[key]))) for key in sorted(chosen))


@dataclass(frozen=True)
class ListingOptions:
    filters: ProductFilters
    subcategory: CategoryLink | None
    page: int
    per_page: int


class _QueryStringForm(forms.Form):
    """A GET form whose defaults show as selected even when the URL leaves them out."""

    defaults: Mapping[str, str] = {}

    def __init__(self, data: QueryDict, **kwargs: Any) -> None:
        with_defaults = data.copy()
        for name, value in self.defaults.items():
            if not with_defaults.get(name):
                with_defaults[name] = value
        self.query_data = with_defaults  # typed as a QueryDict, for repeated parameters
        super().__init__(with_defaults, **kwargs)

    def full_clean(self) -> None:
        super().full_clean()
        # Point each invalid control at its message, so screen readers read the two together.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = self.error_id(name)

    def error_id(self, name: str) -> str:
        return f"{self[name].auto_id}-error"

    def valid_value(self, name: str, default: Any) -> Any:
        """The cleaned value, or the default when the field is missing, blank or invalid."""
        if not self.is_bound or name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class ProductListingForm(_QueryStringForm):
    defaults = {"sort": ProductSort.POPULAR.value, "per_page": str(DEFAULT_PAGE_SIZE)}

    sort = forms.ChoiceField(
        label="Sort by",
        choices=[(sort.value, sort.label) for sort in ProductSort],
        required=False,
        widget=forms.Select(attrs={"class": "select"}),
    )
    per_page = forms.TypedChoiceField(
        label="Per page",
        choices=[(str(size), str(size)) for size in PAGE_SIZES],
        coerce=int,
        required=False,
        widget=forms.Select(attrs={"class": "select"}),
    )
    subcategory = forms.ChoiceField(
        label="Sub-category", required=False, widget=forms.Select(attrs={"class": "select"})
    )
    price_min = forms.DecimalField(
        label="Min price",
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"class": "input", "inputmode": "decimal", "step": "0.01"}),
    )
    price_max = forms.DecimalField(
        label="Max price",
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"class": "input", "inputmode": "decimal", "step": "0.01"}),
    )
    in_stock = forms.BooleanField(
        label="In stock only", required=False, widget=forms.CheckboxInput(attrs={"class": "checkbox"})
    )
    # Not a control of the form: pagination links carry it, and a new filter starts at page 1.
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, data: QueryDict, *, subcategories: Iterable[CategoryLink], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.subcategories = {link.slug: link for link in subcategories}
        cast(forms.ChoiceField, self.fields["subcategory"]).choices = [
            ("", "All"),
            *((link.slug, link.name) for link in self.subcategories.values()),
        ]
        symbol = get_currency_symbol(settings.DEFAULT_CURRENCY, locale=settings.MONEY_LOCALE)
        for name in ("price_min", "price_max"):
            self.fields[name].label = f"{self.fields[name].label} ({symbol})"
        self.fields["price_min"].error_messages["min_value"] = "Prices start at 0."
        self.fields["price_max"].error_messages["min_value"] = "Prices start at 0."
        self.fields["subcategory"].error_messages["invalid_choice"] = (
            "There is no such sub-category here, so all are shown."
        )
        self.fields["sort"].error_messages["invalid_choice"] = (
            "Unknown sort order, so the most popular come first."
        )
        self.fields["per_page"].error_messages["invalid_choice"] = (
            f"Choose {', '.join(map(str, PAGE_SIZES[:-1]))} or {PAGE_SIZES[-1]} a page; "
            f"showing {DEFAULT_PAGE_SIZE}."
        )
        self.fields["page"].error_messages["invalid"] = "That is not a page number."
        self.fields["page"].error_messages["min_value"] = "Pages start at 1."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        price_min, price_max = cleaned.get("price_min"), cleaned.get("price_max")
        if price_min is not None and price_max is not None and price_max < price_min:
            self.add_error("price_max", "The max price must be at least the min price.")
        return cleaned

    @property
    def attribute_filters(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return parse_attribute_filters(self.query_data.getlist(ATTRIBUTE_PARAM))

    @property
    def attribute_params(self) -> list[str]:
        """The chosen attributes as the form carries them along (hidden inputs)."""
        return [f"{key}:{value}" for key, values in self.attribute_filters for value in values]

    @property
    def option_filters(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return parse_attribute_filters(self.query_data.getlist(OPTION_PARAM))

    @property
    def option_params(self) -> list[str]:
        """The chosen variant options as the form carries them along (hidden inputs)."""
        return [f"{key}:{value}" for key, values in self.option_filters for value in values]

    @property
    def range_filters(self) -> tuple[tuple[str, Decimal | None, Decimal | None], ...]:
        return parse_range_filters(self.query_data.getlist(RANGE_PARAM))

    @property
    def flag_filters(self) -> tuple[tuple[str, bool], ...]:
        return parse_flag_filters(self.query_data.getlist(FLAG_PARAM))

    @property
    def typed_params(self) -> list[tuple[str, str]]:
        """The chosen number ranges and yes/no values as the form carries them (hidden inputs)."""
        return [
            *((RANGE_PARAM, range_param(*chosen)) for chosen in self.range_filters),
            *((FLAG_PARAM, flag_param(*chosen)) for chosen in self.flag_filters),
        ]

    @property
    def has_active_filters(self) -> bool:
        return (
            any(
                self.valid_value(name, None) not in (None, False)
                for name in ("subcategory", "price_min", "price_max")
            )
            or bool(self.valid_value("in_stock", False))
            or bool(self.attribute_filters)
            or bool(self.option_filters)
            or bool(self.range_filters)
            or bool(self.flag_filters)
        )

    @property
    def has_filter_errors(self) -> bool:
        return any(name in self.errors for name in ("subcategory", "price_min", "price_max", "in_stock"))

    def listing_options(self) -> ListingOptions:
        self.is_valid()  # fills cleaned_data and errors; invalid fields fall back to defaults below
        return ListingOptions(
            filters=ProductFilters(
                sort=ProductSort(self.valid_value("sort", ProductSort.POPULAR)),
                price_min=self.valid_value("price_min", None),
                price_max=self.valid_value("price_max", None),
                in_stock_only=bool(self.valid_value("in_stock", False)),
                attributes=self.attribute_filters,
                options=self.option_filters,
                ranges=self.range_filters,
                flags=self.flag_filters,
            ),
            subcategory=self.subcategories.get(self.valid_value("subcategory", "")),
            page=self.valid_value("page", 1),
            per_page=self.valid_value("per_page", DEFAULT_PAGE_SIZE),
        )


class SearchForm(_QueryStringForm):
    """The query, and the facets a shopper clicked: they arrive by link, so a value that does
    not validate is ignored like any other listing parameter."""

    q = forms.CharField(label="Search the shop", required=False)
    page = forms.IntegerField(min_value=1, required=False)
    category = forms.SlugField(required=False)
    price_min = forms.DecimalField(min_value=Decimal(0), max_digits=10, decimal_places=2, required=False)
    price_max = forms.DecimalField(min_value=Decimal(0), max_digits=10, decimal_places=2, required=False)
    in_stock = forms.BooleanField(required=False)

    @property
    def filters(self) -> ProductFilters:
        self.is_valid()
        return ProductFilters(
            price_min=self.valid_value("price_min", None),
            price_max=self.valid_value("price_max", None),
            in_stock_only=bool(self.valid_value("in_stock", False)),
            attributes=parse_attribute_filters(self.query_data.getlist(ATTRIBUTE_PARAM)),
            options=parse_attribute_filters(self.query_data.getlist(OPTION_PARAM)),
            ranges=parse_range_filters(self.query_data.getlist(RANGE_PARAM)),
            flags=parse_flag_filters(self.query_data.getlist(FLAG_PARAM)),
        )

    @property
    def category_slug(self) -> str:
        self.is_valid()
        return str(self.valid_value("category", ""))

    def clean_q(self) -> str:
        # Cut, don't refuse: a pasted paragraph still gets results for its first words.
        return normalize_search_query(self.cleaned_data.get("q") or "")

    @property
    def query(self) -> str:
        self.is_valid()
        return str(self.valid_value("q", ""))

    @property
    def page_number(self) -> int:
        self.is_valid()
        return int(self.valid_value("page", 1))
