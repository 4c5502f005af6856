"""The staff orders API (the customer's own orders are orders' API, emporium/orders/api/).

Staff: every order, filtered and cursor-paginated, and the state transitions.

Order managers move orders; analysts may read (emporium.accounts.api.permissions). Each
transition is the service the admin calls, so stock, events, e-mails and money follow the
same rules: the payments workflows take the steps other apps follow (shipping captures a held
card, cancelling and refunds give money back through the payment, the card really is
refunded), like the admin's. A transition the state machine refuses is a 409 problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.api.permissions import CanManageOrders
from emporium.accounts.identity import authenticated_user
from emporium.accounts.models import User
from emporium.core.api.pagination import CURSOR_PARAMETERS, NewestOrdersFirst, cursor_page_of
from emporium.core.api.schema import problems
from emporium.core.money import Money
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
from emporium.orders.services import mark_order_delivered
from emporium.payments.services import (
    cancel_order_and_refund,
    fulfil_order,
    mark_order_paid_by_staff,
    refund_order_payment,
    ship_order,
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
    "pay": (
        NoteInput,
        lambda order, actor, p: mark_order_paid_by_staff(order=order, actor=actor, note=p["note"]),
    ),
    "fulfil": (NoteInput, lambda order, actor, p: fulfil_order(order=order, actor=actor)),
    "ship": (
        ShipOrderInput,
        lambda order, actor, p: ship_order(order=order, tracking_number=p["tracking_number"], actor=actor),
    ),
    "deliver": (NoteInput, lambda order, actor, p: mark_order_delivered(order=order, actor=actor)),
    "cancel": (
        CancelOrderInput,
        lambda order, actor, p: cancel_order_and_refund(order=order, actor=actor, reason=p["reason"]),
    ),
    "refund": (
        RefundOrderInput,
        lambda order, actor, p: refund_order_payment(
            order=order,
            partial=p["partial_refund"],
            amount=None if p.get("amount") is None else Money(p["amount"], order.currency),
            actor=actor,
            reason=p["note"],
        ),
    ),
}

MONEY_PROBLEMS = {
    **problems(
        409,
        description="Refused by the state machine (`order_transition_not_allowed`), or more than "
        "can be refunded (`refund_exceeds_captured`, `refund_exceeds_order_total`), or not possible "
        "for the payment as it is (`payment_action_not_allowed`).",
    ),
    **problems(
        502,
        503,
        description="The payment provider refused (`payment_provider_error`) or did not answer "
        "(`payment_provider_unavailable`): nothing changed on the order; retry.",
    ),
}


def _transition_view(action: str, summary: str, *, moves_money: bool = False) -> type[APIView]:
    input_class, transition = TRANSITIONS[action]
    refused = problems(
        409, description="Not allowed from the order's status (`order_transition_not_allowed`)."
    )

    class StaffOrderTransitionApi(APIView):
        permission_classes = (CanManageOrders,)

        @extend_schema(
            operation_id=f"staff_orders_{action}",
            summary=summary,
            request=input_class,
            responses={200: StaffOrderDetailOutput, **(MONEY_PROBLEMS if moves_money else refused)},
            tags=["staff"],
        )
        def post(self, request: Request, number: str) -> Response:
            order = get_order_for_staff(number=number)
            serializer = input_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            transition(order, authenticated_user(request), serializer.validated_data)
            return Response(StaffOrderDetailOutput(get_order_for_staff(number=number)).data)

    StaffOrderTransitionApi.__name__ = f"StaffOrder{action.capitalize()}Api"
    StaffOrderTransitionApi.__qualname__ = StaffOrderTransitionApi.__name__
    return StaffOrderTransitionApi


StaffOrderPayApi = _transition_view("pay", "Mark paid (payments received outside the gateway)")
StaffOrderFulfilApi = _transition_view("fulfil", "Mark fulfilled (packed)")
StaffOrderShipApi = _transition_view("ship", "Mark shipped, with a tracking number; the stock leaves")
StaffOrderDeliverApi = _transition_view("deliver", "Mark delivered")
StaffOrderCancelApi = _transition_view(
    "cancel", "Cancel: what was paid goes back (held cards released), reserved stock too", moves_money=True
)
StaffOrderRefundApi = _transition_view(
    "refund", "Refund in full or in part, through the order's payment", moves_money=True
)
