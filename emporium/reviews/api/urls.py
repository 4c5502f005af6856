from django.urls import path

from emporium.reviews.api import views

urlpatterns = [
    path("products/<slug:slug>/reviews/", views.ProductReviewsApi.as_view(), name="api-product-reviews"),
    path("reviews/<int:review_id>/helpful/", views.VoteReviewHelpfulApi.as_view(), name="api-review-helpful"),
]
