"""The checkout page and API take a gift card code; refusals are explained, never a 500."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.tests.factories import ShippingMethodFactory, make_address
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

CODE = "7KQ2-M9XD-4RT8-PZ3A"


def _form(method, **overrides):
    data = {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB", "billing_same": "on",
        "shipping_method": method.pk, "voucher_code": "", "idempotency_key": "0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11",
    }  # fmt: skip
    return {**data, **overrides}


def _add_to_cart(client, price="20.00"):
    client.post("/cart/add/", {"variant": VariantFactory.create(price_amount=price).pk, "quantity": 1})


def test_a_card_that_pays_part_leads_to_the_payment_page_for_the_rest(client):
    _add_to_cart(client)
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("15.00"))
    method = ShippingMethodFactory.create(price_amount="4.00")

    response = client.post("/checkout/", _form(method, gift_card_code=CODE))

    order = Order.objects.get()
    assert response["Location"] == f"/payments/orders/{order.number}/"
    html = client.get(response["Location"]).content.decode()
    assert "Amount to pay: <strong>£9.00</strong>" in html
    assert "Pay £9.00" in html


def test_a_card_that_pays_it_all_goes_to_the_order_page(client):
    _add_to_cart(client)
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("100.00"))

    response = client.post("/checkout/", _form(ShippingMethodFactory.create(), gift_card_code=CODE))

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert response.url == f"/checkout/orders/{order.number}/"
    html = client.get(response.url).content.decode()
    assert "Gift card (\N{HORIZONTAL ELLIPSIS}PZ3A)" in html
    assert "Pay now" not in html


def test_an_unknown_card_keeps_the_form_as_typed_and_says_why_next_to_the_field(client):
    _add_to_cart(client)

    response = client.post("/checkout/", _form(ShippingMethodFactory.create(), gift_card_code="NOPE-1234"))

    html = response.content.decode()
    assert response.status_code == 422
    assert "There is no gift card with this code" in html
    assert 'value="NOPE-1234"' in html
    assert 'value="2 Park Row"' in html
    assert not Order.objects.exists()


def test_the_live_summary_shows_the_card_and_what_is_left_to_pay(client):
    _add_to_cart(client)
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("10.00"))
    method = ShippingMethodFactory.create(price_amount="4.00")

    response = client.post(
        "/checkout/totals/", {"shipping_country": "GB", "shipping_method": method.pk, "gift_card_code": CODE}
    )

    html = response.content.decode()
    assert "£24.00" in html  # the total is unchanged
    assert "\N{MINUS SIGN}£10.00" in html
    assert 'To pay</th><td class="num"><strong>£14.00' in html


def test_the_live_summary_says_why_a_card_does_not_apply(client):
    _add_to_cart(client)
    GiftCardFactory.create(code=CODE, is_active=False)
    method = ShippingMethodFactory.create()

    response = client.post(
        "/checkout/totals/", {"shipping_country": "GB", "shipping_method": method.pk, "gift_card_code": CODE}
    )

    assert "switched off" in response.content.decode()


def _api_client(price="10.00", quantity=2):
    cart = CartFactory.create()
    CartLineFactory.create(
        cart=cart, variant=VariantFactory.create(price_amount=Decimal(price)), quantity=quantity
    )
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


def test_the_api_preview_gives_the_cards_part_and_what_is_left_to_pay():
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("5.00"))
    method = ShippingMethodFactory.create(price_amount=Decimal("4.00"))

    totals = (
        _api_client()
        .post("/api/v1/checkout/preview/", _body(method, gift_card_code=CODE), format="json")
        .json()
    )

    assert (totals["total"], totals["gift_card_amount"], totals["to_pay"]) == ("24.00", "5.00", "19.00")
    assert totals["gift_card"] == "\N{HORIZONTAL ELLIPSIS}PZ3A"


def test_the_api_preview_without_a_card_has_everything_to_pay():
    method = ShippingMethodFactory.create(price_amount=Decimal("4.00"))

    totals = _api_client().post("/api/v1/checkout/preview/", _body(method), format="json").json()

    assert (totals["gift_card_amount"], totals["to_pay"]) == ("0.00", "24.00")


def test_the_api_places_an_order_the_card_pays_in_part():
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("5.00"))
    method = ShippingMethodFactory.create(price_amount=Decimal("4.00"))
    body = _body(method, gift_card_code=CODE, idempotency_key="0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11")

    order = _api_client().post("/api/v1/checkout/orders/", body, format="json").json()

    assert (order["total_amount"], order["gift_card_amount"], order["amount_due_amount"]) == (
        "24.00", "5.00", "19.00",
    )  # fmt: skip


def test_the_api_refuses_an_expired_card_with_a_problem():
    GiftCardFactory.create(code=CODE, expires_at="2020-01-01T00:00:00Z")
    method = ShippingMethodFactory.create()
    body = _body(method, gift_card_code=CODE, idempotency_key="0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c11")

    response = _api_client().post("/api/v1/checkout/orders/", body, format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "gift_card_not_applicable"
    assert "expired" in response.json()["detail"]


def test_the_confirmation_e_mail_and_the_invoice_show_the_cards_part(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    _add_to_cart(client)
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("15.00"))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/checkout/", _form(ShippingMethodFactory.create(price_amount="4.00"), gift_card_code=CODE)
        )

    order = Order.objects.get()
    email = mailoutbox[0]
    html_part = str(email.alternatives[0][0])
    assert "Gift card (\N{HORIZONTAL ELLIPSIS}PZ3A)" in email.body
    assert "To pay" in email.body
    assert "\N{MINUS SIGN}£15.00" in html_part
    invoice = client.get(f"/checkout/orders/{order.number}/invoice/").content.decode()
    assert "Gift card (\N{HORIZONTAL ELLIPSIS}PZ3A)" in invoice
    pdf = client.get(f"/checkout/orders/{order.number}/invoice.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
