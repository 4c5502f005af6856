from django.urls import path

from emporium.analytics.api import views

app_name = "analytics-api"

urlpatterns = [
    path("analytics/sales/", views.SalesOverTimeApi.as_view(), name="sales"),
    path("analytics/countries/", views.SalesByCountryApi.as_view(), name="countries"),
    path("analytics/categories/", views.SalesByCategoryApi.as_view(), name="categories"),
    path("analytics/products/", views.ProductsApi.as_view(), name="products"),
    path("analytics/customers/", views.CustomersApi.as_view(), name="customers"),
    path("analytics/cohorts/", views.CohortsApi.as_view(), name="cohorts"),
    path("analytics/segments/", views.SegmentsApi.as_view(), name="segments"),
    path(
        "analytics/segments/<slug:segment>/customers/",
        views.SegmentCustomersApi.as_view(),
        name="segment-customers",
    ),
    path("analytics/funnel/", views.FunnelApi.as_view(), name="funnel"),
    path("analytics/recommendations/", views.RecommendationsApi.as_view(), name="recommendations"),
]
