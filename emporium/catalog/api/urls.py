from django.urls import path

from emporium.catalog.api import staff_product_types, staff_views, views

app_name = "catalog-api"

urlpatterns = [
    path("categories/", views.CategoryListApi.as_view(), name="category-list"),
    path("categories/<slug:slug>/", views.CategoryDetailApi.as_view(), name="category-detail"),
    path("products/", views.ProductListApi.as_view(), name="product-list"),
    path("products/<slug:slug>/", views.ProductDetailApi.as_view(), name="product-detail"),
    path("staff/products/", staff_views.StaffProductListApi.as_view(), name="staff-product-list"),
    path(
        "staff/products/<int:product_id>/",
        staff_views.StaffProductDetailApi.as_view(),
        name="staff-product-detail",
    ),
    path(
        "staff/products/<int:product_id>/variants/",
        staff_views.StaffVariantCreateApi.as_view(),
        name="staff-variant-create",
    ),
    path(
        "staff/products/<int:product_id>/images/",
        staff_views.StaffProductImageCreateApi.as_view(),
        name="staff-product-image-create",
    ),
    path("staff/categories/", staff_views.StaffCategoryListApi.as_view(), name="staff-category-list"),
    path(
        "staff/categories/<int:category_id>/",
        staff_views.StaffCategoryDetailApi.as_view(),
        name="staff-category-detail",
    ),
    path(
        "staff/variants/<int:variant_id>/",
        staff_views.StaffVariantDetailApi.as_view(),
        name="staff-variant-detail",
    ),
]

# Product types (issue 19): kept in their own block and module to merge beside other staff routes.
urlpatterns += [
    path(
        "staff/product-types/",
        staff_product_types.StaffProductTypeListApi.as_view(),
        name="staff-product-type-list",
    ),
    path(
        "staff/product-types/<slug:slug>/",
        staff_product_types.StaffProductTypeDetailApi.as_view(),
        name="staff-product-type-detail",
    ),
]
