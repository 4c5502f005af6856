from django.urls import path

from emporium.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("profile/", views.profile_view, name="profile"),
    path("addresses/", views.address_list_view, name="addresses"),
    path("addresses/new/", views.address_create_view, name="address-create"),
    path("addresses/<int:address_id>/edit/", views.address_update_view, name="address-update"),
    path("addresses/<int:address_id>/delete/", views.address_delete_view, name="address-delete"),
    path("orders/", views.order_list_view, name="orders"),
    path("orders/<str:number>/", views.order_detail_view, name="order-detail"),
    path("orders/<str:number>/invoice/", views.order_invoice_view, name="order-invoice"),
    path("orders/<str:number>/invoice.pdf", views.order_invoice_pdf_view, name="order-invoice-pdf"),
    path("privacy/", views.privacy_view, name="privacy"),
    path("privacy/my-data.json", views.personal_data_download_view, name="personal-data"),
    path("close/", views.delete_account_view, name="delete"),
]
