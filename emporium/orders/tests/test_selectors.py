"""Who may look at an order: its customer, or the browser session (or the API guest's order
token) that placed it as a guest."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.http import Http404

from emporium.accounts.tests.factories import UserFactory
from emporium.orders.selectors import GUEST_ORDER_TOKEN_SALT, get_order_for_visitor
from emporium.orders.services import make_guest_order_token, remember_order_in_session
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


def test_a_guest_order_token_opens_its_order():
    order = OrderFactory.create(customer=None)
    token = make_guest_order_token(order=order)

    assert get_order_for_visitor(number=order.number, customer=None, session=None, order_token=token) == order


def test_a_guest_order_token_does_not_open_another_order():
    order, other = OrderFactory.create_batch(2, customer=None)

    with pytest.raises(Http404):
        get_order_for_visitor(
            number=other.number, customer=None, session=None, order_token=make_guest_order_token(order=order)
        )


def test_a_token_never_opens_a_customers_order():
    """Even one made for that very number: a customer's order needs the customer's login."""
    order = OrderFactory.create(customer=UserFactory.create())

    with pytest.raises(Http404):
        get_order_for_visitor(
            number=order.number, customer=None, session=None, order_token=make_guest_order_token(order=order)
        )


def test_an_altered_token_is_404():
    order = OrderFactory.create(customer=None)
    token = make_guest_order_token(order=order)

    with pytest.raises(Http404):
        get_order_for_visitor(number=order.number, customer=None, session=None, order_token=token[:-1] + "x")


def test_a_value_signed_for_something_else_is_not_a_token():
    order = OrderFactory.create(customer=None)

    with pytest.raises(Http404):
        get_order_for_visitor(
            number=order.number, customer=None, session=None, order_token=signing.dumps(order.number)
        )


class _SignedLongAgo(signing.TimestampSigner):
    """Signs as if GUEST_ORDER_TOKEN_DAYS plus a day had passed since, without touching the clock."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)


def test_an_expired_token_is_404(settings):
    settings.GUEST_ORDER_TOKEN_DAYS = 30
    order = OrderFactory.create(customer=None)
    expired = _SignedLongAgo(salt=GUEST_ORDER_TOKEN_SALT).sign_object(order.number)

    with pytest.raises(Http404):
        get_order_for_visitor(number=order.number, customer=None, session=None, order_token=expired)


def test_a_token_lives_as_long_as_the_setting_says(settings):
    settings.GUEST_ORDER_TOKEN_DAYS = 60
    order = OrderFactory.create(customer=None)
    month_old = _SignedLongAgo(salt=GUEST_ORDER_TOKEN_SALT).sign_object(order.number)

    assert (
        get_order_for_visitor(number=order.number, customer=None, session=None, order_token=month_old)
        == order
    )
