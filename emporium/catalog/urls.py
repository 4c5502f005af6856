from django.urls import path

from emporium.catalog import views

app_name = "catalog"

urlpatterns = [
    path("c/<slug:slug>/", views.category_detail_view, name="category-detail"),
    path("p/<slug:slug>/", views.product_detail_view, name="product-detail"),
    path("search/", views.search_view, name="search"),
    path("search/suggest/", views.search_suggest_view, name="search-suggest"),
]
