"""Checkout API: the checkout page's services, for apps.

Shipping methods per country, a priced preview (addresses, shipping, voucher) and placing the
order with an idempotency key, and reading it back. Payment follows in the payments API
(/api/v1/payments/). A guest gets an order token with the order: sent back in X-Order-Token,
it opens that order and its payments (emporium.orders.selectors decides, as for the pages).
Prices, vouchers, stock and idempotency are the services' rules, shared with the checkout page.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import signed_in_user
from emporium.accounts.models import User
from emporium.accounts.selectors import get_address_for_customer
from emporium.cart.api.views import CART_TOKEN, cart_token_of
from emporium.cart.selectors import get_cart_for_client, list_cart_lines
from emporium.checkout.api.serializers import (
    CheckoutInput,
    PlacedOrderOutput,
    PlaceOrderInput,
    ShippingMethodFilters,
    ShippingMethodOutput,
    TotalsOutput,
)
from emporium.checkout.exceptions import EmptyCart
from emporium.checkout.selectors import list_shipping_methods_for_country, snapshot_address
from emporium.checkout.services import (
    CheckoutDetails,
    apply_gift_card,
    calculate_checkout_totals,
    place_order,
)
from emporium.core.api.schema import problems
from emporium.giftcards.limits import limiting_wrong_gift_card_codes
from emporium.orders.api.guest_access import ORDER_TOKEN, order_token_of
from emporium.orders.api.serializers import OrderDetailOutput
from emporium.orders.selectors import get_order_for_visitor
from emporium.orders.services import make_guest_order_token

GIFT_CARD_CODE_LIMIT = problems(
    429,
    description="`too_many_gift_card_codes`: this client or cart tried too many wrong gift card "
    "codes lately (10 in 10 minutes); no code is looked up until then.",
)
CHECKOUT_PROBLEMS = {
    **problems(
        409,
        description="The cart cannot be priced as asked: `empty_cart`, `voucher_not_applicable`, "
        "`gift_card_not_applicable` or `shipping_method_not_available` (stock and sale are checked when the order is placed).",
    ),
    **GIFT_CARD_CODE_LIMIT,
}
PLACE_ORDER_PROBLEMS = {
    **problems(
        409,
        description="The cart cannot be checked out as asked: `empty_cart`, `out_of_stock`, "
        "`item_not_for_sale`, `voucher_not_applicable`, `gift_card_not_applicable` or "
        "`shipping_method_not_available`; `promotion_used_up`: a limited promotion the cart was "
        "priced with ran out (nothing is charged; price the cart again); or "
        "`idempotency_key_reused`: another cart or customer placed an order with this key.",
    ),
    **GIFT_CARD_CODE_LIMIT,
}


def _address(*, params: dict[str, Any], kind: str, customer: User | None) -> dict[str, str] | None:
    if (address_id := params.get(f"{kind}_address_id")) is not None:
        if customer is None:
            raise serializers.ValidationError({f"{kind}_address_id": ["Log in to use your address book."]})
        # Another customer's address is 404, like every object that is not the caller's.
        return snapshot_address(address=get_address_for_customer(customer=customer, address_id=address_id))
    address = params.get(f"{kind}_address")
    return dict(address) if address is not None else None


def _details(*, params: dict[str, Any], customer: User | None) -> CheckoutDetails:
    email = params.get("email") or (customer.email if customer else "")
    if not email:
        raise serializers.ValidationError({"email": ["Visitors must give an e-mail address."]})
    shipping = _address(params=params, kind="shipping", customer=customer)
    assert shipping is not None  # the input requires one or the other
    billing = _address(params=params, kind="billing", customer=customer) or shipping
    return CheckoutDetails(
        email=email,
        shipping_address=shipping,
        billing_address=billing,
        shipping_method=params.get("shipping_method_id"),
        voucher_code=params.get("voucher_code", ""),
        gift_card_code=params.get("gift_card_code", ""),
        save_shipping_address=customer is not None
        and params.get("save_address", False)
        and "shipping_address" in params,
    )


class ShippingMethodListApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[ShippingMethodFilters],
        responses={200: ShippingMethodOutput(many=True)},
        tags=["checkout"],
    )
    def get(self, request: Request) -> Response:
        """Active shipping methods; only those that deliver to `country`, and only those priced
        in `currency` (a cart's currency: checkout refuses a method in another), when given."""
        filters = ShippingMethodFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        methods = list_shipping_methods_for_country(
            country=filters.validated_data.get("country"), currency=filters.validated_data.get("currency")
        )
        return Response(ShippingMethodOutput(methods, many=True).data)


class CheckoutPreviewApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="checkout_preview",
        parameters=[CART_TOKEN],
        request=CheckoutInput,
        responses={200: TotalsOutput, **CHECKOUT_PROBLEMS},
        tags=["checkout"],
    )
    def post(self, request: Request) -> Response:
        """Price the cart as it would be ordered: shipping, voucher, VAT and total, and with a
        gift card, its part and what is left to pay. Changes nothing (the card is not spent)."""
        customer = signed_in_user(request)
        cart = get_cart_for_client(customer=customer, token=cart_token_of(request))
        serializer = CheckoutInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        details = _details(params=serializer.validated_data, customer=customer)
        lines = list_cart_lines(cart=cart)
        if not lines:
            raise EmptyCart()
        totals, voucher = calculate_checkout_totals(
            lines=lines, details=details, customer=customer, currency=cart.currency
        )
        with limiting_wrong_gift_card_codes(
            request=request, code=details.gift_card_code, cart_key=str(cart.pk)
        ):
            gift_card = apply_gift_card(code=details.gift_card_code, totals=totals)
        promotions = totals.promotions
        body = {
            **totals.__dict__,
            "promotions": promotions.applied if promotions else [],
            "line_discounts": [item for item in promotions.items if item.discount] if promotions else [],
            "voucher_code": voucher.code if voucher else "",
            "gift_card": gift_card.card.masked_code if gift_card else "",
            "gift_card_amount": gift_card.split.gift_card if gift_card else 0,
            "to_pay": gift_card.split.to_pay if gift_card else totals.total,
        }
        return Response(TotalsOutput(body).data)


class PlaceOrderApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="checkout_place_order",
        parameters=[CART_TOKEN],
        request=PlaceOrderInput,
        responses={201: PlacedOrderOutput, **PLACE_ORDER_PROBLEMS},
        tags=["checkout"],
    )
    def post(self, request: Request) -> Response:
        """Turn the cart into an unpaid order that holds its stock; pay it next.

        Idempotent: the same `idempotency_key` from the same cart returns the same order, however
        often it is sent (201 each time). The key sent from another cart, or by another customer,
        is a 409 `idempotency_key_reused`: that order is not theirs. A guest gets an
        `order_token` with it: the X-Order-Token that reads and pays the order.
        """
        customer = signed_in_user(request)
        cart = get_cart_for_client(customer=customer, token=cart_token_of(request))
        serializer = PlaceOrderInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        details = _details(params=params, customer=customer)
        with limiting_wrong_gift_card_codes(
            request=request, code=details.gift_card_code, cart_key=str(cart.pk)
        ):
            order = place_order(
                cart=cart, customer=customer, details=details, idempotency_key=params["idempotency_key"]
            )
        # place_order returned an existing order only to the cart and customer that placed it.
        body = dict(PlacedOrderOutput(order).data)
        if customer is None:  # a customer proves the order theirs by logging in
            body["order_token"] = make_guest_order_token(order=order)
        return Response(body, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="checkout_order_detail",
        parameters=[ORDER_TOKEN],
        responses={200: OrderDetailOutput},
        tags=["checkout"],
    )
    def get(self, request: Request, number: str) -> Response:
        """An order you placed: yours if logged in, or a guest's with its X-Order-Token.

        Any other order is 404, as is a number that does not exist."""
        order = get_order_for_visitor(
            number=number, customer=signed_in_user(request), session=None, order_token=order_token_of(request)
        )
        return Response(OrderDetailOutput(order).data)
