"""Cart API, for visitors and customers alike.

A visitor creates a cart with ``POST /api/v1/carts/`` and sends its random token back in the
``X-Cart-Token`` header; a logged-in customer always uses their own cart (and may bring a
visitor cart's token to merge it in, as logging in on the storefront does). Which cart a
client may use is decided in one place, emporium.cart.selectors.find_cart_for_client: any
other cart, and any line of it, is 404.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import signed_in_user
from emporium.cart.api.serializers import AddCartLineInput, CartOutput, ChangeCartLineInput, ClientCart
from emporium.cart.models import Cart
from emporium.cart.selectors import find_cart_for_client, get_cart_for_client, get_cart_summary
from emporium.cart.services import (
    add_to_cart,
    create_visitor_cart,
    get_or_create_cart,
    merge_carts,
    remove_cart_line,
    set_cart_line_quantity,
)
from emporium.cart.signals import variant_added_to_cart
from emporium.core.api.schema import problems

CART_TOKEN_HEADER = "X-Cart-Token"
# Documented as text, not as a UUID: a token that is no cart's, malformed or not, is answered
# like any other cart that is not the client's (404), and a visitor creating a cart has it ignored.
CART_TOKEN = OpenApiParameter(
    CART_TOKEN_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The token (a UUID) that `POST /carts/` gave a visitor (ignored for logged-in "
    "customers, who use their own). Any other value finds no cart.",
)


def cart_token_of(request: Request) -> str | None:
    return request.headers.get(CART_TOKEN_HEADER)


def cart_body(cart: Cart, *, is_new: bool = False) -> dict[str, object]:
    summary = get_cart_summary(cart=cart, currency=cart.currency or settings.DEFAULT_CURRENCY, is_new=is_new)
    return dict(CartOutput(ClientCart(cart=cart, summary=summary)).data)


def _cart_to_change(request: Request) -> Cart:
    """A customer's cart is made on first use; a visitor must have created theirs."""
    customer = signed_in_user(request)
    if customer is not None:
        return get_or_create_cart(session=request.session, customer=customer)
    return get_cart_for_client(customer=None, token=cart_token_of(request))


class CartCreateApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="carts_create",
        request=None,
        parameters=[CART_TOKEN],
        responses={201: CartOutput},
        tags=["cart"],
    )
    def post(self, request: Request) -> Response:
        """A visitor gets a new cart and its token. A customer gets their own cart; a visitor
        cart's token sent along is merged into it (what logging in does on the storefront)."""
        customer = signed_in_user(request)
        if customer is None:
            return Response(cart_body(create_visitor_cart(), is_new=True), status=status.HTTP_201_CREATED)
        cart = get_or_create_cart(session=request.session, customer=customer)
        token = cart_token_of(request)
        if token and (visitor_cart := find_cart_for_client(customer=None, token=token)) is not None:
            cart = merge_carts(source=visitor_cart, target=cart)
        return Response(cart_body(cart), status=status.HTTP_201_CREATED)


class CartDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(parameters=[CART_TOKEN], responses={200: CartOutput}, tags=["cart"])
    def get(self, request: Request) -> Response:
        """The client's cart: the customer's own (empty if they have none yet), or the visitor
        cart of the token."""
        customer = signed_in_user(request)
        if customer is not None:
            # A read never writes: a customer without a cart sees an empty one, unsaved; adding
            # a line makes the row.
            cart = find_cart_for_client(customer=customer, token=None) or Cart(customer=customer)
        else:
            cart = get_cart_for_client(customer=None, token=cart_token_of(request))
        return Response(cart_body(cart))


class CartLineCreateApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[CART_TOKEN],
        request=AddCartLineInput,
        responses={201: CartOutput, **problems(409, description="Not enough in stock (`out_of_stock`).")},
        tags=["cart"],
    )
    def post(self, request: Request) -> Response:
        """Add a quantity of a variant; never beyond the stock available now."""
        cart = _cart_to_change(request)
        serializer = AddCartLineInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        add_to_cart(cart=cart, variant=params["variant_id"], quantity=params["quantity"])
        variant_added_to_cart.send(
            sender=Cart, request=request, variant=params["variant_id"], quantity=params["quantity"]
        )
        return Response(cart_body(cart), status=status.HTTP_201_CREATED)


class CartLineDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[CART_TOKEN],
        request=ChangeCartLineInput,
        responses={200: CartOutput, **problems(409, description="Not enough in stock (`out_of_stock`).")},
        tags=["cart"],
    )
    def patch(self, request: Request, line_id: int) -> Response:
        """Set a line's quantity; zero removes it."""
        cart = _cart_to_change(request)
        serializer = ChangeCartLineInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        set_cart_line_quantity(cart=cart, line_id=line_id, quantity=serializer.validated_data["quantity"])
        return Response(cart_body(cart))

    @extend_schema(parameters=[CART_TOKEN], responses={200: CartOutput}, tags=["cart"])
    def delete(self, request: Request, line_id: int) -> Response:
        """Remove a line; answers with what is left in the cart."""
        cart = _cart_to_change(request)
        remove_cart_line(cart=cart, line_id=line_id)
        return Response(cart_body(cart))
