from django.urls import path

from emporium.recommendations.api import views

app_name = "recommendations-api"

urlpatterns = [
    path("popular/", views.PopularProductsApi.as_view(), name="popular"),
    path("me/", views.MyRecommendationsApi.as_view(), name="for-me"),
    path(
        "products/<int:product_id>/also-bought/", views.CustomersAlsoBoughtApi.as_view(), name="also-bought"
    ),
]
