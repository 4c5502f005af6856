from django.urls import path

from emporium.promotions.api import views

app_name = "promotions-api"
urlpatterns = [
    path("staff/promotions/", views.StaffPromotionListApi.as_view(), name="staff-promotion-list"),
    path(
        "staff/promotions/<int:promotion_id>/",
        views.StaffPromotionDetailApi.as_view(),
        name="staff-promotion-detail",
    ),
]
