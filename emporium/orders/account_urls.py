"""The customer's order history pages: /account/orders/, each order, its invoice.

No namespace of their own: config/urls.py mounts them in the account section's ("accounts:orders",
"accounts:order-detail", "accounts:order-invoice", "accounts:order-invoice-pdf"), because
accounts sits below orders and its URLconf must not import them (the apps contract in
pyproject.toml).
"""

from django.urls import path

from emporium.orders import views

urlpatterns = [
    path("orders/", views.order_list_view, name="orders"),
    path("orders/<str:number>/", views.order_detail_view, name="order-detail"),
    path("orders/<str:number>/invoice/", views.order_invoice_view, name="order-invoice"),
    path("orders/<str:number>/invoice.pdf", views.order_invoice_pdf_view, name="order-invoice-pdf"),
]
