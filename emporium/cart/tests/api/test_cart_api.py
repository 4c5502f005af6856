"""The cart API: visitors by an unguessable token, customers by who they are; nobody else's cart."""

from __future__ import annotations

import random
import uuid

import pytest
from rest_framework.test import APIClient

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.models import Cart, CartLine
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.core.tests.api_clients import bearer_client
from emporium.promotions.selectors import list_rules

pytestmark = pytest.mark.django_db


def _visitor_with_cart() -> tuple[APIClient, str]:
    client = APIClient()
    token = client.post("/api/v1/carts/").json()["token"]
    client.credentials(HTTP_X_CART_TOKEN=token)
    return client, token


def test_visitor_creates_a_cart_adds_changes_and_removes_lines():
    variant = VariantFactory.create(price_amount="4.95", stock_on_hand=10)
    client, token = _visitor_with_cart()

    added = client.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 2})
    line_id = added.json()["lines"][0]["id"]
    changed = client.patch(f"/api/v1/cart/lines/{line_id}/", {"quantity": 3})
    removed = client.delete(f"/api/v1/cart/lines/{line_id}/")

    assert uuid.UUID(token)
    assert added.status_code == 201
    assert added.json()["subtotal"] == {"amount": "9.90", "currency": "GBP"}
    assert changed.json()["item_count"] == 3
    assert removed.status_code == 200
    assert removed.json()["lines"] == []


def test_a_new_visitor_cart_costs_one_query_its_insert(django_assert_num_queries):
    client = APIClient()

    with django_assert_num_queries(1):  # nothing to read back: a new cart has no lines
        response = client.post("/api/v1/carts/")

    body = response.json()
    assert response.status_code == 201
    assert Cart.objects.get(token=body["token"]).lines.count() == 0
    assert (body["lines"], body["item_count"], body["promotions"]) == ([], 0, [])
    assert body["subtotal"] == body["discount"] == body["total"] == {"amount": "0.00", "currency": "GBP"}


def test_quantity_zero_removes_the_line():
    line = CartLineFactory.create(quantity=2)
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=str(line.cart.token))

    response = client.patch(f"/api/v1/cart/lines/{line.pk}/", {"quantity": 0})

    assert response.json()["lines"] == []
    assert not CartLine.objects.filter(pk=line.pk).exists()


def test_more_than_is_in_stock_is_a_409_problem():
    variant = VariantFactory.create(stock_on_hand=1)
    client, _ = _visitor_with_cart()

    response = client.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 2})

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["available"]) == ("out_of_stock", 1)


def test_unpublished_variant_cannot_be_added():
    variant = VariantFactory.create(product__is_published=False)
    client, _ = _visitor_with_cart()

    response = client.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 1})

    assert response.status_code == 400
    assert "variant_id" in response.json()["errors"]


@pytest.mark.parametrize(
    ("variant_id", "message"),
    [
        (10**30, "Choose an option that is still for sale."),  # beyond any id: not sent to the database
        (-1, "Choose an option that is still for sale."),
        ("lantern", "Incorrect type. Expected pk value, received str."),
        (True, "Incorrect type. Expected pk value, received bool."),
        ([1], "Incorrect type. Expected pk value, received list."),
    ],
)
def test_a_variant_id_of_nothing_for_sale_is_a_400_naming_the_field(variant_id, message):
    client, _ = _visitor_with_cart()

    response = client.post("/api/v1/cart/lines/", {"variant_id": variant_id, "quantity": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["variant_id"] == [message]


def test_customer_uses_their_own_cart_without_a_token():
    customer = UserFactory.create()
    variant = VariantFactory.create()
    client = bearer_client(customer)

    client.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 1})
    cart = client.get("/api/v1/cart/").json()

    assert cart["token"] is None
    assert [line["variant_id"] for line in cart["lines"]] == [variant.pk]
    assert Cart.objects.get(customer=customer).lines.count() == 1


def test_customer_merges_the_visitor_cart_they_filled_before_logging_in():
    customer = UserFactory.create()
    visitor_line = CartLineFactory.create(quantity=2)
    client = bearer_client(customer)

    merged = client.post("/api/v1/carts/", HTTP_X_CART_TOKEN=str(visitor_line.cart.token)).json()

    assert [(line["variant_id"], line["quantity"]) for line in merged["lines"]] == [
        (visitor_line.variant_id, 2)
    ]
    assert not Cart.objects.filter(pk=visitor_line.cart_id).exists()


def test_without_a_token_a_visitor_has_no_cart():
    response = APIClient().get("/api/v1/cart/")

    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"


@pytest.mark.parametrize("token", ["not-a-uuid", "a random uuid", ""])
def test_a_guessed_or_malformed_token_finds_no_cart(token):
    CartLineFactory.create_batch(3)
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=str(uuid.uuid4()) if token == "a random uuid" else token)

    assert client.get("/api/v1/cart/").status_code == 404
    assert client.post("/api/v1/cart/lines/", {"variant_id": 1, "quantity": 1}).status_code == 404


def test_nobody_reads_or_changes_another_clients_cart_lines_by_guessing_ids():
    customer = UserFactory.create()
    others = [CartLineFactory.create(cart=CartFactory.create(customer=UserFactory.create(), token=None))]
    others += CartLineFactory.create_batch(3)  # visitors' carts
    own = CartLineFactory.create(cart=CartFactory.create(customer=customer, token=None))
    visitor, _ = _visitor_with_cart()
    # Every id from the first line made here to a few past the last, and some far off. Not
    # from 1: on PostgreSQL ids keep counting across the test run, and hundreds of guesses
    # would meet the API's request limit before they met a wrong answer.
    first = min(line.pk for line in others)
    guesses = [*range(first - 3, own.pk + 10), *random.sample(range(own.pk + 10, 10_000_000), 5)]

    for client in (bearer_client(customer), visitor):
        for line_id in guesses:
            if line_id == own.pk and client is not visitor:
                continue
            url = f"/api/v1/cart/lines/{line_id}/"
            assert client.patch(url, {"quantity": 5}).status_code == 404
            assert client.delete(url).status_code == 404

    assert all(CartLine.objects.get(pk=line.pk).quantity == line.quantity for line in others)


def test_a_customer_cannot_use_a_visitor_token_to_read_that_cart():
    visitor_line = CartLineFactory.create()
    client = bearer_client(UserFactory.create())

    cart = client.get("/api/v1/cart/", HTTP_X_CART_TOKEN=str(visitor_line.cart.token)).json()

    assert cart["lines"] == []  # their own (empty) cart; a token is only merged when they ask to


def test_reading_a_customers_cart_never_creates_one():
    client = bearer_client(UserFactory.create())

    response = client.get("/api/v1/cart/")

    assert response.status_code == 200
    assert (response.json()["token"], response.json()["item_count"], response.json()["lines"]) == (
        None,
        0,
        [],
    )
    assert Cart.objects.count() == 0


@pytest.mark.parametrize("lines", [1, 12])
def test_cart_runs_a_fixed_number_of_queries_whatever_its_size(lines, django_assert_num_queries):
    cart = CartFactory.create()
    for _ in range(lines):
        CartLineFactory.create(cart=cart)
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=str(cart.token))
    # The promotions' rules are one cached snapshot every request shares (one query when cold,
    # whatever the cart: emporium/promotions/tests/test_listings.py counts that case).
    list_rules()

    with django_assert_num_queries(2):  # the cart by token, its lines with variants and products
        response = client.get("/api/v1/cart/")

    assert len(response.json()["lines"]) == lines
