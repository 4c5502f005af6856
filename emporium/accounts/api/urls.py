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
    path("account/orders/", views.OrderListApi.as_view(), name="orders"),
    path("account/orders/<slug:number>/", views.OrderDetailApi.as_view(), name="order-detail"),
]
