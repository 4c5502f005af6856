"""Accounts API: thin callers of the services and selectors.

Authentication endpoints under /api/v1/auth/, the customer's own data under /api/v1/account/.
Domain errors become problem responses in emporium.core.api.errors, so nothing here catches.
"""

from __future__ import annotations

from typing import cast

from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from emporium.accounts.api.serializers import (
    AddressSerializer,
    MeOutput,
    OrderDetailOutput,
    OrderSummaryOutput,
    RefreshTokenInput,
    TokenObtainInput,
    TokenPairOutput,
)
from emporium.accounts.models import User
from emporium.accounts.selectors import (
    get_address_for_customer,
    get_order_for_customer,
    list_addresses_for_customer,
    list_orders_for_customer,
)
from emporium.accounts.services import (
    AddressFields,
    create_address,
    delete_address,
    obtain_token_pair,
    revoke_refresh_token,
    update_address,
)


def _customer(request: Request) -> User:
    return cast(User, request.user)


class ObtainTokenPairApi(APIView):
    # Credentials arrive in the body; a session cookie must not turn this into a CSRF target.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def post(self, request: Request) -> Response:
        serializer = TokenObtainInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        pair = obtain_token_pair(
            request=request._request, email=params["email"], password=params["password"], code=params["code"]
        )
        return Response(TokenPairOutput(pair).data)


class RefreshTokenPairApi(TokenRefreshView):
    """simplejwt's own view: refuses blacklisted tokens and rotates (blacklisting the old one)."""

    authentication_classes = ()


class LogoutApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)  # the refresh token is the credential

    def post(self, request: Request) -> Response:
        serializer = RefreshTokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoke_refresh_token(refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response(MeOutput(_customer(request)).data)


class AddressListApi(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        addresses = list_addresses_for_customer(customer=_customer(request))
        return Response(AddressSerializer(addresses, many=True).data)

    def post(self, request: Request) -> Response:
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = cast(AddressFields, serializer.validated_data)
        address = create_address(customer=_customer(request), fields=fields)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request, address_id: int) -> Response:
        address = get_address_for_customer(customer=_customer(request), address_id=address_id)
        return Response(AddressSerializer(address).data)

    def put(self, request: Request, address_id: int) -> Response:
        address = get_address_for_customer(customer=_customer(request), address_id=address_id)
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = update_address(address=address, fields=cast(AddressFields, serializer.validated_data))
        return Response(AddressSerializer(address).data)

    def delete(self, request: Request, address_id: int) -> Response:
        address = get_address_for_customer(customer=_customer(request), address_id=address_id)
        delete_address(address=address)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderListApi(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        orders = list_orders_for_customer(customer=_customer(request))
        return Response(OrderSummaryOutput(orders, many=True).data)


class OrderDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request, number: str) -> Response:
        order = get_order_for_customer(customer=_customer(request), number=number)
        return Response(OrderDetailOutput(order).data)
