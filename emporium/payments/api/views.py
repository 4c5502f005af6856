"""Payments API: start a payment for one of your orders, confirm a test-gateway payment, read
payments, and the providers' webhooks. Thin callers; errors are problem+json via the project handler.

Customers only (JWT or session): a guest's order has no account to prove it is theirs, so guests
pay on the storefront's pages, where their browser session is the proof.
"""

from __future__ import annotations

from typing import cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.models import User
from emporium.core.api.schema import problems
from emporium.orders.selectors import get_order_for_visitor
from emporium.payments.api.serializers import (
    ConfirmPaymentInput,
    PaymentListFilters,
    PaymentOutput,
    StartPaymentInput,
    WebhookOutput,
)
from emporium.payments.selectors import get_payment_for_visitor, list_payments_for_customer
from emporium.payments.services import confirm_payment, receive_provider_event, start_payment

MAX_LISTED = 100


def _customer(request: Request) -> User:
    return cast(User, request.user)


class PaymentListApi(APIView):
    @extend_schema(
        parameters=[PaymentListFilters], responses={200: PaymentOutput(many=True)}, tags=["payments"]
    )
    def get(self, request: Request) -> Response:
        """Your payments, newest first (at most 100), optionally of one order."""
        filters = PaymentListFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        payments = list_payments_for_customer(
            customer=_customer(request), order_number=filters.validated_data.get("order_number")
        )[:MAX_LISTED]
        return Response(PaymentOutput(payments, many=True).data)

    @extend_schema(
        request=StartPaymentInput,
        responses={
            201: PaymentOutput,
            **problems(409, description="`order_not_payable`: the order is paid, cancelled or expired."),
            **problems(
                502,
                503,
                description="The provider refused (`payment_provider_error`) or did not "
                "answer (`payment_provider_unavailable`); the order keeps its items: retry.",
            ),
        },
        tags=["payments"],
    )
    def post(self, request: Request) -> Response:
        """Start paying one of your orders. The amount is the order's; retrying returns the same payment."""
        serializer = StartPaymentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        order = get_order_for_visitor(
            number=params["order_number"], customer=_customer(request), session=None
        )
        payment = start_payment(order=order, gateway_name=params["gateway"])
        return Response(PaymentOutput(payment).data, status=status.HTTP_201_CREATED)


class PaymentDetailApi(APIView):
    @extend_schema(responses={200: PaymentOutput}, tags=["payments"])
    def get(self, request: Request, payment_id: int) -> Response:
        payment = get_payment_for_visitor(payment_id=payment_id, customer=_customer(request), session=None)
        return Response(PaymentOutput(payment).data)


class ConfirmPaymentApi(APIView):
    @extend_schema(
        request=ConfirmPaymentInput,
        responses={
            200: PaymentOutput,
            **problems(402, description="`payment_declined`, with the provider's `decline_code`."),
            **problems(409, description="The payment or the order cannot move on from where it is."),
            **problems(503, description="The provider did not answer; retry."),
        },
        tags=["payments"],
    )
    def post(self, request: Request, payment_id: int) -> Response:
        """Confirm a payment: a test card or the confirmation-step answer (test gateway), or
        a Stripe PaymentMethod id. Without Stripe.js, this is how an app pays."""
        serializer = ConfirmPaymentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = get_payment_for_visitor(payment_id=payment_id, customer=_customer(request), session=None)
        payment = confirm_payment(payment=payment, details=dict(serializer.validated_data))
        return Response(PaymentOutput(payment).data)


class _WebhookApi(APIView):
    """Providers sign their events; that signature is the only authentication there is."""

    gateway_name: str
    signature_header = "Stripe-Signature"
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: WebhookOutput, **problems(400, description="`invalid_webhook`: forged or stale.")},
        tags=["payments"],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        # The raw bytes: the signature covers them exactly as sent.
        event = receive_provider_event(
            gateway_name=self.gateway_name,
            payload=request.body,
            signature=request.headers.get(self.signature_header, ""),
        )
        return Response({"received": True, "duplicate": event.deliveries > 1})


class StripeWebhookApi(_WebhookApi):
    gateway_name = "stripe"


class OfflineWebhookApi(_WebhookApi):
    """The test gateway's events, signed like Stripe's with OFFLINE_GATEWAY_WEBHOOK_SECRET."""

    gateway_name = "offline"
