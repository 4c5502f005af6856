from django.urls import path

from emporium.checkout import views

app_name = "checkout"

urlpatterns = [
    path("", views.checkout_view, name="checkout"),
    path("totals/", views.checkout_totals_view, name="totals"),
    path("orders/find/", views.order_lookup_view, name="order-lookup"),
    path("orders/<str:number>/", views.order_status_view, name="order-status"),
]
