"""The customer's own orders in the API, under /api/v1/account/orders/ (account_urls.py).

A customer reads only their own orders: every lookup goes through a selector scoped to the
signed-in user, so a guessed number of somebody else's order is a 404. The staff orders API is
the back office's (emporium/backoffice/api/views.py).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import authenticated_user
from emporium.core.api.pagination import CURSOR_PARAMETERS, NewestOrdersFirst, cursor_page_of
from emporium.orders.api.serializers import OrderDetailOutput, OrderSummaryOutput
from emporium.orders.selectors import get_order_for_customer, list_orders_for_customer


class OrderListApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="account_orders_list",
        parameters=CURSOR_PARAMETERS,
        responses={200: cursor_page_of(OrderSummaryOutput)},
        tags=["account"],
    )
    def get(self, request: Request) -> Response:
        """The customer's orders, newest first, a cursor page at a time."""
        orders = list_orders_for_customer(customer=authenticated_user(request))
        paginator = NewestOrdersFirst()
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(OrderSummaryOutput(page, many=True).data)


class OrderDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: OrderDetailOutput}, tags=["account"])
    def get(self, request: Request, number: str) -> Response:
        order = get_order_for_customer(customer=authenticated_user(request), number=number)
        return Response(OrderDetailOutput(order).data)
