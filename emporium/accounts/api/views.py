"""Accounts API: thin callers of the services and selectors.

Authentication endpoints under /api/v1/auth/, the customer's address book under
/api/v1/account/ (their orders there are the orders app's: emporium.orders.api.views).
Domain errors become problem responses in emporium.core.api.errors, so nothing here catches.
"""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from emporium.accounts.api.serializers import (
    AddressSerializer,
    MeOutput,
    RefreshTokenInput,
    RegisterInput,
    RegisterOutput,
    TokenObtainInput,
    TokenPairOutput,
    VerifyEmailInput,
)
from emporium.accounts.identity import authenticated_user
from emporium.accounts.known_devices import remember_known_device
from emporium.accounts.selectors import get_address_for_customer, list_addresses_for_customer
from emporium.accounts.services import (
    AddressFields,
    create_address,
    delete_address,
    obtain_token_pair,
    register_customer,
    revoke_refresh_token,
    update_address,
    verify_email_with_key,
)

SIGNUP_ANSWER = "If the address can be used, we have e-mailed it a link to verify it."


class RegisterApi(APIView):
    # Credentials arrive in the body; a session cookie must not turn this into a CSRF target.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=RegisterInput,
        responses={202: RegisterOutput},
        tags=["auth"],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Sign up. The answer is the same whether or not the address already has an account;
        follow the e-mailed link's key to `auth/verify-email/`, then obtain tokens."""
        serializer = RegisterInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        register_customer(
            request=request._request,
            email=params["email"],
            password=params["password"],
            full_name=params["full_name"],
        )
        return Response({"detail": SIGNUP_ANSWER}, status=status.HTTP_202_ACCEPTED)


class VerifyEmailApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(request=VerifyEmailInput, responses={204: None}, tags=["auth"], auth=[])
    def post(self, request: Request) -> Response:
        serializer = VerifyEmailInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        verify_email_with_key(request=request._request, key=serializer.validated_data["key"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObtainTokenPairApi(APIView):
    # Credentials arrive in the body; a session cookie must not turn this into a CSRF target.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(request=TokenObtainInput, responses={200: TokenPairOutput}, tags=["auth"], auth=[])
    def post(self, request: Request) -> Response:
        """Exchange e-mail, password (and two-factor code) for an access and a refresh token."""
        serializer = TokenObtainInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        pair = obtain_token_pair(
            request=request._request, email=params["email"], password=params["password"], code=params["code"]
        )
        response = Response(TokenPairOutput(pair).data)
        # The client is known to this account from now on: a stranger's failures cannot lock it out.
        remember_known_device(request=request._request, response=response, email=params["email"])
        return response


@extend_schema(request=RefreshTokenInput, responses={200: TokenPairOutput}, tags=["auth"], auth=[])
class RefreshTokenPairApi(TokenRefreshView):
    """simplejwt's own view: refuses blacklisted tokens and rotates (blacklisting the old one)."""

    authentication_classes = ()
    # Access tokens it hands out carry the user's current token version (api/tokens.py).
    _serializer_class = "emporium.accounts.api.tokens.VersionedTokenRefreshSerializer"


class LogoutApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)  # the refresh token is the credential

    @extend_schema(request=RefreshTokenInput, responses={204: None}, tags=["auth"], auth=[])
    def post(self, request: Request) -> Response:
        """Revoke a refresh token; the user's access tokens stop working at once (other devices refresh)."""
        serializer = RefreshTokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoke_refresh_token(refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: MeOutput}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(MeOutput(authenticated_user(request)).data)


class AddressListApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: AddressSerializer(many=True)}, tags=["account"])
    def get(self, request: Request) -> Response:
        """The customer's address book (a handful of rows, so not paginated)."""
        addresses = list_addresses_for_customer(customer=authenticated_user(request))
        return Response(AddressSerializer(addresses, many=True).data)

    @extend_schema(request=AddressSerializer, responses={201: AddressSerializer}, tags=["account"])
    def post(self, request: Request) -> Response:
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = cast(AddressFields, serializer.validated_data)
        address = create_address(customer=authenticated_user(request), fields=fields)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: AddressSerializer}, tags=["account"])
    def get(self, request: Request, address_id: int) -> Response:
        address = get_address_for_customer(customer=authenticated_user(request), address_id=address_id)
        return Response(AddressSerializer(address).data)

    @extend_schema(request=AddressSerializer, responses={200: AddressSerializer}, tags=["account"])
    def put(self, request: Request, address_id: int) -> Response:
        address = get_address_for_customer(customer=authenticated_user(request), address_id=address_id)
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = update_address(address=address, fields=cast(AddressFields, serializer.validated_data))
        return Response(AddressSerializer(address).data)

    @extend_schema(responses={204: None}, tags=["account"])
    def delete(self, request: Request, address_id: int) -> Response:
        address = get_address_for_customer(customer=authenticated_user(request), address_id=address_id)
        delete_address(address=address)
        return Response(status=status.HTTP_204_NO_CONTENT)
