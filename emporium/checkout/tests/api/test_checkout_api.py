"""The checkout API: the checkout page's services, with an idempotency key."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from emporium.accounts.tests.factories import AddressFactory, UserFactory
from emporium.cart.models import CartLine
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.tests.factories import (
    ShippingMethodFactory,
    TaxRateFactory,
    VoucherFactory,
    make_address,
)
from emporium.core.tests.api_clients import bearer_client
from emporium.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipping():
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))
    return ShippingMethodFactory.create(name="Royal Mail", price_amount=Decimal("3.95"), countries="GB")


def _visitor_cart(*, quantity: int = 2, stock: int = 10) -> tuple[APIClient, Decimal]:
    cart = CartFactory.create()
    variant = VariantFactory.create(price_amount=Decimal("10.00"), stock_on_hand=stock)
    CartLineFactory.create(cart=cart, variant=variant, quantity=quantity)
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=str(cart.token))
    return client, Decimal("10.00") * quantity


def _order_body(shipping, **extra):
    return {
        "email": "ann@example.com",
        "shipping_address": make_address(),
        "shipping_method_id": shipping.pk,
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def test_shipping_methods_for_a_country(shipping):
    ShippingMethodFactory.create(name="Anywhere", countries="")
    ShippingMethodFactory.create(name="France only", countries="FR")

    to_gb = APIClient().get("/api/v1/checkout/shipping-methods/", {"country": "GB"}).json()

    assert [method["name"] for method in to_gb] == ["Royal Mail", "Anywhere"]
    assert to_gb[0]["countries"] == ["GB"]


def test_preview_prices_shipping_voucher_and_vat_without_placing(shipping):
    VoucherFactory.create(code="TENOFF", value=Decimal(10))
    client, _ = _visitor_cart()

    body = _order_body(shipping, voucher_code="tenoff")
    body.pop("idempotency_key")
    totals = client.post("/api/v1/checkout/preview/", body).json()

    assert totals["subtotal"] == "20.00"
    assert totals["discount"] == "2.00"
    assert totals["shipping"] == "3.95"
    assert totals["total"] == "21.95"
    assert totals["voucher_code"] == "TENOFF"
    assert not Order.objects.exists()


def test_unknown_voucher_is_a_409_problem(shipping):
    client, _ = _visitor_cart()

    response = client.post("/api/v1/checkout/orders/", _order_body(shipping, voucher_code="NOPE"))

    assert response.status_code == 409
    assert response.json()["code"] == "voucher_not_applicable"


def test_visitor_places_an_order_once_whatever_the_retries(shipping):
    client, _ = _visitor_cart()
    body = _order_body(shipping)

    first = client.post("/api/v1/checkout/orders/", body)
    retry = client.post("/api/v1/checkout/orders/", body)

    assert first.status_code == retry.status_code == 201
    assert first.json()["number"] == retry.json()["number"]
    assert first.json()["status"] == OrderStatus.UNPAID
    assert Order.objects.count() == 1


def test_visitor_must_give_an_email(shipping):
    client, _ = _visitor_cart()

    response = client.post("/api/v1/checkout/orders/", _order_body(shipping, email=""))

    assert response.status_code == 400
    assert "email" in response.json()["errors"]


@pytest.mark.parametrize(
    ("method_id", "message"),
    [
        ("inactive", 'Invalid pk "{pk}" - object does not exist.'),
        (10**30, 'Invalid pk "{pk}" - object does not exist.'),  # beyond any id: never sent
        ("royal-mail", "Incorrect type. Expected pk value, received str."),
        (True, "Incorrect type. Expected pk value, received bool."),
    ],
)
def test_a_shipping_method_id_of_no_active_method_is_a_400_and_places_nothing(shipping, method_id, message):
    if method_id == "inactive":
        method_id = ShippingMethodFactory.create(is_active=False, countries="GB").pk
    client, _ = _visitor_cart()

    response = client.post(
        "/api/v1/checkout/orders/", _order_body(shipping, shipping_method_id=method_id), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["shipping_method_id"] == [message.format(pk=method_id)]
    assert not Order.objects.exists()


def test_out_of_stock_at_checkout_is_a_409_problem(shipping):
    client, _ = _visitor_cart(quantity=2, stock=2)
    CartLineFactory._meta.model.objects.update(quantity=3)  # the stock fell since it was added

    response = client.post("/api/v1/checkout/orders/", _order_body(shipping))

    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"


def test_empty_cart_is_a_409_problem(shipping):
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=str(CartFactory.create().token))

    response = client.post("/api/v1/checkout/orders/", _order_body(shipping))

    assert (response.status_code, response.json()["code"]) == (409, "empty_cart")


def test_customer_checks_out_to_a_saved_address_and_sees_the_order(shipping):
    customer = UserFactory.create()
    address = AddressFactory.create(customer=customer, city="Bath")
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    client = bearer_client(customer)
    body = _order_body(shipping, shipping_address_id=address.pk)
    del body["shipping_address"], body["email"]

    placed = client.post("/api/v1/checkout/orders/", body).json()
    listed = client.get("/api/v1/account/orders/").json()

    assert placed["email"] == customer.email
    assert placed["shipping_address"]["city"] == placed["billing_address"]["city"] == "Bath"
    assert [order["number"] for order in listed["results"]] == [placed["number"]]


def test_another_customers_saved_address_is_404(shipping):
    customer = UserFactory.create()
    theirs = AddressFactory.create()
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    body = _order_body(shipping, shipping_address_id=theirs.pk)
    del body["shipping_address"]

    response = bearer_client(customer).post("/api/v1/checkout/orders/", body)

    assert response.status_code == 404
    assert not Order.objects.exists()


def test_an_idempotency_key_of_somebody_elses_order_is_a_409_that_reveals_nothing(shipping):
    client, _ = _visitor_cart()
    body = _order_body(shipping)
    placed = client.post("/api/v1/checkout/orders/", body).json()
    customer = UserFactory.create()
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))

    response = bearer_client(customer).post("/api/v1/checkout/orders/", body)

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_reused")
    assert placed["number"] not in response.content.decode()


def test_a_second_guest_replaying_a_guests_key_gets_a_409_and_no_order_token(shipping):
    first, _ = _visitor_cart()
    body = _order_body(shipping)
    placed = first.post("/api/v1/checkout/orders/", body).json()
    second, _ = _visitor_cart()  # another visitor, with a cart of their own

    response = second.post("/api/v1/checkout/orders/", body)

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_reused")
    assert "order_token" not in response.json()
    assert placed["number"] not in response.content.decode()
    assert Order.objects.count() == 1


def test_a_guest_replaying_its_own_key_after_its_cart_emptied_gets_its_order_again(shipping):
    client, _ = _visitor_cart()
    body = _order_body(shipping)
    first = client.post("/api/v1/checkout/orders/", body).json()

    retry = client.post("/api/v1/checkout/orders/", body)  # the cart was emptied by the first

    assert retry.status_code == 201
    assert retry.json()["number"] == first["number"]
    assert retry.json()["order_token"]


def test_an_unpublished_product_in_the_cart_is_a_409_naming_it(shipping):
    client, _ = _visitor_cart()
    line = CartLine.objects.select_related("variant__product").get()
    line.variant.product.is_published = False
    line.variant.product.save()

    response = client.post("/api/v1/checkout/orders/", _order_body(shipping))

    assert (response.status_code, response.json()["code"]) == (409, "item_not_for_sale")
    assert line.variant.product.name in response.json()["detail"]
    assert not Order.objects.exists()


def test_a_shipping_method_priced_in_another_currency_is_refused(shipping):
    client, _ = _visitor_cart()
    in_euros = ShippingMethodFactory.create(name="La Poste", currency="EUR", price_amount=Decimal("5.00"))

    response = client.post("/api/v1/checkout/orders/", _order_body(in_euros))

    assert (response.status_code, response.json()["code"]) == (409, "shipping_method_not_available")
    assert not Order.objects.exists()


def test_shipping_methods_in_a_currency(shipping):
    ShippingMethodFactory.create(name="La Poste", currency="EUR")

    in_euros = APIClient().get("/api/v1/checkout/shipping-methods/", {"currency": "EUR"}).json()

    assert [method["name"] for method in in_euros] == ["La Poste"]


def test_customer_may_keep_the_address_typed_at_checkout(shipping):
    customer = UserFactory.create()
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    client = bearer_client(customer)

    client.post("/api/v1/checkout/orders/", _order_body(shipping, save_address=True))
    book = client.get("/api/v1/account/addresses/").json()

    assert [address["line1"] for address in book] == [make_address()["line1"]]


def _guest_places_an_order(shipping) -> tuple[APIClient, dict]:
    client, _ = _visitor_cart()
    return client, client.post("/api/v1/checkout/orders/", _order_body(shipping)).json()


def test_a_guest_reads_the_order_it_placed_with_its_order_token(shipping):
    _, placed = _guest_places_an_order(shipping)
    guest = APIClient()  # a new client holding only the token: no cookies, no cart
    guest.credentials(HTTP_X_ORDER_TOKEN=placed["order_token"])

    order = guest.get(f"/api/v1/checkout/orders/{placed['number']}/").json()

    assert (order["number"], order["status"], order["total_amount"]) == (
        placed["number"],
        OrderStatus.UNPAID,
        placed["total_amount"],
    )
    assert len(order["lines"]) == 1


def test_without_the_token_a_guest_order_is_a_404_problem(shipping):
    client, placed = _guest_places_an_order(shipping)

    response = client.get(f"/api/v1/checkout/orders/{placed['number']}/")

    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")


def test_a_token_for_one_order_does_not_open_another(shipping):
    _, first = _guest_places_an_order(shipping)
    _, second = _guest_places_an_order(shipping)
    client = APIClient()
    client.credentials(HTTP_X_ORDER_TOKEN=first["order_token"])

    assert client.get(f"/api/v1/checkout/orders/{second['number']}/").status_code == 404


@pytest.mark.parametrize("token", ["tampered", "expired"])
def test_a_tampered_or_expired_token_is_404(shipping, settings, token):
    _, placed = _guest_places_an_order(shipping)
    client = APIClient()
    if token == "tampered":
        client.credentials(HTTP_X_ORDER_TOKEN=placed["order_token"][:-2] + "xx")
    else:
        settings.GUEST_ORDER_TOKEN_DAYS = -1  # every token is older than that
        client.credentials(HTTP_X_ORDER_TOKEN=placed["order_token"])

    assert client.get(f"/api/v1/checkout/orders/{placed['number']}/").status_code == 404


def test_a_guest_token_does_not_open_a_customers_order(shipping):
    _, placed = _guest_places_an_order(shipping)
    customer = UserFactory.create()
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    theirs = bearer_client(customer).post("/api/v1/checkout/orders/", _order_body(shipping)).json()
    client = APIClient()
    client.credentials(HTTP_X_ORDER_TOKEN=placed["order_token"])

    assert client.get(f"/api/v1/checkout/orders/{theirs['number']}/").status_code == 404


def test_a_customer_reads_their_order_and_gets_no_token(shipping):
    customer = UserFactory.create()
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    client = bearer_client(customer)

    placed = client.post("/api/v1/checkout/orders/", _order_body(shipping)).json()
    response = client.get(f"/api/v1/checkout/orders/{placed['number']}/")

    assert "order_token" not in placed
    assert (response.status_code, response.json()["number"]) == (200, placed["number"])


def test_another_customer_cannot_read_a_guest_order_without_its_token(shipping):
    _, placed = _guest_places_an_order(shipping)
    client = bearer_client(UserFactory.create())

    assert client.get(f"/api/v1/checkout/orders/{placed['number']}/").status_code == 404


@pytest.mark.parametrize("methods", [1, 10])
def test_shipping_methods_run_one_query_whatever_their_number(methods, django_assert_num_queries):
    ShippingMethodFactory.create_batch(methods)

    with django_assert_num_queries(1):
        response = APIClient().get("/api/v1/checkout/shipping-methods/", {"country": "GB"})

    assert len(response.json()) == methods


@pytest.mark.parametrize("component", ["CheckoutInputRequest", "PlaceOrderInputRequest"])
def test_the_schema_asks_for_one_shipping_address_and_at_most_one_billing_address(component):
    """The view refuses both or neither shipping address, and two billing addresses (400): the
    schema must not document those bodies as valid."""
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()["components"]["schemas"][component]

    assert schema["oneOf"] == [{"required": ["shipping_address"]}, {"required": ["shipping_address_id"]}]
    assert schema["not"] == {"required": ["billing_address", "billing_address_id"]}


def test_both_shipping_addresses_are_refused(shipping):
    client = bearer_client(customer := UserFactory.create())
    CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    body = _order_body(shipping, shipping_address_id=AddressFactory.create(customer=customer).pk)

    response = client.post("/api/v1/checkout/preview/", body, format="json")

    assert (response.status_code, list(response.json()["errors"])) == (400, ["shipping_address"])
