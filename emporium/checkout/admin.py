from django.contrib import admin

from emporium.checkout.models import ShippingMethod, TaxRate, Voucher, VoucherUsage


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin[ShippingMethod]):
    list_display = (
        "name",
        "kind",
        "countries",
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


@admin.register(VoucherUsage)
class VoucherUsageAdmin(admin.ModelAdmin[VoucherUsage]):
    list_display = ("voucher", "order", "email", "used_at")
    raw_id_fields = ("order", "customer")
