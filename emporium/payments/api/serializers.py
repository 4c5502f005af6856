from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from emporium.core.api.fields import MoneyField
from emporium.payments.gateways.base import NextActionType
from emporium.payments.models import Payment, PaymentState
from emporium.payments.registry import get_gateway


class StartPaymentInput(serializers.Serializer):
    order_number = serializers.CharField(max_length=32)
    gateway = serializers.CharField(
        max_length=32, help_text="One of the enabled gateways, e.g. `stripe`, `offline`."
    )


class ConfirmPaymentInput(serializers.Serializer):
    card_number = serializers.CharField(
        max_length=23, required=False, help_text="Test gateway only: one of the documented test card numbers."
    )
    authentication = serializers.ChoiceField(
        choices=["approve", "fail"],
        required=False,
        help_text="Test gateway only: the answer to the confirmation step, once the payment's "
        "`next_action` is `authenticate`.",
    )
    payment_method = serializers.CharField(
        max_length=255,
        required=False,
        help_text="Stripe only: a PaymentMethod id to confirm with on the server.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(
                "Give a card_number, an authentication answer or a payment_method."
            )
        return attrs


class ConfirmPaymentInputSchema(OpenApiSerializerExtension):
    """The schema says what ``validate`` says: each field is optional, but one of them is needed."""

    target_class = ConfirmPaymentInput

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "anyOf": [{"required": [name]} for name in schema["properties"]]}


class NextActionOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=[action.value for action in NextActionType])
    url = serializers.CharField(allow_blank=True, help_text="A page of ours to send the customer to, if any.")


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    order_number = serializers.CharField(source="order.number")
    gateway = serializers.CharField()
    state = serializers.ChoiceField(choices=PaymentState.choices)
    amount = MoneyField(source="total")
    refunded_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    client_secret = serializers.SerializerMethodField(help_text="Stripe only: for the Payment Element.")
    failure_code = serializers.CharField()
    failure_message = serializers.CharField()
    next_action = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_client_secret(self, payment: Payment) -> str:
        payable = payment.is_open and payment.order.accepts_payment
        if not (payable and get_gateway(payment.gateway, enabled_only=False).shares_client_secret):
            return ""
        return payment.client_secret

    def get_next_action(self, payment: Payment) -> dict[str, str] | None:
        if not (payment.is_open and payment.order.accepts_payment):
            return None
        gateway = get_gateway(payment.gateway, enabled_only=False)
        action = gateway.next_action(awaiting_action=payment.state == PaymentState.REQUIRES_ACTION)
        kwargs = {"number": payment.order.number, "payment_id": payment.pk}
        return {"type": str(action.type), "url": reverse(action.page, kwargs=kwargs) if action.page else ""}


class PaymentListFilters(serializers.Serializer):
    order_number = serializers.CharField(max_length=32, required=False)


class WebhookOutput(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField()
