"""The customer's own orders in the API: /api/v1/account/orders/.

No namespace of their own: config/urls.py mounts them in the accounts API's ("accounts-api:orders",
"accounts-api:order-detail"), beside the address book, because accounts sits below orders and
its URLconf must not import them (the apps contract in pyproject.toml).
"""

from django.urls import path

from emporium.orders.api import views

urlpatterns = [
    path("account/orders/", views.OrderListApi.as_view(), name="orders"),
    path("account/orders/<slug:number>/", views.OrderDetailApi.as_view(), name="order-detail"),
]
