from django.urls import path

from emporium.payments.api import views

app_name = "payments-api"

urlpatterns = [
    path("", views.PaymentListApi.as_view(), name="payments"),
    path("<int:payment_id>/", views.PaymentDetailApi.as_view(), name="payment-detail"),
    path("<int:payment_id>/confirm/", views.ConfirmPaymentApi.as_view(), name="payment-confirm"),
    path("webhooks/stripe/", views.StripeWebhookApi.as_view(), name="webhook-stripe"),
    path("webhooks/offline/", views.OfflineWebhookApi.as_view(), name="webhook-offline"),
]
