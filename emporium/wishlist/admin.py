from __future__ import annotations

from django.contrib import admin

from emporium.wishlist.models import WishlistItem


@admin.register(WishlistItem)
class WishlistItemAdmin(admin.ModelAdmin[WishlistItem]):
    list_display = ("customer", "product", "created_at")
    search_fields = ("customer__email", "product__name")
    list_select_related = ("customer", "product")
    raw_id_fields = ("customer", "product")
