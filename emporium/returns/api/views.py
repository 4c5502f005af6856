"""Returns over the REST API: customers ask and follow theirs; order managers move them along.

Thin callers of emporium.returns' selectors and services; domain errors become problem+json.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.api.permissions import CanManageReturns
from emporium.accounts.identity import authenticated_user, signed_in_user
from emporium.accounts.models import User
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.core.api.schema import problems
from emporium.orders.api.guest_access import ORDER_TOKEN, order_token_of
from emporium.orders.selectors import get_order_for_visitor
from emporium.returns.api.serializers import (
    ReceiveReturnInput,
    RefundReturnInput,
    RefuseReturnInput,
    ReturnCreateInput,
    ReturnOutput,
)
from emporium.returns.models import Return
from emporium.returns.selectors import get_customer_return, get_return_for_staff, list_customer_returns
from emporium.returns.services import (
    ReturnItem,
    approve_return,
    receive_return,
    refund_return,
    refuse_return,
    request_return,
)


class NewestReturnsFirst(ApiCursorPagination):
    ordering = ("-created_at", "-pk")


class ReturnListApi(APIView):
    def get_permissions(self) -> list:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        operation_id="returns_list",
        parameters=CURSOR_PARAMETERS,
        responses={200: cursor_page_of(ReturnOutput)},
        tags=["returns"],
    )
    def get(self, request: Request) -> Response:
        """Your returns, newest first."""
        customer = authenticated_user(request)
        paginator = NewestReturnsFirst()
        page = paginator.paginate_queryset(list_customer_returns(customer=customer), request, view=self)
        return paginator.get_paginated_response(ReturnOutput(page, many=True).data)

    @extend_schema(
        operation_id="returns_create",
        parameters=[ORDER_TOKEN],
        request=ReturnCreateInput,
        responses={
            201: ReturnOutput,
            **problems(
                409,
                description="Not returnable (`return_not_allowed`: not shipped, or past the window) or "
                "more than is left to return of a line (`return_quantity_exceeded`).",
            ),
        },
        tags=["returns"],
    )
    def post(self, request: Request) -> Response:
        """Ask to return lines of an order you placed (a guest sends its X-Order-Token): a
        quantity and a reason per line, within `RETURN_WINDOW_DAYS` of delivery."""
        data = ReturnCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = get_order_for_visitor(
            number=data.validated_data["order_number"],
            customer=signed_in_user(request),
            session=None,
            order_token=order_token_of(request),
        )
        items = [ReturnItem(**line) for line in data.validated_data["lines"]]
        created = request_return(order=order, items=items, actor=signed_in_user(request))
        customer = order.customer
        shown = (
            get_customer_return(customer=customer, return_id=created.pk)
            if customer is not None
            else get_return_for_staff(return_id=created.pk)
        )
        return Response(ReturnOutput(shown).data, status=status.HTTP_201_CREATED)


class ReturnDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(operation_id="returns_retrieve", responses={200: ReturnOutput}, tags=["returns"])
    def get(self, request: Request, return_id: int) -> Response:
        """One of your returns; anyone else's is a 404."""
        customer = authenticated_user(request)
        return Response(ReturnOutput(get_customer_return(customer=customer, return_id=return_id)).data)


def _staff_action(
    action: str, summary: str, input_class: type[serializers.Serializer] | None
) -> type[APIView]:
    def run(found: Return, actor: User, data: dict[str, Any]) -> Return:
        if action == "approve":
            return approve_return(return_request=found, actor=actor)
        if action == "refuse":
            return refuse_return(return_request=found, note=data["note"], actor=actor)
        if action == "receive":
            ids = set(data["resaleable_line_ids"])
            return receive_return(
                return_request=found,
                resaleable={line.pk: line.pk in ids for line in found.lines.all()},
                actor=actor,
            )
        return refund_return(return_request=found, refund_shipping=data["refund_shipping"], actor=actor)

    description = "Not allowed from the return's status (`return_transition_not_allowed`)"
    if action == "refund":
        description += ", or more than the payment can refund (`refund_exceeds_captured`)"

    class StaffReturnActionApi(APIView):
        permission_classes = (CanManageReturns,)

        @extend_schema(
            operation_id=f"returns_{action}",
            summary=summary,
            request=input_class,
            responses={200: ReturnOutput, **problems(409, description=description + ".")},
            tags=["staff"],
        )
        def post(self, request: Request, return_id: int) -> Response:
            found = get_return_for_staff(return_id=return_id)
            data: dict[str, Any] = {}
            if input_class is not None:
                serializer = input_class(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = dict(serializer.validated_data)
            run(found, authenticated_user(request), data)
            return Response(ReturnOutput(get_return_for_staff(return_id=return_id)).data)

    StaffReturnActionApi.__name__ = f"StaffReturn{action.capitalize()}Api"
    StaffReturnActionApi.__qualname__ = StaffReturnActionApi.__name__
    return StaffReturnActionApi


StaffReturnApproveApi = _staff_action("approve", "Approve a return: the customer may send the parcel", None)
StaffReturnRefuseApi = _staff_action("refuse", "Refuse a return, saying why", RefuseReturnInput)
StaffReturnReceiveApi = _staff_action(
    "receive", "The parcel is in: restock the resaleable lines", ReceiveReturnInput
)
StaffReturnRefundApi = _staff_action(
    "refund", "Refund the returned lines (and shipping if chosen) through the payment", RefundReturnInput
)
