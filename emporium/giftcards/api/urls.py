from django.urls import path

from emporium.giftcards.api import views

app_name = "giftcards-api"
urlpatterns = [
    path("staff/gift-cards/", views.StaffGiftCardListApi.as_view(), name="staff-gift-card-list"),
    path(
        "staff/gift-cards/<int:card_id>/movements/",
        views.StaffGiftCardMovementListApi.as_view(),
        name="staff-gift-card-movements",
    ),
]
