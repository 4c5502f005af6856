"""Who may see which payment, and the reads the pages and the API need.

The rule is the order's (emporium.orders.selectors): a customer sees the payments of their own
orders, a guest those of the orders their browser session placed (or, over the API, the order
their X-Order-Token was made for), nobody else any. A payment
that is not the visitor's is answered exactly like one that does not exist (404).
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.http import Http404

from emporium.accounts.models import User
from emporium.orders.models import Order
from emporium.orders.selectors import may_view_order
from emporium.payments.models import Payment


def get_payment_for_visitor(
    *,
    payment_id: int,
    customer: User | None,
    session: SessionBase | None,
    order_token: str | None = None,
) -> Payment:
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None or not may_view_order(
        order=payment.order, customer=customer, session=session, order_token=order_token
    ):
        raise Http404("No such payment.")
    return payment


def get_payment_of_order(*, order: Order, payment_id: int) -> Payment:
    payment = order.payments.filter(pk=payment_id).first()
    if payment is None:
        raise Http404("No such payment.")
    payment.order = order
    return payment


def list_payments_for_customer(*, customer: User, order_number: str | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.filter(order__customer=customer).select_related("order")
    if order_number:
        payments = payments.filter(order__number=order_number)
    return payments.order_by("-created_at", "-pk")
