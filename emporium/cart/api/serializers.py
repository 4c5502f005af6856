"""Input and output shapes of the cart API."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers

from emporium.cart.forms import MAX_LINE_QUANTITY
from emporium.cart.models import Cart, CartLine
from emporium.cart.selectors import CartSummary
from emporium.catalog.selectors import list_purchasable_variants
from emporium.core.api.fields import MoneyField


@dataclass(frozen=True)
class ClientCart:
    cart: Cart
    summary: CartSummary


class CartLineOutput(serializers.ModelSerializer[CartLine]):
    sku = serializers.CharField(source="variant.sku")
    product_name = serializers.CharField(source="variant.product.name")
    product_slug = serializers.CharField(source="variant.product.slug")
    variant_name = serializers.CharField(source="variant.name")
    unit_price = MoneyField(help_text="Today's price: what checkout charges.")
    added_price = MoneyField(help_text="The price when the line was added.")
    has_price_changed = serializers.BooleanField()
    total = MoneyField()

    class Meta:
        model = CartLine
        fields = (
            "id", "variant_id", "sku", "product_name", "product_slug", "variant_name", "quantity",
            "unit_price", "added_price", "has_price_changed", "total",
        )  # fmt: skip


class CartOutput(serializers.Serializer):
    token = serializers.UUIDField(
        source="cart.token",
        allow_null=True,
        help_text="A visitor's cart only: send it back in the X-Cart-Token header. Keep it secret.",
    )
    currency = serializers.CharField(source="cart.currency")
    item_count = serializers.IntegerField(source="summary.item_count")
    subtotal = MoneyField(source="summary.subtotal")
    has_price_changes = serializers.BooleanField(source="summary.has_price_changes")
    lines = CartLineOutput(many=True, source="summary.lines")


class AddCartLineInput(serializers.Serializer):
    variant_id = serializers.PrimaryKeyRelatedField(
        queryset=list_purchasable_variants(),
        error_messages={"does_not_exist": "Choose an option that is still for sale."},
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, default=1)


class ChangeCartLineInput(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=MAX_LINE_QUANTITY, help_text="Zero removes the line."
    )
