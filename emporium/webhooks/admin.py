"""Staff register endpoints here and read the delivery log; "Redeliver" sends again through
the services. The log is read-only: it is what happened."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from emporium.core.exceptions import DomainError
from emporium.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEventType
from emporium.webhooks.services import redeliver_webhook, rotate_webhook_secret


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "is_active", "event_types")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("__str__", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    actions = ("rotate_secret",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The secret is shown once the endpoint exists: staff set up the receiver with it.
        return ("created_at", "updated_at") if obj is None else ("secret", "created_at", "updated_at")

    @admin.action(description="Give the selected endpoints a new secret", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            rotate_webhook_secret(endpoint=endpoint)
        self.message_user(request, f"{queryset.count()} endpoint(s) have a new secret.", messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "pk", "event_type", "event_id", "endpoint", "status", "attempts", "last_status_code",
        "next_attempt_at", "delivered_at",
    )  # fmt: skip
    list_filter = ("status", "event__type", "endpoint")
    list_select_related = ("event", "endpoint")
    search_fields = ("event__id",)
    readonly_fields = (
        "event", "endpoint", "status", "attempts", "attempt_limit", "next_attempt_at", "last_status_code",
        "last_error", "delivered_at", "created_at", "payload",
    )  # fmt: skip
    fields = readonly_fields
    inlines = (WebhookAttemptInline,)
    actions = ("redeliver",)

    @admin.display(description="Event type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.get_type_display()

    @admin.display(description="Event id")
    def event_id(self, delivery: WebhookDelivery) -> str:
        return str(delivery.event_id)

    @admin.display(description="Data")
    def payload(self, delivery: WebhookDelivery) -> str:
        return json.dumps(delivery.event.data, indent=2)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Viewing only; the redeliver action asks for the change permission itself.
        return obj is None and super().has_change_permission(request)

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return super().has_change_permission(request)

    @admin.action(description="Redeliver the selected deliveries", permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent = 0
        for delivery in queryset:
            try:
                redeliver_webhook(delivery=delivery)
                sent += 1
            except DomainError as error:
                self.message_user(request, f"Delivery {delivery.pk}: {error.message}", messages.WARNING)
        if sent:
            self.message_user(request, f"{sent} delivery(ies) will be sent again shortly.", messages.SUCCESS)
