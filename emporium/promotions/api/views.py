"""Staff manage promotions over the API as in the admin: /api/v1/staff/promotions/."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.core.api.schema import problems
from emporium.promotions.api.permissions import CanManagePromotions
from emporium.promotions.api.serializers import (
    StaffPromotionFilters,
    StaffPromotionInput,
    StaffPromotionOutput,
)
from emporium.promotions.models import Promotion
from emporium.promotions.selectors import list_promotions_for_staff
from emporium.promotions.services import create_promotion, delete_promotion, update_promotion


class NewestFirst(ApiCursorPagination):
    ordering = ("-created_at", "-pk")


def _output(promotion_id: int) -> dict[str, Any]:
    return dict(StaffPromotionOutput(list_promotions_for_staff().get(pk=promotion_id)).data)


class StaffPromotionListApi(APIView):
    permission_classes = (CanManagePromotions,)

    @extend_schema(
        operation_id="staff_promotions_list",
        parameters=[StaffPromotionFilters, *CURSOR_PARAMETERS],
        responses={200: cursor_page_of(StaffPromotionOutput)},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        """Every promotion, newest first, with its targets and uses; `is_active` and `kind` filter."""
        filters = StaffPromotionFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        promotions = list_promotions_for_staff(
            is_active=filters.validated_data.get("is_active"), kind=filters.validated_data.get("kind")
        )
        paginator = NewestFirst()
        page = paginator.paginate_queryset(promotions, request, view=self)
        return paginator.get_paginated_response(StaffPromotionOutput(page, many=True).data)

    @extend_schema(
        operation_id="staff_promotions_create",
        request=StaffPromotionInput,
        responses={201: StaffPromotionOutput},
        tags=["staff"],
    )
    def post(self, request: Request) -> Response:
        """A new promotion: it applies from `starts_at` to every cart it fits."""
        serializer = StaffPromotionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        promotion = create_promotion(fields=dict(serializer.validated_data))
        return Response(_output(promotion.pk), status=status.HTTP_201_CREATED)


class StaffPromotionDetailApi(APIView):
    permission_classes = (CanManagePromotions,)

    @extend_schema(
        operation_id="staff_promotions_retrieve", responses={200: StaffPromotionOutput}, tags=["staff"]
    )
    def get(self, request: Request, promotion_id: int) -> Response:
        """A promotion with its targets and how many orders used it."""
        return Response(
            StaffPromotionOutput(get_object_or_404(list_promotions_for_staff(), pk=promotion_id)).data
        )

    @extend_schema(
        operation_id="staff_promotions_partial_update",
        request=StaffPromotionInput(partial=True),
        responses={200: StaffPromotionOutput},
        tags=["staff"],
    )
    def patch(self, request: Request, promotion_id: int) -> Response:
        """Change some fields or targets (a target list given replaces the old one); `is_active`
        false stops it at once. The uses counted meanwhile are kept."""
        promotion = get_object_or_404(Promotion, pk=promotion_id)
        serializer = StaffPromotionInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        update_promotion(promotion=promotion, fields=dict(serializer.validated_data))
        return Response(_output(promotion.pk))

    @extend_schema(
        operation_id="staff_promotions_destroy",
        responses={
            204: None,
            **problems(
                409,
                description="`promotion_in_use`: orders used it; switch it off (`is_active` false) instead.",
            ),
        },
        tags=["staff"],
    )
    def delete(self, request: Request, promotion_id: int) -> Response:
        """Delete a promotion no order has used."""
        delete_promotion(promotion=get_object_or_404(Promotion, pk=promotion_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
