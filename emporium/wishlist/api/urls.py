from django.urls import path

from emporium.wishlist.api import views

urlpatterns = [
    path("wishlist/", views.WishlistApi.as_view(), name="api-wishlist"),
    path("wishlist/<int:product_id>/", views.WishlistItemApi.as_view(), name="api-wishlist-item"),
]
