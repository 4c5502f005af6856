from django.urls import path

from emporium.checkout import views

app_name = "checkout"

urlpatterns = [
    path("", views.checkout_view, name="checkout"),
    path("totals/", views.checkout_totals_view, name="totals"),
    path("orders/find/", views.order_lookup_view, name="order-lookup"),
    path("orders/<str:number>/", views.order_status_view, name="order-status"),
    path("orders/<str:number>/invoice/", views.order_invoice_view, name="order-invoice"),
    path("orders/<str:number>/invoice.pdf", views.order_invoice_pdf_view, name="order-invoice-pdf"),
]
