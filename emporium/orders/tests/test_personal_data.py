"""A customer's orders in "download my data" and "close my account": accounts reaches them only
through the holder orders registers (emporium.accounts.personal_data)."""

from decimal import Decimal

import pytest

from emporium.accounts.personal_data import registered_holders
from emporium.accounts.selectors import get_personal_data
from emporium.accounts.services import delete_account
from emporium.accounts.tests.factories import UserFactory
from emporium.orders.models import Order, OrderLine
from emporium.orders.personal_data import order_history
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def test_orders_register_their_holder_of_personal_data():
    assert order_history in registered_holders()


def test_closing_an_account_blanks_the_email_on_its_orders_and_keeps_them():
    customer = UserFactory.create(email="ann@example.com")
    own = OrderFactory.create_batch(2, customer=customer, email="ann@example.com")
    OrderLineFactory.create(order=own[0], variant=None)
    someone_elses = OrderFactory.create(customer=UserFactory.create(), email="bob@example.com")
    guests = OrderFactory.create(customer=None, email="ann@example.com")

    delete_account(user=customer)

    assert list(Order.objects.filter(customer=customer).values_list("email", flat=True)) == ["", ""]
    assert OrderLine.objects.filter(order=own[0]).count() == 1
    assert Order.objects.get(pk=someone_elses.pk).email == "bob@example.com"
    assert Order.objects.get(pk=guests.pk).email == "ann@example.com"  # not the account's order


def test_the_export_ends_with_the_customers_orders_newest_first():
    customer = UserFactory.create()
    older = OrderFactory.create(customer=customer, placed_at="2025-01-01T10:00Z")
    newer = OrderFactory.create(customer=customer, placed_at="2025-03-01T10:00Z")
    OrderLineFactory.create(order=older, variant=None, sku="MUG-1", unit_price_amount=Decimal("4.95"))
    OrderFactory.create()  # someone else's

    data = get_personal_data(user=customer)

    assert list(data) == [
        "exported_at",
        "profile",
        "email_addresses",
        "addresses",
        "connected_accounts",
        "two_factor_authentication",
        "orders",
    ]
    assert [order["number"] for order in data["orders"]] == [newer.number, older.number]
    assert [line["sku"] for line in data["orders"][1]["lines"]] == ["MUG-1"]
    assert data["orders"][0]["lines"] == []
