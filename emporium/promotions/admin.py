from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from emporium.promotions.models import Promotion, PromotionUsage
from emporium.promotions.services import check_targets

M2M_FIELDS = ("categories", "product_types", "products")


class PromotionForm(forms.ModelForm[Promotion]):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            check_targets(
                all_products=bool(data.get("applies_to_all_products")),
                targets=[list(data.get(name) or []) for name in M2M_FIELDS],
            )
        except ValidationError as error:
            self.add_error(None, error.message_dict["applies_to_all_products"])
        return data


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin[Promotion]):
    form = PromotionForm
    list_display = (
        "name",
        "kind",
        "value",
        "segment",
        "priority",
        "stacking",
        "starts_at",
        "ends_at",
        "is_active",
        "used_count",
        "usage_limit",
    )
    list_filter = ("is_active", "kind", "segment", "stacking")
    search_fields = ("name",)
    readonly_fields = ("used_count",)
    autocomplete_fields = ("products",)
    filter_horizontal = ("categories", "product_types")
    fieldsets = (
        (None, {"fields": ("name", "is_active", "kind", "value", "currency")}),
        (
            "What it applies to",
            {
                "description": "Every product, or the products in these categories (with their "
                "sub-categories), of these types, or chosen one by one.",
                "fields": ("applies_to_all_products", "categories", "product_types", "products"),
            },
        ),
        ("Buy X, get Y", {"fields": ("buy_quantity", "get_quantity")}),
        ("Spend over a threshold", {"fields": ("threshold_amount", "reward")}),
        (
            "Who, when and with what",
            {
                "fields": (
                    "segment",
                    "starts_at",
                    "ends_at",
                    "priority",
                    "stacking",
                    "combines_with_vouchers",
                    "usage_limit",
                    "used_count",
                )
            },
        ),
    )

    def save_model(
        self, request: HttpRequest, obj: Promotion, form: ModelForm[Promotion], change: bool
    ) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Write only what the form edits: used_count is counted by place_order under the
        # promotion's row lock, and writing back the value read at the start of this request
        # would undo the uses counted since. (The many-to-many targets are saved by the form.)
        edited = [name for name in form.fields if name != "used_count" and name not in M2M_FIELDS]
        obj.save(update_fields=[*edited, "updated_at"])


@admin.register(PromotionUsage)
class PromotionUsageAdmin(admin.ModelAdmin[PromotionUsage]):
    """Read-only, as vouchers' uses: place_order records a use and the cancel and refund
    workflows give it back, each with the promotion's used_count under its row lock."""

    list_display = ("promotion", "order", "customer", "used_at")
    list_select_related = ("promotion", "order", "customer")
    search_fields = ("promotion__name", "order__number")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
