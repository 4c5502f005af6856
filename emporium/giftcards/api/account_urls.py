"""The customer's gift cards in the API: /api/v1/account/gift-cards/ ("accounts-api:gift-cards").

Mounted by config/urls.py in the accounts API, as the order history is: accounts sits below
giftcards and its URLconf must not import it."""

from django.urls import path

from emporium.giftcards.api import views

urlpatterns = [
    path("account/gift-cards/", views.MyGiftCardListApi.as_view(), name="gift-cards"),
]
