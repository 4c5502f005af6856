"""Serializer fields shared by the API's input and output types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from emporium.core.money import Money


class MoneyOutput(serializers.Serializer):
    # As many decimals as the currency has minor units: none for JPY, two for GBP, three for
    # KWD, four for CLF (the most of any ISO 4217 currency), so up to four in the schema.
    amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        help_text="A decimal string, never a float, in the currency's minor units: '4.95', '1.250' (KWD).",
    )
    currency = serializers.CharField(help_text="ISO 4217 code, e.g. GBP.")


@extend_schema_field(MoneyOutput)
class MoneyField(serializers.Field):
    """A Money as ``{"amount": "4.95", "currency": "GBP"}``; read-only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Money) -> dict[str, str]:
        return money_representation(value)


def money_representation(value: Money) -> dict[str, str]:
    """What MoneyField gives, for an output written by hand (a card: catalog.api.serializers)."""
    return {"amount": str(value.amount), "currency": str(value.currency)}


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing text with a NUL character before looking it up: PostgreSQL cannot
    compare such text (the query fails, a 500), and no row can hold it anyway.

    Where the field may be null, empty text is refused too: DRF reads it as null (as an HTML
    form would send "none"), but the schema says a slug or null, so ``""`` quietly meaning
    "no parent" would be an answer the schema does not promise.
    """

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data == "" and self.allow_null:
            raise serializers.ValidationError("Send null, or a slug: this may not be blank.", code="blank")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            ProhibitNullCharactersValidator()(data)  # a Django ValidationError: DRF reports it
        return super().to_internal_value(data)


class FoundByIdField(serializers.PrimaryKeyRelatedField):
    """A primary key read through a selector's ``find(id) -> instance or None`` (one that runs
    a query compiled once, emporium.core.prepared) instead of ``queryset.get(pk=...)``.

    The queryset is still given: it names the model for the schema, and says what ``find``
    must agree with. The answers are DRF's own: an id of nothing ``find`` returns is
    ``does_not_exist``, one that is not a whole number ``incorrect_type``.
    """

    def __init__(self, *, find: Callable[[Any], Any], **kwargs: Any) -> None:
        self.find = find
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        try:
            if isinstance(data, bool):
                raise TypeError
            found = self.find(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found
