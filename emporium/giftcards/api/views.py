"""Gift cards in the API: a customer's own cards (/api/v1/account/gift-cards/), and staff's
issuing and list (/api/v1/staff/gift-cards/), and a card's ledger with staff's adjustments
(/api/v1/staff/gift-cards/<id>/movements/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import authenticated_user
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.core.api.schema import problems
from emporium.core.money import Money
from emporium.giftcards.api.permissions import CanAdjustGiftCards, CanManageGiftCards
from emporium.giftcards.api.serializers import (
    GiftCardAdjustmentInput,
    GiftCardMovementOutput,
    GiftCardOutput,
    IssuedGiftCardOutput,
    IssueGiftCardInput,
    StaffGiftCardFilters,
    StaffGiftCardOutput,
)
from emporium.giftcards.selectors import (
    get_gift_card_for_staff,
    list_gift_cards_for_customer,
    list_gift_cards_for_staff,
    list_movements,
)
from emporium.giftcards.services import adjust_gift_card_balance, issue_gift_card


class NewestFirst(ApiCursorPagination):
    """Cards, and a card's ledger rows, newest first."""

    ordering = ("-created_at", "-pk")


class MyGiftCardListApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="account_gift_cards_list",
        parameters=CURSOR_PARAMETERS,
        responses={200: cursor_page_of(GiftCardOutput)},
        tags=["account"],
    )
    def get(self, request: Request) -> Response:
        """The customer's gift cards (given to their account or issued to their e-mail address),
        newest first: masked codes, balances and expiry. Nobody else's."""
        cards = list_gift_cards_for_customer(customer=authenticated_user(request))
        paginator = NewestFirst()
        page = paginator.paginate_queryset(cards, request, view=self)
        return paginator.get_paginated_response(GiftCardOutput(page, many=True).data)


class StaffGiftCardListApi(APIView):
    permission_classes = (CanManageGiftCards,)

    @extend_schema(
        operation_id="staff_gift_cards_list",
        parameters=[StaffGiftCardFilters, *CURSOR_PARAMETERS],
        responses={200: cursor_page_of(StaffGiftCardOutput)},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        """Every gift card, newest first; `code` (in full) finds one card, `email` a recipient's."""
        filters = StaffGiftCardFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cards = list_gift_cards_for_staff(
            code=filters.validated_data.get("code", ""), email=filters.validated_data.get("email", "")
        )
        paginator = NewestFirst()
        page = paginator.paginate_queryset(cards, request, view=self)
        return paginator.get_paginated_response(StaffGiftCardOutput(page, many=True).data)

    @extend_schema(
        operation_id="staff_gift_cards_create",
        request=IssueGiftCardInput,
        responses={201: IssuedGiftCardOutput},
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        """Issue a card: the answer carries its `full_code`, shown this once and never again."""
        serializer = IssueGiftCardInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        issued = issue_gift_card(
            amount=Money(params["amount"], params["currency"]),
            issued_by=authenticated_user(request),
            owner=params["owner"],
            recipient_email=params["recipient_email"],
            expires_at=params["expires_at"],
            note=params["note"],
        )
        body = IssuedGiftCardOutput(issued.card, context={"code": issued.code}).data
        return Response(body, status=status.HTTP_201_CREATED)


class StaffGiftCardMovementListApi(APIView):
    permission_classes = (CanAdjustGiftCards,)

    @extend_schema(
        operation_id="staff_gift_card_movements_list",
        parameters=CURSOR_PARAMETERS,
        responses={200: cursor_page_of(GiftCardMovementOutput)},
        tags=["staff"],
    )
    def get(self, request: Request, card_id: int) -> Response:
        """The card's ledger, newest first: issued, used on an order, given back, adjusted by staff."""
        movements = list_movements(card=get_gift_card_for_staff(card_id=card_id))
        paginator = NewestFirst()
        page = paginator.paginate_queryset(movements, request, view=self)
        return paginator.get_paginated_response(GiftCardMovementOutput(page, many=True).data)

    @extend_schema(
        operation_id="staff_gift_card_movements_create",
        request=GiftCardAdjustmentInput,
        responses={
            201: GiftCardMovementOutput,
            **problems(
                409,
                description="`gift_card_balance_too_low`: the adjustment would take the balance below zero.",
            ),
        },
        tags=["staff"],
    )
    def post(self, request: Request, card_id: int) -> Response:
        """Adjust the balance, with the reason: a goodwill credit (positive) or a correction
        (negative, never below zero). The answer is the ledger line it adds."""
        card = get_gift_card_for_staff(card_id=card_id)
        serializer = GiftCardAdjustmentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement = adjust_gift_card_balance(
            card=card,
            amount=Money(serializer.validated_data["amount"], card.currency),
            actor=authenticated_user(request),
            note=serializer.validated_data["note"],
        )
        return Response(GiftCardMovementOutput(movement).data, status=status.HTTP_201_CREATED)
