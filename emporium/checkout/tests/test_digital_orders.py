"""An order of gift cards only has nothing to deliver: no shipping method is asked for or charged."""

from dataclasses import replace
from decimal import Decimal
from uuid import uuid4

import pytest
from rest_framework.test import APIClient

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import make_product
from emporium.checkout.exceptions import ShippingMethodRequired
from emporium.checkout.services import SENT_BY_EMAIL, place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, make_address, make_details
from emporium.giftcards.models import GiftCardProduct
from emporium.orders.models import Order
from emporium.orders.selectors import list_order_totals

pytestmark = pytest.mark.django_db


def _gift_card(price: str = "25.00"):
    product = make_product("Gift card", price=price)
    variant = product.variants.get()
    GiftCardProduct.objects.create(variant=variant)
    return variant


def _form(**overrides):
    data = {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB", "billing_same": "on",
        "voucher_code": "", "idempotency_key": str(uuid4()),
    }  # fmt: skip
    return {**data, **overrides}


def test_a_cart_of_gift_cards_checks_out_without_a_shipping_method(client):
    ShippingMethodFactory.create(name="UK Standard")
    client.post("/cart/add/", {"variant": _gift_card().pk, "quantity": 2})

    page = client.get("/checkout/").content.decode()
    assert "Nothing to deliver" in page
    assert "UK Standard" not in page
    response = client.post("/checkout/", _form())

    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.shipping_amount, order.total_amount, order.shipping_method_name) == (
        Decimal("0.00"), Decimal("50.00"), SENT_BY_EMAIL,
    )  # fmt: skip
    assert ("Shipping (Sent by e-mail)", "£0.00") in [
        (r.label, r.formatted_amount) for r in list_order_totals(order=order)
    ]


def test_the_live_summary_prices_a_gift_card_order_without_a_method(client):
    client.post("/cart/add/", {"variant": _gift_card().pk, "quantity": 1})

    html = client.post("/checkout/totals/", _form()).content.decode()

    assert "£25.00</strong>" in html


def test_goods_beside_gift_cards_still_need_a_shipping_method(client):
    client.post("/cart/add/", {"variant": _gift_card().pk, "quantity": 1})
    client.post("/cart/add/", {"variant": make_product("Mug").variants.get().pk, "quantity": 1})
    ShippingMethodFactory.create(name="UK Standard")

    page = client.get("/checkout/").content.decode()
    response = client.post("/checkout/", _form())

    assert "UK Standard" in page
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not Order.objects.exists()


def test_the_service_refuses_goods_without_a_shipping_method():
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=make_product("Mug").variants.get())

    details = replace(make_details(), shipping_method=None)
    with pytest.raises(ShippingMethodRequired):
        place_order(cart=cart, customer=None, details=details, idempotency_key=uuid4())


def test_the_api_places_a_gift_card_order_without_a_method_and_refuses_goods_without_one():
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=_gift_card())
    api = APIClient()
    api.credentials(HTTP_X_CART_TOKEN=str(cart.token))
    body = {"email": "a@example.com", "shipping_address": make_address(), "idempotency_key": str(uuid4())}

    placed = api.post("/api/v1/checkout/orders/", body, format="json")

    assert placed.status_code == 201, placed.json()
    assert placed.json()["shipping_amount"] == "0.00"
    goods = CartFactory.create()
    CartLineFactory.create(cart=goods, variant=make_product("Mug").variants.get())
    api.credentials(HTTP_X_CART_TOKEN=str(goods.token))
    refused = api.post("/api/v1/checkout/orders/", {**body, "idempotency_key": str(uuid4())}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "shipping_method_required"
