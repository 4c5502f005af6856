from django.urls import path

from emporium.cart import views

app_name = "cart"

urlpatterns = [
    path("", views.cart_detail_view, name="detail"),
    path("add/", views.add_to_cart_view, name="add"),
    path("lines/<int:line_id>/", views.update_cart_line_view, name="line-update"),
    path("lines/<int:line_id>/remove/", views.remove_cart_line_view, name="line-remove"),
]
