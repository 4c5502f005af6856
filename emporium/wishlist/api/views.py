"""The signed-in customer's wishlist over the REST API (visitors keep theirs in the storefront session)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import authenticated_user
from emporium.core.api.fields import MoneyField
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.wishlist.models import WishlistItem
from emporium.wishlist.selectors import WishlistEntry, list_wishlist_items
from emporium.wishlist.services import remove_product, save_product


class WishlistEntryOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.CharField()
    price = MoneyField(allow_null=True, help_text="Today's lowest variant price.")
    is_in_stock = serializers.BooleanField()
    variant_id = serializers.IntegerField(
        allow_null=True, help_text="The variant to add to the cart (the first in stock); null when sold out."
    )
    saved_at = serializers.DateTimeField(allow_null=True)


class SaveInput(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class NewestSavedFirst(ApiCursorPagination):
    ordering = ("-created_at", "-pk")


def _entry(item: WishlistItem) -> WishlistEntry:
    return WishlistEntry.from_product(item.product, saved_at=item.created_at)


class WishlistApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="wishlist_list",
        parameters=CURSOR_PARAMETERS,
        responses={200: cursor_page_of(WishlistEntryOutput)},
        tags=["wishlist"],
    )
    def get(self, request: Request) -> Response:
        """Your saved products with today's price and stock, newest first."""
        paginator = NewestSavedFirst()
        page = (
            paginator.paginate_queryset(
                list_wishlist_items(customer=authenticated_user(request)), request, view=self
            )
            or []
        )
        return paginator.get_paginated_response(
            WishlistEntryOutput([_entry(item) for item in page], many=True).data
        )

    @extend_schema(
        operation_id="wishlist_save",
        request=SaveInput,
        responses={201: WishlistEntryOutput},
        tags=["wishlist"],
    )
    def post(self, request: Request) -> Response:
        """Save a product (saving it again changes nothing). 404 `product_not_found`, 409 `wishlist_full`."""
        serializer = SaveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = authenticated_user(request)
        product_id = serializer.validated_data["product_id"]
        save_product(product_id=product_id, customer=customer, session=None)
        item = list_wishlist_items(customer=customer).get(product_id=product_id)
        return Response(WishlistEntryOutput(_entry(item)).data, status=status.HTTP_201_CREATED)


class WishlistItemApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(operation_id="wishlist_remove", request=None, responses={204: None}, tags=["wishlist"])
    def delete(self, request: Request, product_id: int) -> Response:
        """Take a product off your wishlist (one that is not there changes nothing)."""
        remove_product(product_id=product_id, customer=authenticated_user(request), session=None)
        return Response(status=status.HTTP_204_NO_CONTENT)
