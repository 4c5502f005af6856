"""Input and output shapes of the cart API."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers

from emporium.cart.forms import MAX_LINE_QUANTITY
from emporium.cart.models import Cart, CartLine
from emporium.cart.selectors import CartSummary
from emporium.catalog.selectors import find_purchasable_variant, list_purchasable_variants
from emporium.core.api.fields import FoundByIdField, MoneyField
from emporium.core.api.serializers import FieldsBuiltOnce


@dataclass(frozen=True)
class ClientCart:
    cart: Cart
    summary: CartSummary


class CartLineOutput(FieldsBuiltOnce, serializers.ModelSerializer[CartLine]):
    sku = serializers.CharField(source="variant.sku")
    product_name = serializers.CharField(source="variant.product.name")
    product_slug = serializers.CharField(source="variant.product.slug")
    variant_name = serializers.CharField(source="variant.name")
    unit_price = MoneyField(help_text="Today's price: what checkout charges.")
    added_price = MoneyField(help_text="The price when the line was added.")
    has_price_changed = serializers.BooleanField()
    total = MoneyField(help_text="Quantity x unit price, before promotions.")
    discount = MoneyField(
        source="promotion_discount", help_text="What automatic promotions take off this line."
    )
    discount_label = serializers.CharField(source="promotion_label", help_text="The promotions that do.")
    total_after_discount = MoneyField(source="promotion_total")

    class Meta:
        model = CartLine
        fields = (
            "id", "variant_id", "sku", "product_name", "product_slug", "variant_name", "quantity",
            "unit_price", "added_price", "has_price_changed", "total", "discount", "discount_label",
            "total_after_discount",
        )  # fmt: skip


class CartPromotionOutput(FieldsBuiltOnce, serializers.Serializer):
    """One automatic promotion's part in the cart."""

    id = serializers.IntegerField(source="rule_id")
    name = serializers.CharField()
    scope = serializers.ChoiceField(
        choices=["items", "order", "shipping"],
        help_text="`items`: off the lines it names; `order`: off the order; `shipping`: free shipping.",
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="0 for free shipping.")


class CartOutput(FieldsBuiltOnce, serializers.Serializer):
    token = serializers.UUIDField(
        source="cart.token",
        allow_null=True,
        help_text="A visitor's cart only: send it back in the X-Cart-Token header. Keep it secret.",
    )
    currency = serializers.CharField(source="cart.currency")
    item_count = serializers.IntegerField(source="summary.item_count")
    subtotal = MoneyField(source="summary.subtotal", help_text="Before promotions.")
    discount = MoneyField(source="summary.discount", help_text="What automatic promotions take off.")
    total = MoneyField(
        source="summary.total", help_text="After promotions; shipping and vouchers come at checkout."
    )
    promotions = CartPromotionOutput(many=True, source="summary.applied")
    has_price_changes = serializers.BooleanField(source="summary.has_price_changes")
    lines = CartLineOutput(many=True, source="summary.lines")


class AddCartLineInput(FieldsBuiltOnce, serializers.Serializer):
    variant_id = FoundByIdField(
        queryset=list_purchasable_variants(),
        find=lambda variant_id: find_purchasable_variant(variant_id=variant_id),
        error_messages={"does_not_exist": "Choose an option that is still for sale."},
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, default=1)


class ChangeCartLineInput(FieldsBuiltOnce, serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=MAX_LINE_QUANTITY, help_text="Zero removes the line."
    )
