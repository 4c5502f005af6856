from django.urls import path

from emporium.checkout.api import views

app_name = "checkout-api"

urlpatterns = [
    path("checkout/shipping-methods/", views.ShippingMethodListApi.as_view(), name="shipping-methods"),
    path("checkout/preview/", views.CheckoutPreviewApi.as_view(), name="preview"),
    path("checkout/orders/", views.PlaceOrderApi.as_view(), name="place-order"),
    path("checkout/orders/<str:number>/", views.OrderDetailApi.as_view(), name="order-detail"),
]
