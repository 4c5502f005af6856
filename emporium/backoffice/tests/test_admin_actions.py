"""The order admin's actions: staff move orders through the same services as code."""

import pytest

from emporium.accounts.tests.factories import StaffUserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.services import mark_order_paid
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False  # these tests are about the order admin, not the login
    client.force_login(StaffUserFactory.create(is_superuser=True))
    return client


def _reserved_order(*, quantity: int = 2, stock: int = 5, **fields: object):
    variant = VariantFactory.create(stock_on_hand=stock, stock_allocated=quantity)
    order = OrderFactory.create(status=OrderStatus.UNPAID, stock_state=StockState.RESERVED, **fields)
    OrderLineFactory.create(order=order, variant=variant, quantity=quantity)
    return order, variant


def test_staff_mark_an_order_shipped_from_the_admin_with_a_tracking_number(staff_client):
    order, _ = _reserved_order()
    mark_order_paid(order=order)

    staff_client.post(
        "/admin/orders/order/",
        {"action": "mark_shipped", "_selected_action": [order.pk], "tracking_number": "RM123", "index": 0},
    )

    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (OrderStatus.SHIPPED, "RM123")


def test_a_tracking_number_too_long_to_keep_ships_nothing_and_says_why(staff_client):
    order, _ = _reserved_order()
    mark_order_paid(order=order)

    response = staff_client.post(
        "/admin/orders/order/",
        {"action": "mark_shipped", "_selected_action": [order.pk], "tracking_number": "T" * 65, "index": 0},
        follow=True,
    )

    order.refresh_from_db()
    assert response.status_code == 200
    assert "Ensure this value has at most 64 characters" in response.content.decode()
    assert (order.status, order.tracking_number) == (OrderStatus.PAID, "")


def test_staff_mark_paid_orders_fulfilled_from_the_admin_and_unpaid_ones_are_refused(staff_client):
    paid, _ = _reserved_order()
    mark_order_paid(order=paid)
    unpaid, _ = _reserved_order()

    response = staff_client.post(
        "/admin/orders/order/",
        {"action": "mark_fulfilled", "_selected_action": [paid.pk, unpaid.pk], "index": 0},
        follow=True,
    )

    paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert (paid.status, unpaid.status) == (OrderStatus.FULFILLED, OrderStatus.UNPAID)
    assert "1 order(s) marked fulfilled" in response.content.decode()


def test_staff_see_a_printable_invoice(staff_client):
    order, _ = _reserved_order()

    html = staff_client.get(f"/admin/orders/order/{order.pk}/invoice/").content.decode()

    assert f"Invoice {order.number}" in html
