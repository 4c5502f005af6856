"""Wrong gift card codes are limited per client address and per cart (10 in 10 minutes): past
that, no code is looked up, on the checkout page (a form error, the form kept) and in the API
(429 problem). Codes that work are never counted, nor the same wrong code sent again by the
live summary."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.tests.factories import ShippingMethodFactory, make_address
from emporium.giftcards.models import GiftCard
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.models import Order

pytestmark = pytest.mark.django_db

CODE = "7KQ2-M9XD-4RT8-PZ3A"
LIMIT = 10


def _wrong(n: int) -> str:
    return f"WRNG-CODE-{n:04d}-XXXX"


def _form(method, **overrides):
    data = {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB", "billing_same": "on",
        "shipping_method": method.pk, "voucher_code": "", "idempotency_key": "0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11",
    }  # fmt: skip
    return {**data, **overrides}


@pytest.fixture
def shopper(client):
    client.post("/cart/add/", {"variant": VariantFactory.create(price_amount="20.00").pk, "quantity": 1})
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("15.00"))
    return client


def test_past_the_limit_the_checkout_page_refuses_even_a_good_code_and_keeps_the_form(shopper):
    method = ShippingMethodFactory.create()
    for n in range(LIMIT):
        assert shopper.post("/checkout/", _form(method, gift_card_code=_wrong(n))).status_code == 422

    response = shopper.post("/checkout/", _form(method, gift_card_code=CODE))

    html = response.content.decode()
    assert response.status_code == 422
    assert "You have tried several gift card codes that did not work" in html
    assert f'value="{CODE}"' in html
    assert 'value="2 Park Row"' in html
    assert not Order.objects.exists()
    assert GiftCard.objects.get().balance_amount == Decimal("15.00")


def test_within_the_limit_a_good_code_still_places_the_order(shopper):
    method = ShippingMethodFactory.create()
    for n in range(LIMIT - 1):
        shopper.post("/checkout/", _form(method, gift_card_code=_wrong(n)))

    response = shopper.post("/checkout/", _form(method, gift_card_code=CODE))

    assert response.status_code == 302
    assert Order.objects.get().gift_card_amount == Decimal("15.00")


def test_the_no_javascript_update_and_the_live_summary_say_it_too(shopper):
    method = ShippingMethodFactory.create()
    for n in range(LIMIT):
        shopper.post("/checkout/", _form(method, gift_card_code=_wrong(n), preview="1"))

    page = shopper.post("/checkout/", _form(method, gift_card_code=CODE, preview="1"))
    summary = shopper.post(
        "/checkout/totals/", {"shipping_country": "GB", "shipping_method": method.pk, "gift_card_code": CODE}
    )

    assert page.status_code == 422
    assert "You have tried several gift card codes" in page.content.decode()
    assert summary.status_code == 200
    assert "You have tried several gift card codes" in summary.content.decode()


def test_the_live_summary_sending_the_same_wrong_code_again_counts_it_once(shopper):
    method = ShippingMethodFactory.create()
    summary = {"shipping_country": "GB", "shipping_method": method.pk, "gift_card_code": _wrong(1)}
    for _ in range(LIMIT * 2):
        shopper.post("/checkout/totals/", summary)

    response = shopper.post("/checkout/", _form(method, gift_card_code=CODE))

    assert response.status_code == 302


def _api_client() -> APIClient:
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(price_amount=Decimal("10.00")))
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=str(cart.token))
    return client


def _body(method, **extra):
    return {
        "email": "ann@example.com",
        "shipping_address": make_address(),
        "shipping_method_id": method.pk,
        **extra,
    }


def test_past_the_limit_the_api_answers_429_with_a_problem():
    GiftCardFactory.create(code=CODE)
    method = ShippingMethodFactory.create()
    client = _api_client()
    for n in range(LIMIT):
        wrong = client.post(
            "/api/v1/checkout/preview/", _body(method, gift_card_code=_wrong(n)), format="json"
        )
        assert wrong.status_code == 409

    preview = client.post("/api/v1/checkout/preview/", _body(method, gift_card_code=CODE), format="json")
    body = _body(method, gift_card_code=CODE, idempotency_key="0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11")
    placing = client.post("/api/v1/checkout/orders/", body, format="json")

    for response in (preview, placing):
        assert response.status_code == 429
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "too_many_gift_card_codes"
    assert not Order.objects.exists()


def test_a_new_cart_from_the_same_address_does_not_escape_the_limit():
    method = ShippingMethodFactory.create()
    for n in range(LIMIT):
        _api_client().post(
            "/api/v1/checkout/preview/", _body(method, gift_card_code=_wrong(n)), format="json"
        )

    response = _api_client().post(
        "/api/v1/checkout/preview/", _body(method, gift_card_code=CODE), format="json"
    )

    assert response.status_code == 429


def test_codes_that_work_are_never_counted():
    GiftCardFactory.create(code=CODE)
    method = ShippingMethodFactory.create()
    client = _api_client()

    statuses = {
        client.post(
            "/api/v1/checkout/preview/", _body(method, gift_card_code=CODE), format="json"
        ).status_code
        for _ in range(LIMIT + 5)
    }

    assert statuses == {200}
