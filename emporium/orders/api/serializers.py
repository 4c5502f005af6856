"""Input and output shapes of the orders API: the customer's order history (read by checkout's
API too, for the order just placed) and the staff orders API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from emporium.core.api.serializers import FieldsBuiltOnce
from emporium.orders.models import Order, OrderEvent, OrderLine, OrderStatus


class OrderLineOutput(FieldsBuiltOnce, serializers.ModelSerializer[OrderLine]):
    class Meta:
        model = OrderLine
        fields = (
            "sku", "product_name", "quantity", "unit_price_amount", "total_amount", "discount_amount",
            "discount_label",
        )  # fmt: skip
        extra_kwargs = {
            "total_amount": {"help_text": "Quantity x unit price, before promotions."},
            "discount_amount": {
                "help_text": "What promotions took off this line (part of the order's discount)."
            },
            "discount_label": {"help_text": "The promotions that did."},
        }


class OrderSummaryOutput(FieldsBuiltOnce, serializers.ModelSerializer[Order]):
    class Meta:
        model = Order
        fields: tuple[str, ...] = ("number", "status", "placed_at", "currency", "total_amount")


class OrderAddressOutput(FieldsBuiltOnce, serializers.Serializer):
    full_name = serializers.CharField()
    company = serializers.CharField(allow_blank=True)
    line1 = serializers.CharField()
    line2 = serializers.CharField(allow_blank=True)
    city = serializers.CharField()
    region = serializers.CharField(allow_blank=True)
    postcode = serializers.CharField()
    country = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)


class OrderPromotionOutput(FieldsBuiltOnce, serializers.Serializer):
    """One automatic promotion's part in an order, frozen as it was placed."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    scope = serializers.ChoiceField(
        choices=["items", "order", "shipping"],
        help_text="`items`: off the lines (each says which); `order`: off the order; `shipping`: free shipping.",
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="0 for free shipping.")


class OrderDetailOutput(OrderSummaryOutput):
    lines = OrderLineOutput(many=True, read_only=True)
    promotions = OrderPromotionOutput(
        source="applied_promotion_list",
        many=True,
        read_only=True,
        help_text="Each automatic promotion applied.",
    )
    gift_card_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="The part of the total a gift card paid."
    )
    amount_due_amount = serializers.DecimalField(
        source="amount_due.amount",
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text="What a payment takes: the total less the gift card's part.",
    )
    shipping_address = OrderAddressOutput(allow_null=True, read_only=True)
    billing_address = OrderAddressOutput(allow_null=True, read_only=True)

    class Meta(OrderSummaryOutput.Meta):
        fields = (
            *OrderSummaryOutput.Meta.fields,
            "email", "subtotal_amount", "shipping_amount", "discount_amount", "promotion_discount_amount",
            "tax_amount", "tax_rate", "shipping_method_name", "voucher_code", "shipping_address",
            "billing_address", "tracking_number", "paid_at", "reserved_until", "gift_card_amount",
            "amount_due_amount", "promotions", "lines",
        )  # fmt: skip


class StaffOrderSummaryOutput(serializers.ModelSerializer[Order]):
    class Meta:
        model = Order
        fields = (
            "number", "status", "placed_at", "email", "customer_id", "currency", "total_amount",
            "country", "paid_at", "delivered_at", "tracking_number",
        )  # fmt: skip


class OrderEventOutput(serializers.ModelSerializer[OrderEvent]):
    class Meta:
        model = OrderEvent
        fields = ("type", "from_status", "to_status", "actor_id", "message", "created_at")


class StaffOrderDetailOutput(OrderDetailOutput):
    events = OrderEventOutput(many=True, read_only=True)

    class Meta(OrderDetailOutput.Meta):
        fields = (*OrderDetailOutput.Meta.fields, "customer_id", "stock_state", "events")


class StaffOrderFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    placed_after = serializers.DateTimeField(required=False, help_text="Placed at or after (ISO 8601).")
    placed_before = serializers.DateTimeField(required=False, help_text="Placed before (ISO 8601).")
    customer_id = serializers.IntegerField(required=False, min_value=1)
    email = serializers.EmailField(required=False, help_text="The e-mail the order was placed with.")


class ShipOrderInput(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class CancelOrderInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RefundOrderInput(serializers.Serializer):
    partial_refund = serializers.BooleanField(
        required=False, default=False, help_text="Part of the order only: then `amount` is required."
    )
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="How much to give back, in the order's currency; without it, all that is left. "
        "Never more than the payment captured and has not refunded yet (409 otherwise).",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["partial_refund"] and attrs.get("amount") is None:
            raise serializers.ValidationError({"amount": "Give the amount to refund in part."})
        return attrs


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
