from django.contrib import admin

from emporium.orders.models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("sku", "product_name", "quantity", "unit_price_amount", "total_amount")
    readonly_fields = fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = (
        "number",
        "placed_at",
        "customer",
        "email",
        "status",
        "total_amount",
        "currency",
        "country",
    )
    list_filter = ("status", "placed_at", "country")
    list_select_related = ("customer",)
    search_fields = ("number", "email", "customer__email")
    date_hierarchy = "placed_at"
    raw_id_fields = ("customer",)
    readonly_fields = ("external_ref", "created_at", "updated_at")
    inlines = (OrderLineInline,)
    show_full_result_count = False
