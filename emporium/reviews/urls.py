from django.urls import path

from emporium.reviews import views

app_name = "reviews"

urlpatterns = [
    path("p/<slug:slug>/", views.product_reviews_view, name="product-reviews"),
    path("p/<slug:slug>/write/", views.write_review_view, name="write"),
    path("<int:review_id>/helpful/", views.vote_helpful_view, name="helpful"),
]
