"""The endpoints of the REST API, version 1, mounted at /api/v1/ by config/urls.py.

config/urls.py mounts the rest itself: the recommendations and payments APIs, and the accounts
API (sign-up, tokens, the address book), joined there with the customer's orders from the
orders app under one namespace ("accounts-api:")."""

from django.urls import include, path

urlpatterns = [
    path("", include("emporium.catalog.api.urls")),
    path("", include("emporium.cart.api.urls")),
    path("", include("emporium.checkout.api.urls")),
    path("", include("emporium.backoffice.api.urls")),
    path("", include("emporium.analytics.api.urls")),
    path("", include("emporium.reviews.api.urls")),
    path("", include("emporium.wishlist.api.urls")),
    path("", include("emporium.webhooks.api.urls")),
    path("", include("emporium.returns.api.urls")),
    path("", include("emporium.giftcards.api.urls")),
    path("", include("emporium.promotions.api.urls")),
]
