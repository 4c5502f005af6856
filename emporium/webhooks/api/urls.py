from django.urls import path

from emporium.webhooks.api import views

app_name = "webhooks-api"

urlpatterns = [
    path("webhooks/endpoints/", views.WebhookEndpointListApi.as_view(), name="endpoint-list"),
    path(
        "webhooks/endpoints/<int:endpoint_id>/",
        views.WebhookEndpointDetailApi.as_view(),
        name="endpoint-detail",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/rotate-secret/",
        views.WebhookEndpointRotateSecretApi.as_view(),
        name="endpoint-rotate-secret",
    ),
    path("webhooks/deliveries/", views.WebhookDeliveryListApi.as_view(), name="delivery-list"),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        views.WebhookDeliveryRedeliverApi.as_view(),
        name="delivery-redeliver",
    ),
]
