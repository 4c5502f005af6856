from django.urls import path

from emporium.wishlist import views

app_name = "wishlist"

urlpatterns = [
    path("", views.wishlist_view, name="detail"),
    path("products/<int:product_id>/", views.save_product_view, name="save"),
]
