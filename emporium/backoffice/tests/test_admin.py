"""The order list in the admin: filters staff use every day, and a fixed number of queries."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from emporium.accounts.roles import ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.orders.models import OrderEvent, OrderEventType, OrderStatus
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, settings):
    """An order manager (the role, not a superuser), past the two-factor step this is not about."""
    settings.STAFF_MFA_REQUIRED = False
    manager = StaffUserFactory.create()
    manager.groups.add(Group.objects.get(name=ORDER_MANAGER.name))
    client.force_login(manager)
    return client


def _listed(response) -> list[str]:
    return sorted(order.number for order in response.context["cl"].result_list)


def test_staff_list_one_customers_orders(staff_client):
    customer = UserFactory.create(email="ada@example.com")
    theirs = OrderFactory.create_batch(2, customer=customer)
    OrderFactory.create(customer=UserFactory.create())
    OrderFactory.create(customer=None)

    response = staff_client.get(f"/admin/orders/order/?customer_id={customer.pk}")

    assert _listed(response) == sorted(order.number for order in theirs)
    assert "ada@example.com" in response.content.decode()  # the filter names who is chosen


def test_staff_list_the_guests_orders(staff_client):
    guest_order = OrderFactory.create(customer=None)
    OrderFactory.create(customer=UserFactory.create())

    response = staff_client.get("/admin/orders/order/?customer_id=guests")

    assert _listed(response) == [guest_order.number]


def test_a_mistyped_customer_id_finds_nothing_and_is_no_error(staff_client):
    OrderFactory.create(customer=UserFactory.create())

    response = staff_client.get("/admin/orders/order/?customer_id=12x")

    assert (response.status_code, _listed(response)) == (200, [])


def test_each_customer_in_the_list_links_to_their_orders(staff_client):
    customer = UserFactory.create()
    OrderFactory.create(customer=customer)

    html = staff_client.get("/admin/orders/order/").content.decode()

    assert f'href="?customer_id={customer.pk}"' in html


def test_staff_filter_by_status_and_customer_together(staff_client):
    customer = UserFactory.create()
    paid = OrderFactory.create(customer=customer, status=OrderStatus.PAID)
    OrderFactory.create(customer=customer, status=OrderStatus.UNPAID)
    OrderFactory.create(customer=UserFactory.create(), status=OrderStatus.PAID)

    response = staff_client.get(f"/admin/orders/order/?customer_id={customer.pk}&status__exact=paid")

    assert _listed(response) == [paid.number]


@pytest.mark.parametrize("orders", [3, 30])
def test_the_order_list_runs_a_fixed_number_of_queries(orders, staff_client, django_assert_max_num_queries):
    for _ in range(orders):
        OrderFactory.create(customer=UserFactory.create())
    staff_client.get("/admin/orders/order/")  # warms the session and the admin's own lookups

    # However many orders are on the page: session, user, groups' permissions, the date
    # hierarchy's years, the filtered and total counts, the rows with their customers, and the
    # action form's lookups. Customers are joined, never fetched one per row.
    # (SQLite adds one more than PostgreSQL: Django checks its JSON support.)
    with django_assert_max_num_queries(9):
        response = staff_client.get("/admin/orders/order/")

    assert len(response.context["cl"].result_list) == orders


def test_staff_cannot_edit_what_was_sold_on_the_order_page(staff_client):
    """Money, currency, addresses and the cash-on-delivery flag are the sale's record: they change
    only through the actions (the state machine), never by typing over them."""
    order = OrderFactory.create(
        status=OrderStatus.PAID,
        currency="GBP",
        total_amount=Decimal("20.00"),
        shipping_address={"city": "Bristol"},
    )
    number = order.number
    form = staff_client.get(f"/admin/orders/order/{order.pk}/change/").context["adminform"].form

    staff_client.post(
        f"/admin/orders/order/{order.pk}/change/",
        {
            "number": "EM-FORGED",
            "currency": "EUR",
            "refunded_amount": "20.00",
            "pays_on_delivery": "on",
            "shipping_address": '{"city": "Elsewhere"}',
        },
    )

    order.refresh_from_db()
    assert list(form.fields) == []
    assert (order.number, order.currency, order.refunded_amount, order.pays_on_delivery) == (
        number,
        "GBP",
        Decimal("0"),
        False,
    )
    assert order.shipping_address == {"city": "Bristol"}


def test_staff_cannot_make_up_an_order_in_the_admin(staff_client):
    assert staff_client.get("/admin/orders/order/add/").status_code == 403


@pytest.mark.parametrize("events", [2, 20])
def test_the_order_page_runs_a_fixed_number_of_queries_however_long_its_history(
    events, staff_client, django_assert_max_num_queries
):
    order = OrderFactory.create(customer=UserFactory.create())
    for _ in range(events):  # each event by another member of staff
        OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, actor=StaffUserFactory.create())
    staff_client.get(f"/admin/orders/order/{order.pk}/change/")

    # Session, user, permissions, the order, its customer, and each inline's rows (lines,
    # payments, events with who did them): never one query per event.
    with django_assert_max_num_queries(9):
        response = staff_client.get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 200
