from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404

from emporium.accounts.tests.factories import UserFactory
from emporium.payments.selectors import get_payment_for_visitor, list_payments_for_customer
from emporium.payments.tests.factories import PaymentFactory, make_unpaid_order

pytestmark = pytest.mark.django_db


def test_a_customer_sees_the_payments_of_their_orders_only():
    customer = UserFactory.create()
    mine = PaymentFactory.create(order=make_unpaid_order(customer=customer))
    theirs = PaymentFactory.create(order=make_unpaid_order(customer=UserFactory.create()))

    assert get_payment_for_visitor(payment_id=mine.pk, customer=customer, session=None) == mine
    with pytest.raises(Http404):
        get_payment_for_visitor(payment_id=theirs.pk, customer=customer, session=None)


def test_a_guest_sees_the_payments_of_the_orders_their_session_placed():
    payment = PaymentFactory.create()
    session = SessionStore()
    session["placed_orders"] = [payment.order.number]

    assert get_payment_for_visitor(payment_id=payment.pk, customer=None, session=session) == payment
    with pytest.raises(Http404):
        get_payment_for_visitor(payment_id=payment.pk, customer=None, session=SessionStore())


def test_the_list_filters_by_order_number():
    customer = UserFactory.create()
    wanted = PaymentFactory.create(order=make_unpaid_order(customer=customer))
    PaymentFactory.create(order=make_unpaid_order(customer=customer))

    payments = list_payments_for_customer(customer=customer, order_number=wanted.order.number)

    assert list(payments) == [wanted]
