"""The customer's own addresses and orders through the API: theirs only, whatever id is sent."""

import random

import pytest
from rest_framework.test import APIClient

from emporium.accounts.models import Address
from emporium.accounts.tests.factories import AddressFactory, UserFactory
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Ann Example",
    "line1": "1 Harbour Road",
    "city": "Bristol",
    "postcode": "BS1 5TY",
    "country": "GB",
}


@pytest.fixture
def customer():
    return UserFactory.create()


@pytest.fixture
def api(customer) -> APIClient:
    client = APIClient()
    client.force_authenticate(customer)
    return client


def test_customer_adds_lists_changes_and_deletes_addresses(api, customer):
    created = api.post("/api/v1/account/addresses/", ADDRESS, format="json")
    address_id = created.json()["id"]
    changed = api.put(f"/api/v1/account/addresses/{address_id}/", {**ADDRESS, "city": "Bath"}, format="json")
    listed = api.get("/api/v1/account/addresses/")
    deleted = api.delete(f"/api/v1/account/addresses/{address_id}/")

    assert created.status_code == 201
    assert created.json()["is_default_shipping"]  # the first address
    assert changed.json()["city"] == "Bath"
    assert [address["id"] for address in listed.json()] == [address_id]
    assert deleted.status_code == 204
    assert not Address.objects.filter(customer=customer).exists()


def test_invalid_address_is_a_problem_naming_the_field(api):
    response = api.post("/api/v1/account/addresses/", {**ADDRESS, "country": "XX"}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "country" in response.json()["errors"]


def test_nobody_reads_changes_or_deletes_another_customers_address_by_guessing_ids(api, customer):
    theirs = AddressFactory.create_batch(3)
    own = AddressFactory.create(customer=customer)
    guesses = [*range(max(1, own.pk - 5), own.pk + 6), *random.sample(range(1, 10_000_000), 5)]

    for address_id in (guess for guess in guesses if guess != own.pk):
        url = f"/api/v1/account/addresses/{address_id}/"
        assert api.get(url).status_code == 404
        assert api.put(url, {**ADDRESS, "city": "Hacked"}, format="json").status_code == 404
        assert api.delete(url).status_code == 404

    for address in theirs:
        address.refresh_from_db()
        assert address.city == "Bristol"


def test_address_list_holds_only_the_customers_own(api, customer):
    AddressFactory.create_batch(2)
    own = AddressFactory.create(customer=customer)

    assert [address["id"] for address in api.get("/api/v1/account/addresses/").json()] == [own.pk]


def test_customer_lists_and_reads_their_orders(api, customer):
    order = OrderFactory.create(customer=customer, number="EM-000001")
    OrderLineFactory.create(order=order, variant=None, sku="MUG-1")
    OrderFactory.create(number="EM-000002")

    listed = api.get("/api/v1/account/orders/").json()
    detail = api.get("/api/v1/account/orders/EM-000001/").json()

    assert [entry["number"] for entry in listed["results"]] == ["EM-000001"]
    assert [line["sku"] for line in detail["lines"]] == ["MUG-1"]


def test_nobody_reads_another_customers_order_by_guessing_its_number(api, customer):
    for number in range(1, 20):
        OrderFactory.create(number=f"EM-{number:06d}")
    OrderFactory.create(customer=customer, number="EM-000020")

    for number in [*range(1, 20), *random.sample(range(21, 1_000_000), 5)]:
        response = api.get(f"/api/v1/account/orders/EM-{number:06d}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "url", ["/api/v1/account/addresses/", "/api/v1/account/orders/", "/api/v1/account/orders/EM-000001/"]
)
def test_account_endpoints_need_authentication(url):
    assert APIClient().get(url).status_code == 401


@pytest.mark.parametrize("page_size", [2, 20])
def test_order_list_is_cursor_paginated_with_a_fixed_number_of_queries(
    api, customer, page_size, django_assert_num_queries
):
    OrderFactory.create_batch(25, customer=customer)

    with django_assert_num_queries(1):
        first = api.get("/api/v1/account/orders/", {"page_size": page_size}).json()
    second = api.get(first["next"]).json()

    assert len(first["results"]) == page_size
    assert not {o["number"] for o in first["results"]} & {o["number"] for o in second["results"]}


@pytest.mark.parametrize("addresses", [1, 8])
def test_address_list_runs_one_query_whatever_its_length(api, customer, addresses, django_assert_num_queries):
    AddressFactory.create_batch(addresses, customer=customer)

    with django_assert_num_queries(1):
        response = api.get("/api/v1/account/addresses/")

    assert len(response.json()) == addresses
