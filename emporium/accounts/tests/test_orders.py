"""Order history: customers see their own orders and nobody else's. The pages are the orders
app's (emporium.orders.views), in the account section at /account/orders/."""

import random

import pytest
from django.test import Client

from emporium.accounts.tests.factories import UserFactory
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def test_order_history_lists_the_customers_own_orders_newest_first(client):
    customer = UserFactory.create()
    older = OrderFactory.create(customer=customer, number="EM-000001", placed_at="2025-01-01T10:00Z")
    newer = OrderFactory.create(customer=customer, number="EM-000002", placed_at="2025-03-01T10:00Z")
    OrderFactory.create(number="EM-999999")  # someone else's
    client.force_login(customer)

    response = client.get("/account/orders/")

    assert [order.number for order in response.context["orders"]] == [newer.number, older.number]
    assert "EM-999999" not in response.content.decode()


@pytest.mark.parametrize("orders", [3, 45])
def test_order_history_runs_a_fixed_number_of_queries(
    orders, client, django_assert_num_queries, session_queries
):
    customer = UserFactory.create()
    for order in OrderFactory.create_batch(orders, customer=customer):
        OrderLineFactory.create_batch(2, order=order, variant=None, product_name="Mug", sku="MUG")
    client.force_login(customer)
    client.get("/account/orders/")  # warms the storefront's cached header navigation

    # (session,) user, the count for the pages, one page of orders with their line counts
    with django_assert_num_queries(session_queries + 3):
        client.get("/account/orders/?page=2")


def test_order_history_pages_through_a_long_history_oldest_last():
    customer = UserFactory.create()
    numbers = [
        OrderFactory.create(customer=customer, placed_at=f"2025-01-{day:02d}T10:00Z").number
        for day in range(1, 26)
    ]
    client = Client()
    client.force_login(customer)

    first = client.get("/account/orders/")
    second = client.get("/account/orders/?page=2")
    beyond = client.get("/account/orders/?page=99")

    newest_first = numbers[::-1]
    assert [order.number for order in first.context["orders"]] == newest_first[:20]
    assert [order.number for order in second.context["orders"]] == newest_first[20:]
    assert "Older orders" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()
    assert beyond.context["page"].number == 2  # the last page, not an error


def test_order_detail_shows_the_lines(client):
    customer = UserFactory.create()
    order = OrderFactory.create(customer=customer, number="EM-000123")
    OrderLineFactory.create(order=order, variant=None, product_name="Enamel mug", sku="MUG-1", quantity=2)
    client.force_login(customer)

    html = client.get("/account/orders/EM-000123/").content.decode()

    assert "Enamel mug" in html
    assert "MUG-1" in html


def test_nobody_reads_another_customers_order_by_guessing_its_number(client):
    for sequence in range(1, 40):
        OrderFactory.create(number=f"EM-{sequence:06d}")  # other customers' orders
    attacker = UserFactory.create()
    OrderFactory.create(customer=attacker, number="EM-000040")
    client.force_login(attacker)

    guesses = [f"EM-{n:06d}" for n in [*range(30, 40), *random.sample(range(1, 1_000_000), 5)] if n != 40]
    for number in guesses:
        assert client.get(f"/account/orders/{number}/").status_code == 404, number


def test_account_overview_links_the_three_latest_orders(client):
    customer = UserFactory.create()
    for day in range(1, 5):
        OrderFactory.create(customer=customer, number=f"EM-00000{day}", placed_at=f"2025-01-0{day}T10:00Z")
    OrderFactory.create(number="EM-999999")  # someone else's
    client.force_login(customer)

    html = client.get("/account/").content.decode()

    for number in ("EM-000004", "EM-000003", "EM-000002"):
        assert f'<a href="/account/orders/{number}/">Order {number}</a>, ' in html
    assert "EM-000001" not in html
    assert "EM-999999" not in html


def test_account_overview_without_orders_says_so(client):
    client.force_login(UserFactory.create())

    assert "You have not ordered anything yet." in client.get("/account/").content.decode()
