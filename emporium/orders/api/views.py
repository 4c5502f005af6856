"""Staff orders API: every order, filtered and cursor-paginated, and the state transitions.

Order managers move orders; analysts may read (emporium.accounts.api.permissions). Each
transition is the orders service the admin calls, so stock, events and e-mails follow the
same rules; a transition the state machine refuses is a 409 problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.api.permissions import CanManageOrders
from emporium.accounts.models import User
from emporium.core.api.pagination import CURSOR_PARAMETERS, NewestOrdersFirst, cursor_page_of
from emporium.core.api.schema import problems
from emporium.orders.api.serializers import (
    CancelOrderInput,
    NoteInput,
    RefundOrderInput,
    ShipOrderInput,
    StaffOrderDetailOutput,
    StaffOrderFilters,
    StaffOrderSummaryOutput,
)
from emporium.orders.models import Order
from emporium.orders.selectors import get_order_for_staff, list_orders_for_staff
from emporium.orders.services import (
    cancel_order,
    mark_order_delivered,
    mark_order_fulfilled,
    mark_order_paid,
    mark_order_shipped,
    refund_order,
)


class StaffOrderListApi(APIView):
    permission_classes = (CanManageOrders,)

    @extend_schema(
        operation_id="staff_orders_list",
        parameters=[StaffOrderFilters, *CURSOR_PARAMETERS],
        responses={200: cursor_page_of(StaffOrderSummaryOutput)},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        """Every order, newest first, filtered by status, date range and customer."""
        filters = StaffOrderFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = list_orders_for_staff(**filters.validated_data)
        paginator = NewestOrdersFirst()
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(StaffOrderSummaryOutput(page, many=True).data)


class StaffOrderDetailApi(APIView):
    permission_classes = (CanManageOrders,)

    @extend_schema(responses={200: StaffOrderDetailOutput}, tags=["staff"])
    def get(self, request: Request, number: str) -> Response:
        """One order with its lines, addresses and history."""
        return Response(StaffOrderDetailOutput(get_order_for_staff(number=number)).data)


Transition = Callable[[Order, User, dict[str, Any]], Order]

TRANSITIONS: dict[str, tuple[type[serializers.Serializer], Transition]] = {
    "pay": (NoteInput, lambda order, actor, p: mark_order_paid(order=order, actor=actor, note=p["note"])),
    "fulfil": (NoteInput, lambda order, actor, p: mark_order_fulfilled(order=order, actor=actor)),
    "ship": (
        ShipOrderInput,
        lambda order, actor, p: mark_order_shipped(
            order=order, tracking_number=p["tracking_number"], actor=actor
        ),
    ),
    "deliver": (NoteInput, lambda order, actor, p: mark_order_delivered(order=order, actor=actor)),
    "cancel": (
        CancelOrderInput,
        lambda order, actor, p: cancel_order(order=order, actor=actor, reason=p["reason"]),
    ),
    "refund": (
        RefundOrderInput,
        lambda order, actor, p: refund_order(
            order=order, partial=p["partial_refund"], actor=actor, note=p["note"]
        ),
    ),
}


def _transition_view(action: str, summary: str) -> type[APIView]:
    input_class, transition = TRANSITIONS[action]

    class StaffOrderTransitionApi(APIView):
        permission_classes = (CanManageOrders,)

        @extend_schema(
            operation_id=f"staff_orders_{action}",
            summary=summary,
            request=input_class,
            responses={
                200: StaffOrderDetailOutput,
                **problems(
                    409, description="Not allowed from the order's status (`order_transition_not_allowed`)."
                ),
            },
            tags=["staff"],
        )
        def post(self, request: Request, number: str) -> Response:
            order = get_order_for_staff(number=number)
            serializer = input_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            transition(order, cast(User, request.user), serializer.validated_data)
            return Response(StaffOrderDetailOutput(get_order_for_staff(number=number)).data)

    StaffOrderTransitionApi.__name__ = f"StaffOrder{action.capitalize()}Api"
    StaffOrderTransitionApi.__qualname__ = StaffOrderTransitionApi.__name__
    return StaffOrderTransitionApi


StaffOrderPayApi = _transition_view("pay", "Mark paid (payments received outside the gateway)")
StaffOrderFulfilApi = _transition_view("fulfil", "Mark fulfilled (packed)")
StaffOrderShipApi = _transition_view("ship", "Mark shipped, with a tracking number; the stock leaves")
StaffOrderDeliverApi = _transition_view("deliver", "Mark delivered")
StaffOrderCancelApi = _transition_view("cancel", "Cancel; reserved stock goes back")
StaffOrderRefundApi = _transition_view("refund", "Record a full or partial refund")
