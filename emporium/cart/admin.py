from django.contrib import admin

from emporium.cart.models import Cart, CartLine


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    raw_id_fields = ("variant",)


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin[Cart]):
    list_display = ("pk", "customer", "token", "updated_at")
    raw_id_fields = ("customer",)
    inlines = (CartLineInline,)
