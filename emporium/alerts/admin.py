from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from emporium.alerts.models import StockAlert


@admin.register(StockAlert)
class StockAlertAdmin(admin.ModelAdmin[StockAlert]):
    """Who waits for what: read-only, as the alerts are the shoppers' own."""

    list_display = ("email", "variant", "status", "created_at", "confirmed_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("email", "variant__sku", "variant__product__name")
    list_select_related = ("variant__product",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = ("variant", "email", "customer", "status", "created_at", "confirmed_at", "sent_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StockAlert | None = None) -> bool:
        return False
