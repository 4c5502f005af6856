"""Input and output shapes of the checkout API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from emporium.accounts.api.fields import CountryField
from emporium.cart.api.serializers import CartPromotionOutput
from emporium.checkout.models import ShippingMethod
from emporium.checkout.selectors import find_active_shipping_method, list_active_shipping_methods
from emporium.core.api.fields import FoundByIdField
from emporium.core.api.serializers import FieldsBuiltOnce
from emporium.orders.api.serializers import OrderDetailOutput


class CheckoutAddressInput(FieldsBuiltOnce, serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    company = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=20)
    country = CountryField(help_text="ISO 3166 code, e.g. GB.")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class CheckoutInput(FieldsBuiltOnce, serializers.Serializer):
    """What the checkout page asks. Addresses come written out or, for customers, as the id of
    one in their address book; billing defaults to the shipping address."""

    email = serializers.EmailField(
        required=False, help_text="Required for visitors; customers default to theirs."
    )
    shipping_address = CheckoutAddressInput(required=False)
    shipping_address_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Customers: an address of their address book instead."
    )
    billing_address = CheckoutAddressInput(required=False)
    billing_address_id = serializers.IntegerField(required=False, min_value=1)
    shipping_method_id = FoundByIdField(
        queryset=list_active_shipping_methods(),
        find=lambda method_id: find_active_shipping_method(method_id=method_id),
        required=False,
        allow_null=True,
        default=None,
        help_text="Required unless the cart holds only gift cards (sent by e-mail): "
        "otherwise its absence is a 400 `shipping_method_required`.",
    )
    voucher_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    gift_card_code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="A gift card that pays all or part of the total; a payment takes the rest.",
    )
    save_address = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Customers: keep the written-out shipping address in their book.",
    )

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        if ("shipping_address" in attrs) == ("shipping_address_id" in attrs):
            raise serializers.ValidationError(
                {"shipping_address": ["Send either shipping_address or shipping_address_id."]}
            )
        if "billing_address" in attrs and "billing_address_id" in attrs:
            raise serializers.ValidationError(
                {"billing_address": ["Send billing_address or billing_address_id, not both."]}
            )
        return attrs


class CheckoutInputSchema(OpenApiSerializerExtension):
    """The schema says what ``CheckoutInput.validate`` says: one shipping address, written out
    or from the address book, and at most one billing address."""

    target_class = CheckoutInput
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {
            **schema,
            "oneOf": [{"required": ["shipping_address"]}, {"required": ["shipping_address_id"]}],
            "not": {"required": ["billing_address", "billing_address_id"]},
        }


class PlaceOrderInput(CheckoutInput):
    idempotency_key = serializers.UUIDField(
        help_text="Made by the client once per checkout attempt; a retry with the same key gets the same order."
    )


class ShippingMethodOutput(serializers.ModelSerializer[ShippingMethod]):
    countries = serializers.SerializerMethodField(help_text="ISO codes it ships to; empty for everywhere.")

    class Meta:
        model = ShippingMethod
        fields = (
            "id", "name", "kind", "currency", "price_amount", "price_per_kg_amount", "free_over_amount",
            "countries",
        )  # fmt: skip

    def get_countries(self, method: ShippingMethod) -> list[str]:
        return sorted(method.country_codes)


class ShippingMethodFilters(serializers.Serializer):
    country = CountryField(required=False, help_text="Only methods that ship there.")
    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        required=False,
        help_text="Only methods priced in this ISO 4217 currency, e.g. the cart's `currency`.",
    )


class LineDiscountOutput(FieldsBuiltOnce, serializers.Serializer):
    line_id = serializers.IntegerField(source="item.key", help_text="The cart line's id.")
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_label = serializers.CharField(source="label", help_text="The promotions that discounted it.")


class TotalsOutput(FieldsBuiltOnce, serializers.Serializer):
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="All of it: `promotion_discount` + `voucher_discount`."
    )
    promotion_discount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="What automatic promotions took off the goods."
    )
    voucher_discount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="What the voucher took, after the promotions."
    )
    promotions = CartPromotionOutput(many=True, help_text="Each promotion applied, in the order they ran.")
    line_discounts = LineDiscountOutput(many=True, help_text="What promotions took off each discounted line.")
    tax = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="VAT included in the total.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    voucher_code = serializers.CharField(allow_blank=True)
    gift_card = serializers.CharField(allow_blank=True, help_text="The gift card given, masked: …7KQ2.")
    gift_card_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="The part of the total the gift card pays (not a discount).",
    )
    to_pay = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="What is left to pay after the gift card: the payment's amount.",
    )


class PlacedOrderOutput(OrderDetailOutput):
    order_token = serializers.CharField(
        required=False,
        help_text="Guests only (absent for customers): send it in the X-Order-Token header to read "
        "and pay this order. Valid for GUEST_ORDER_TOKEN_DAYS; keep it secret.",
    )

    class Meta(OrderDetailOutput.Meta):
        fields = (*OrderDetailOutput.Meta.fields, "order_token")
