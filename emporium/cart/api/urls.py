from django.urls import path

from emporium.cart.api import views

app_name = "cart-api"

urlpatterns = [
    path("carts/", views.CartCreateApi.as_view(), name="cart-create"),
    path("cart/", views.CartDetailApi.as_view(), name="cart-detail"),
    path("cart/lines/", views.CartLineCreateApi.as_view(), name="cart-line-create"),
    path("cart/lines/<int:line_id>/", views.CartLineDetailApi.as_view(), name="cart-line-detail"),
]
