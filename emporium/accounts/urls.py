"""The account section's pages, /account/. Its order history pages (orders/...) are the orders
app's, emporium.orders.account_urls: config/urls.py joins the two lists under "accounts:"."""

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
    path("privacy/", views.privacy_view, name="privacy"),
    path("privacy/my-data.json", views.personal_data_download_view, name="personal-data"),
    path("close/", views.delete_account_view, name="delete"),
]
