"""Who may look at an order: the one rule shared by the order-status, payment and invoice pages.

A customer sees their own orders. A guest has no account, so the browser session that placed
an order remembers its number (:func:`emporium.orders.services.remember_order_in_session`) and
may see that order, and only that, until the session ends. Anybody else gets a 404, the same
answer as for a number that does not exist, so order numbers cannot be probed.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Prefetch
from django.http import Http404

from emporium.accounts.models import User
from emporium.orders.models import Order, OrderLine

PLACED_ORDERS_SESSION_KEY = "placed_orders"


def list_order_numbers_placed_in_session(*, session: SessionBase) -> list[str]:
    numbers = session.get(PLACED_ORDERS_SESSION_KEY, [])
    return [number for number in numbers if isinstance(number, str)] if isinstance(numbers, list) else []


def may_view_order(*, order: Order, customer: User | None, session: SessionBase | None) -> bool:
    if customer is not None and order.customer_id == customer.pk:
        return True
    return session is not None and order.number in list_order_numbers_placed_in_session(session=session)


def get_order_for_visitor(*, number: str, customer: User | None, session: SessionBase | None) -> Order:
    """The order with this number if this visitor may see it; Http404 otherwise."""
    lines = Prefetch("lines", OrderLine.objects.order_by("pk"))
    order = Order.objects.prefetch_related(lines).filter(number=number).first()
    if order is None or not may_view_order(order=order, customer=customer, session=session):
        raise Http404("No such order.")
    return order
