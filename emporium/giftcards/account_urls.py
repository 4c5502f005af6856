"""The customer's gift cards page: /account/gift-cards/ ("accounts:gift-cards"); see views."""

from django.urls import path

from emporium.giftcards import views

urlpatterns = [
    path("gift-cards/", views.gift_card_list_view, name="gift-cards"),
]
