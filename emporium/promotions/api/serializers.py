"""Input and output shapes of the staff promotions API."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from emporium.catalog.models import Category, Product, ProductType
from emporium.core.api.fields import SlugRelatedField
from emporium.core.money import CURRENCY_CODES
from emporium.promotions.models import Promotion


class StaffPromotionOutput(serializers.ModelSerializer[Promotion]):
    # In UTC: the dates staff choose may be any, and in the shop's zone one before 1847 has an
    # offset in seconds (London's mean time, -00:01:15), which an RFC 3339 date-time cannot write.
    starts_at = serializers.DateTimeField(read_only=True, default_timezone=UTC)
    ends_at = serializers.DateTimeField(read_only=True, default_timezone=UTC, allow_null=True)
    categories = serializers.SlugRelatedField[Category](slug_field="slug", many=True, read_only=True)
    product_types = serializers.SlugRelatedField[ProductType](slug_field="slug", many=True, read_only=True)
    products = serializers.PrimaryKeyRelatedField[Product](many=True, read_only=True)
    reward = serializers.ChoiceField(
        choices=Promotion.Reward.choices,
        allow_blank=True,
        read_only=True,
        help_text="What a spend over the threshold earns; blank for the other kinds.",
    )

    class Meta:
        model = Promotion
        fields = (
            "id", "name", "is_active", "kind", "value", "currency", "applies_to_all_products",
            "categories", "product_types", "products", "buy_quantity", "get_quantity",
            "threshold_amount", "reward", "segment", "priority", "stacking", "combines_with_vouchers",
            "starts_at", "ends_at", "usage_limit", "used_count", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class StaffPromotionInput(serializers.Serializer):
    """Every field for a new promotion; any subset of them for a change (PATCH). Each kind's own
    fields are checked as the admin checks them: a 400 naming the field."""

    name = serializers.CharField(max_length=120)
    is_active = serializers.BooleanField(required=False, default=True)
    kind = serializers.ChoiceField(choices=Promotion.Kind.choices)
    value = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        default=Decimal(0),
        help_text="Percent off (percentage, buy X get Y), or the amount off (fixed; a spend "
        "threshold with an amount off). Not used for free shipping.",
    )
    currency = serializers.ChoiceField(
        choices=CURRENCY_CODES,
        required=False,
        default=settings.DEFAULT_CURRENCY,
        help_text="Amounts and thresholds are in it; a percentage off items applies in any.",
    )
    applies_to_all_products = serializers.BooleanField(required=False, default=False)
    categories = SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        many=True,
        required=False,
        help_text="Category slugs: their products and those of their sub-categories.",
    )
    product_types = SlugRelatedField(
        slug_field="slug", queryset=ProductType.objects.all(), many=True, required=False
    )
    products = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), many=True, required=False)
    buy_quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    get_quantity = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    threshold_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    reward = serializers.ChoiceField(choices=Promotion.Reward.choices, required=False, allow_blank=True)
    segment = serializers.ChoiceField(choices=Promotion.Segment.choices, required=False)
    priority = serializers.IntegerField(
        min_value=-1000, max_value=1000, required=False, help_text="Higher runs first."
    )
    stacking = serializers.ChoiceField(choices=Promotion.Stacking.choices, required=False)
    combines_with_vouchers = serializers.BooleanField(required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    usage_limit = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, allow_null=True
    )


class StaffPromotionFilters(serializers.Serializer):
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=Promotion.Kind.choices, required=False)
