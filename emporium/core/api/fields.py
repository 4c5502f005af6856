"""Serializer fields shared by the API's output types."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from emporium.core.money import Money


class MoneyOutput(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="A decimal string, never a float: '4.95'."
    )
    currency = serializers.CharField(help_text="ISO 4217 code, e.g. GBP.")


@extend_schema_field(MoneyOutput)
class MoneyField(serializers.Field):
    """A Money as ``{"amount": "4.95", "currency": "GBP"}``; read-only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Money) -> dict[str, str]:
        return {"amount": str(value.amount), "currency": str(value.currency)}
