from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from emporium.checkout.models import ShippingMethod, TaxRate, Voucher, VoucherUsage


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin[ShippingMethod]):
    list_display = (
        "name",
        "kind",
        "countries",
        "currency",
        "price_amount",
        "price_per_kg_amount",
        "free_over_amount",
        "is_active",
    )
    list_filter = ("kind", "is_active")


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin[TaxRate]):
    list_display = ("country", "rate")


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin[Voucher]):
    list_display = (
        "code",
        "kind",
        "value",
        "minimum_spend_amount",
        "starts_at",
        "ends_at",
        "used_count",
        "usage_limit",
    )
    search_fields = ("code",)
    readonly_fields = ("used_count",)

    def save_model(self, request: HttpRequest, obj: Voucher, form: ModelForm[Voucher], change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Write only what the form edits (and when): used_count is counted by place_order
        # under the voucher's row lock, and writing back the value read at the start of this
        # request would undo the uses counted since.
        obj.save(update_fields=[*(name for name in form.fields if name != "used_count"), "updated_at"])


@admin.register(VoucherUsage)
class VoucherUsageAdmin(admin.ModelAdmin[VoucherUsage]):
    """Read-only: place_order records a use and the order services give it back, each with the
    voucher's used_count under its row lock. A use added or deleted here would change one
    without the other, and the voucher's limits would be wrong from then on."""

    list_display = ("voucher", "order", "email", "used_at")
    list_select_related = ("voucher", "order")
    search_fields = ("voucher__code", "order__number", "email")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
