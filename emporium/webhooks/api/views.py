"""Staff webhooks API: register endpoints, read the delivery log, send a delivery again.

For the Integration manager role (emporium.accounts.roles). Thin: the webhooks services do
the work, as they do for the admin.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.api.permissions import (
    CanManageWebhookDeliveries,
    CanManageWebhooks,
    CanRotateWebhookSecrets,
)
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.webhooks.api.serializers import (
    WebhookDeliveryFilters,
    WebhookDeliveryOutput,
    WebhookEndpointInput,
    WebhookEndpointOutput,
)
from emporium.webhooks.models import WebhookDelivery, WebhookEndpoint
from emporium.webhooks.selectors import list_deliveries, list_endpoints
from emporium.webhooks.services import (
    create_webhook_endpoint,
    redeliver_webhook,
    rotate_webhook_secret,
    update_webhook_endpoint,
)

TAGS = ["webhooks"]


class WebhookEndpointListApi(APIView):
    permission_classes = (CanManageWebhooks,)

    @extend_schema(
        operation_id="webhook_endpoints_list",
        parameters=CURSOR_PARAMETERS,
        responses={200: cursor_page_of(WebhookEndpointOutput)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """Every endpoint, newest first, a cursor page at a time."""
        paginator = ApiCursorPagination()
        page = paginator.paginate_queryset(list_endpoints(), request, view=self)
        return paginator.get_paginated_response(WebhookEndpointOutput(page, many=True).data)

    @extend_schema(request=WebhookEndpointInput, responses={201: WebhookEndpointOutput}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Register an endpoint; the answer carries its new signing secret."""
        serializer = WebhookEndpointInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = create_webhook_endpoint(**serializer.validated_data)
        return Response(WebhookEndpointOutput(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(APIView):
    permission_classes = (CanManageWebhooks,)

    @extend_schema(responses={200: WebhookEndpointOutput}, tags=TAGS)
    def get(self, request: Request, endpoint_id: int) -> Response:
        return Response(WebhookEndpointOutput(get_object_or_404(WebhookEndpoint, pk=endpoint_id)).data)

    @extend_schema(
        request=WebhookEndpointInput(partial=True), responses={200: WebhookEndpointOutput}, tags=TAGS
    )
    def patch(self, request: Request, endpoint_id: int) -> Response:
        """Change the URL, description, event types or `is_active` (false pauses new events)."""
        endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
        serializer = WebhookEndpointInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = update_webhook_endpoint(endpoint=endpoint, fields=dict(serializer.validated_data))
        return Response(WebhookEndpointOutput(endpoint).data)

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request, endpoint_id: int) -> Response:
        """Remove the endpoint, with its deliveries and their log."""
        get_object_or_404(WebhookEndpoint, pk=endpoint_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateSecretApi(APIView):
    permission_classes = (CanRotateWebhookSecrets,)

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        request=None,
        responses={200: WebhookEndpointOutput},
        tags=TAGS,
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        """A new signing secret, used from the next request on (retries of older events too)."""
        endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
        return Response(WebhookEndpointOutput(rotate_webhook_secret(endpoint=endpoint)).data)


class WebhookDeliveryListApi(APIView):
    permission_classes = (CanManageWebhookDeliveries,)

    @extend_schema(
        operation_id="webhook_deliveries_list",
        parameters=[WebhookDeliveryFilters, *CURSOR_PARAMETERS],
        responses={200: cursor_page_of(WebhookDeliveryOutput)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """The delivery log, newest first, by endpoint and status."""
        filters = WebhookDeliveryFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        deliveries = list_deliveries(endpoint_id=params.get("endpoint"), status=params.get("status"))
        paginator = ApiCursorPagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(WebhookDeliveryOutput(page, many=True).data)


class WebhookDeliveryRedeliverApi(APIView):
    permission_classes = (CanManageWebhookDeliveries,)

    @extend_schema(
        operation_id="webhook_deliveries_redeliver",
        request=None,
        responses={202: WebhookDeliveryOutput},
        tags=TAGS,
    )
    def post(self, request: Request, delivery_id: int) -> Response:
        """Send it again with the same event id and a fresh round of attempts (409 while a
        worker is sending it)."""
        delivery = get_object_or_404(WebhookDelivery.objects.select_related("event"), pk=delivery_id)
        delivery = redeliver_webhook(delivery=delivery)
        return Response(WebhookDeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)
