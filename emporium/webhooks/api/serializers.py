from __future__ import annotations

from rest_framework import serializers

from emporium.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEventType


class WebhookEndpointInput(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        max_length=len(WebhookEventType.choices),
        help_text="The event types it receives.",
    )


class WebhookEndpointOutput(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEventType.choices))
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every request (Webhook-Signature): keep it with the receiver, nowhere else.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = (
            "id",
            "url",
            "description",
            "is_active",
            "event_types",
            "secret",
            "created_at",
            "updated_at",
        )


class WebhookDeliveryOutput(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id")
    event_type = serializers.ChoiceField(source="event.type", choices=WebhookEventType.choices)
    endpoint_id = serializers.IntegerField()

    class Meta:
        model = WebhookDelivery
        fields = (
            "id", "endpoint_id", "event_id", "event_type", "status", "attempts", "attempt_limit",
            "next_attempt_at", "last_status_code", "last_error", "delivered_at", "created_at",
        )  # fmt: skip


class WebhookDeliveryFilters(serializers.Serializer):
    endpoint = serializers.IntegerField(required=False, min_value=1, max_value=2_147_483_647)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
