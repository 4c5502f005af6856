"""Recommendations over the REST API: the same selectors as the storefront's widgets."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import authenticated_user
from emporium.catalog.api.serializers import ProductCardOutput
from emporium.recommendations.models import CustomerListKind
from emporium.recommendations.selectors import (
    list_cart_product_ids,
    list_customers_also_bought,
    list_popular_products,
    list_recommendations_for_customer,
)

MAX_LIMIT = 20


class LimitInput(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=8)


class CustomerListInput(LimitInput):
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in (CustomerListKind.BUY_AGAIN, CustomerListKind.FOR_YOU)],
        default=CustomerListKind.FOR_YOU,
    )


class PopularProductsApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="recommendations_popular",
        parameters=[LimitInput],
        responses={200: ProductCardOutput(many=True)},
        tags=["recommendations"],
    )
    def get(self, request: Request) -> Response:
        """Popular products (time-decayed), published and in stock: for visitors and cold starts."""
        params = LimitInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        cards = list_popular_products(limit=params.validated_data["limit"])
        return Response(ProductCardOutput(cards, many=True).data)


class CustomersAlsoBoughtApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="recommendations_also_bought",
        parameters=[LimitInput],
        responses={200: ProductCardOutput(many=True)},
        tags=["recommendations"],
    )
    def get(self, request: Request, product_id: int) -> Response:
        """Products bought by the customers who bought this one; empty for an unknown product."""
        params = LimitInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        cards = list_customers_also_bought(product_id=product_id, limit=params.validated_data["limit"])
        return Response(ProductCardOutput(cards, many=True).data)


class MyRecommendationsApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="recommendations_for_me",
        parameters=[CustomerListInput],
        responses={200: ProductCardOutput(many=True)},
        tags=["recommendations"],
    )
    def get(self, request: Request) -> Response:
        """The signed-in customer's "buy it again" or "recommended for you" list, never what is
        in their cart; popular products when the model does not know them yet."""
        params = CustomerListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        customer_id = authenticated_user(request).pk
        in_cart = list_cart_product_ids(customer_id=customer_id, cart_token=None)
        limit = params.validated_data["limit"]
        cards = list_recommendations_for_customer(
            customer_id=customer_id,
            kind=CustomerListKind(params.validated_data["kind"]),
            exclude_product_ids=in_cart,
            limit=limit,
        )
        return Response(ProductCardOutput(cards, many=True).data)
