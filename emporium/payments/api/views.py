"""Payments API: start a payment for one of your orders, confirm a test-gateway payment, read
payments, and the providers' webhooks. Thin callers; errors are problem+json via the project handler.

Customers prove an order theirs by logging in (JWT or session). A guest has no account: the
`order_token` it got when placing the order, sent in the X-Order-Token header, lets it start,
confirm and read the payments of that order and no other. The rule is the order's
(emporium.orders.selectors.may_view_order), shared with the storefront's pages. Listing
payments stays for customers.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import authenticated_user, signed_in_user
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.core.api.schema import problems
from emporium.orders.api.guest_access import ORDER_TOKEN, order_token_of
from emporium.orders.selectors import get_order_for_visitor
from emporium.payments.api.serializers import (
    ConfirmPaymentInput,
    PaymentListFilters,
    PaymentOutput,
    StartPaymentInput,
    WebhookOutput,
)
from emporium.payments.gateways import STRIPE
from emporium.payments.gateways.offline import OfflineTestGateway
from emporium.payments.models import Payment
from emporium.payments.return_tokens import make_return_token
from emporium.payments.selectors import get_payment_for_visitor, list_payments_for_customer
from emporium.payments.services import confirm_payment, receive_provider_event, start_payment


class NewestPaymentsFirst(ApiCursorPagination):
    # The list's own order (list_payments_for_customer); the id breaks ties between equal times.
    ordering = ("-created_at", "-pk")


class PaymentListApi(APIView):
    def get_permissions(self) -> list[BasePermission]:
        # Guests may start a payment (with their order token); only customers have a list to read.
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        operation_id="payments_list",
        parameters=[PaymentListFilters, *CURSOR_PARAMETERS],
        responses={200: cursor_page_of(PaymentOutput)},
        tags=["payments"],
    )
    def get(self, request: Request) -> Response:
        """Your payments, newest first, a cursor page at a time, optionally of one order.
        Customers only."""
        filters = PaymentListFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        payments = list_payments_for_customer(
            customer=authenticated_user(request), order_number=filters.validated_data.get("order_number")
        )
        paginator = NewestPaymentsFirst()
        page = paginator.paginate_queryset(payments, request, view=self)
        return paginator.get_paginated_response(PaymentOutput(page, many=True).data)

    @extend_schema(
        parameters=[ORDER_TOKEN],
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
        """Start paying one of your orders (a guest's with its X-Order-Token). The amount is the
        order's; retrying returns the same payment."""
        serializer = StartPaymentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        order = get_order_for_visitor(
            number=params["order_number"],
            customer=signed_in_user(request),
            session=None,
            order_token=order_token_of(request),
        )
        payment = start_payment(order=order, gateway_name=params["gateway"])
        return Response(PaymentOutput(payment).data, status=status.HTTP_201_CREATED)


def _payment_of_visitor(request: Request, payment_id: int) -> Payment:
    return get_payment_for_visitor(
        payment_id=payment_id,
        customer=signed_in_user(request),
        session=None,
        order_token=order_token_of(request),
    )


class PaymentDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(parameters=[ORDER_TOKEN], responses={200: PaymentOutput}, tags=["payments"])
    def get(self, request: Request, payment_id: int) -> Response:
        """A payment of one of your orders (a guest's with its X-Order-Token)."""
        return Response(PaymentOutput(_payment_of_visitor(request, payment_id)).data)


class ConfirmPaymentApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[ORDER_TOKEN],
        request=ConfirmPaymentInput,
        responses={
            200: PaymentOutput,
            **problems(402, description="`payment_declined`, with the provider's `decline_code`."),
            **problems(
                409,
                description="`payment_action_not_allowed`: a bank transfer or cash on delivery (staff "
                "mark those received), an answer to a confirmation step the payment did not ask for, "
                "or an attempt that is over; `order_not_payable`: the order is paid, cancelled or expired.",
            ),
            **problems(503, description="The provider did not answer; retry."),
        },
        tags=["payments"],
    )
    def post(self, request: Request, payment_id: int) -> Response:
        """Confirm a payment: a test card or the confirmation-step answer (test gateway), or
        a Stripe PaymentMethod id. Without Stripe.js, this is how an app pays."""
        serializer = ConfirmPaymentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = _payment_of_visitor(request, payment_id)
        return_page = reverse(
            "payments:stripe-return", kwargs={"number": payment.order.number, "payment_id": payment.pk}
        )
        # The browser the bank sends back has neither the app's token nor its login.
        token = urlencode({"token": make_return_token(payment=payment)})
        payment = confirm_payment(
            payment=payment,
            details=dict(serializer.validated_data),
            return_url=request.build_absolute_uri(f"{return_page}?{token}"),
        )
        return Response(PaymentOutput(payment).data)


class _WebhookApi(APIView):
    """Providers sign their events; that signature is the only authentication there is."""

    gateway_name: str
    signature_header = "Stripe-Signature"
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="`t=<unix time>,v1=<HMAC-SHA256 of t.body>`, Stripe's scheme (the test "
                "gateway signs the same way with its own secret).",
            )
        ],
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
    gateway_name = STRIPE


class OfflineWebhookApi(_WebhookApi):
    """The test gateway's events, signed like Stripe's with OFFLINE_GATEWAY_WEBHOOK_SECRET."""

    gateway_name = OfflineTestGateway.name
