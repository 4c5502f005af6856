"""Input and output shapes of the accounts API, one per direction."""

from __future__ import annotations

from rest_framework import serializers

from emporium.accounts.models import Address, User
from emporium.orders.models import Order, OrderLine


class TokenObtainInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)
    code = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Two-factor code, for accounts that use one."
    )


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshTokenInput(serializers.Serializer):
    refresh = serializers.CharField()


class MeOutput(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "full_name", "date_joined", "is_staff")


class AddressSerializer(serializers.ModelSerializer[Address]):
    """One shape both ways: what a client sends is what it reads back, plus the id."""

    class Meta:
        model = Address
        fields = ("id", *Address.EDITABLE_FIELDS)
        read_only_fields = ("id",)
        extra_kwargs = {
            "company": {"default": ""},
            "line2": {"default": ""},
            "region": {"default": ""},
            "phone": {"default": ""},
            "is_default_shipping": {"default": False},
            "is_default_billing": {"default": False},
        }


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(
        trim_whitespace=False, help_text="At least 10 characters, not a common one."
    )
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class RegisterOutput(serializers.Serializer):
    detail = serializers.CharField()


class VerifyEmailInput(serializers.Serializer):
    key = serializers.CharField(max_length=200, help_text="The key at the end of the e-mailed link.")


class OrderLineOutput(serializers.ModelSerializer[OrderLine]):
    class Meta:
        model = OrderLine
        fields = ("sku", "product_name", "quantity", "unit_price_amount", "total_amount")


class OrderSummaryOutput(serializers.ModelSerializer[Order]):
    class Meta:
        model = Order
        fields: tuple[str, ...] = ("number", "status", "placed_at", "currency", "total_amount")


class OrderAddressOutput(serializers.Serializer):
    full_name = serializers.CharField()
    company = serializers.CharField(allow_blank=True)
    line1 = serializers.CharField()
    line2 = serializers.CharField(allow_blank=True)
    city = serializers.CharField()
    region = serializers.CharField(allow_blank=True)
    postcode = serializers.CharField()
    country = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)


class OrderDetailOutput(OrderSummaryOutput):
    lines = OrderLineOutput(many=True, read_only=True)
    shipping_address = OrderAddressOutput(allow_null=True, read_only=True)
    billing_address = OrderAddressOutput(allow_null=True, read_only=True)

    class Meta(OrderSummaryOutput.Meta):
        fields = (
            *OrderSummaryOutput.Meta.fields,
            "email", "subtotal_amount", "shipping_amount", "discount_amount", "tax_amount", "tax_rate",
            "shipping_method_name", "voucher_code", "shipping_address", "billing_address",
            "tracking_number", "paid_at", "reserved_until", "lines",
        )  # fmt: skip
