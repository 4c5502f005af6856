"""Every endpoint of the REST API, version 1, mounted at /api/v1/ by config/urls.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("emporium.accounts.api.urls")),
    path("", include("emporium.catalog.api.urls")),
    path("", include("emporium.cart.api.urls")),
    path("", include("emporium.checkout.api.urls")),
    path("", include("emporium.orders.api.urls")),
    path("", include("emporium.analytics.api.urls")),
    path("", include("emporium.reviews.api.urls")),
    path("", include("emporium.wishlist.api.urls")),
    path("", include("emporium.webhooks.api.urls")),
    path("", include("emporium.returns.api.urls")),
]
