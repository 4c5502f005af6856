"""Input and output shapes of the returns API: one for each direction."""

from __future__ import annotations

from rest_framework import serializers

from emporium.core.api.fields import MoneyField
from emporium.returns.models import Return, ReturnLine, ReturnReason

MAX_LINES = 200


class ReturnLineOutput(serializers.ModelSerializer[ReturnLine]):
    order_line_id = serializers.IntegerField()
    product_name = serializers.CharField(source="order_line.display_name")
    sku = serializers.CharField(source="order_line.sku")
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    resaleable = serializers.BooleanField(
        allow_null=True, help_text="Decided by staff when the parcel is in."
    )

    class Meta:
        model = ReturnLine
        fields = ("id", "order_line_id", "product_name", "sku", "quantity", "reason", "resaleable")


class ReturnOutput(serializers.ModelSerializer[Return]):
    order_number = serializers.CharField(source="order.number")
    lines = ReturnLineOutput(many=True, read_only=True)
    refunded = MoneyField()

    class Meta:
        model = Return
        fields = (
            "id", "order_number", "status", "staff_note", "refund_shipping", "refunded", "lines",
            "created_at", "received_at", "refunded_at",
        )  # fmt: skip


class ReturnLineInput(serializers.Serializer):
    order_line_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=0, max_value=10_000)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)


class ReturnCreateInput(serializers.Serializer):
    order_number = serializers.CharField(max_length=32)
    # min_length and max_length, not only allow_empty: the schema says minItems and maxItems.
    lines = ReturnLineInput(many=True, allow_empty=False, min_length=1, max_length=MAX_LINES)  # type: ignore[call-arg]  # many=True passes them to the ListSerializer


class RefuseReturnInput(serializers.Serializer):
    note = serializers.CharField(max_length=255, help_text="Why: the customer reads it.")


class ReceiveReturnInput(serializers.Serializer):
    resaleable_line_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=200,
        help_text="The return lines whose units can be sold again; the others stay off the shelf.",
    )


class RefundReturnInput(serializers.Serializer):
    refund_shipping = serializers.BooleanField(
        required=False, default=False, help_text="Refund the order's shipping too (once per order)."
    )
