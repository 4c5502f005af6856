"""Sign-up, tokens and the address book. The customer's orders under account/orders/ are the
orders app's, emporium.orders.api.account_urls: config/urls.py joins the two under "accounts-api:"."""

from django.urls import path

from emporium.accounts.api import views

app_name = "accounts-api"

urlpatterns = [
    path("auth/register/", views.RegisterApi.as_view(), name="register"),
    path("auth/verify-email/", views.VerifyEmailApi.as_view(), name="verify-email"),
    path("auth/token/", views.ObtainTokenPairApi.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.RefreshTokenPairApi.as_view(), name="token-refresh"),
    path("auth/logout/", views.LogoutApi.as_view(), name="logout"),
    path("auth/me/", views.MeApi.as_view(), name="me"),
    path("account/addresses/", views.AddressListApi.as_view(), name="addresses"),
    path("account/addresses/<int:address_id>/", views.AddressDetailApi.as_view(), name="address-detail"),
]
