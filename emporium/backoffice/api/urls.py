from django.urls import path

from emporium.backoffice.api import views

# The staff orders API's URL names, as they were when it lived in the orders app.
app_name = "orders-api"

urlpatterns = [
    path("staff/orders/", views.StaffOrderListApi.as_view(), name="staff-order-list"),
    path("staff/orders/<slug:number>/", views.StaffOrderDetailApi.as_view(), name="staff-order-detail"),
    path("staff/orders/<slug:number>/pay/", views.StaffOrderPayApi.as_view(), name="staff-order-pay"),
    path(
        "staff/orders/<slug:number>/fulfil/", views.StaffOrderFulfilApi.as_view(), name="staff-order-fulfil"
    ),
    path("staff/orders/<slug:number>/ship/", views.StaffOrderShipApi.as_view(), name="staff-order-ship"),
    path(
        "staff/orders/<slug:number>/deliver/",
        views.StaffOrderDeliverApi.as_view(),
        name="staff-order-deliver",
    ),
    path(
        "staff/orders/<slug:number>/cancel/", views.StaffOrderCancelApi.as_view(), name="staff-order-cancel"
    ),
    path(
        "staff/orders/<slug:number>/refund/", views.StaffOrderRefundApi.as_view(), name="staff-order-refund"
    ),
]
