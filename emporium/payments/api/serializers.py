from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from emporium.core.api.fields import MoneyField
from emporium.payments.models import Payment, PaymentState


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
    type = serializers.ChoiceField(
        choices=["use_stripe_js", "confirm_with_card", "authenticate", "bank_transfer", "pay_on_delivery"]
    )
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
        return payment.client_secret if payment.gateway == "stripe" and payable else ""

    def get_next_action(self, payment: Payment) -> dict[str, str] | None:
        if not (payment.is_open and payment.order.accepts_payment):
            return None
        kwargs = {"number": payment.order.number, "payment_id": payment.pk}
        if payment.gateway == "stripe":
            return {"type": "use_stripe_js", "url": reverse("payments:payment", kwargs=kwargs)}
        if payment.gateway == "offline":
            if payment.state == PaymentState.REQUIRES_ACTION:
                return {"type": "authenticate", "url": reverse("payments:authenticate", kwargs=kwargs)}
            return {"type": "confirm_with_card", "url": ""}
        if payment.gateway == "bank_transfer":
            return {"type": "bank_transfer", "url": reverse("payments:payment", kwargs=kwargs)}
        return {"type": "pay_on_delivery", "url": ""}


class PaymentListFilters(serializers.Serializer):
    order_number = serializers.CharField(max_length=32, required=False)


class WebhookOutput(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField()
