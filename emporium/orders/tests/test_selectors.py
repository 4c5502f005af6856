"""Who may look at an order: its customer, or the browser session that placed it as a guest."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404

from emporium.accounts.tests.factories import UserFactory
from emporium.orders.selectors import get_order_for_visitor
from emporium.orders.services import remember_order_in_session
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_a_customer_sees_their_own_order():
    customer = UserFactory.create()
    order = OrderFactory.create(customer=customer)

    assert get_order_for_visitor(number=order.number, customer=customer, session=SessionStore()) == order


def test_another_customer_gets_a_404():
    order = OrderFactory.create(customer=UserFactory.create())

    with pytest.raises(Http404):
        get_order_for_visitor(number=order.number, customer=UserFactory.create(), session=SessionStore())


def test_the_guest_session_that_placed_an_order_sees_it_and_another_session_does_not():
    order = OrderFactory.create(customer=None)
    placing_session = SessionStore()
    remember_order_in_session(session=placing_session, order=order)

    assert get_order_for_visitor(number=order.number, customer=None, session=placing_session) == order
    with pytest.raises(Http404):
        get_order_for_visitor(number=order.number, customer=None, session=SessionStore())


def test_a_session_remembers_only_its_last_twenty_orders():
    session = SessionStore()
    orders = OrderFactory.create_batch(21, customer=None)
    for order in orders:
        remember_order_in_session(session=session, order=order)

    with pytest.raises(Http404):
        get_order_for_visitor(number=orders[0].number, customer=None, session=session)
    assert get_order_for_visitor(number=orders[-1].number, customer=None, session=session) == orders[-1]


def test_an_unknown_number_gets_a_404():
    with pytest.raises(Http404):
        get_order_for_visitor(number="NO-SUCH", customer=None, session=SessionStore())
