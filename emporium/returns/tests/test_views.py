"""The "Return items" page and the list of a customer's returns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emporium.accounts.tests.factories import UserFactory
from emporium.giftcards.models import GiftCardProduct
from emporium.orders.links import make_guest_order_token, make_order_link
from emporium.orders.models import Order, OrderStatus
from emporium.returns.models import Return, ReturnStatus
from emporium.returns.selectors import has_anything_to_return
from emporium.returns.tests.factories import ReturnLineFactory, make_delivered_order, variant_of

pytestmark = pytest.mark.django_db


def _url(order) -> str:
    return f"/returns/orders/{order.number}/"


def test_a_customer_returns_a_line_from_the_order_page(client):
    customer = UserFactory.create()
    order = make_delivered_order(lines=[("10.00", 2), ("5.00", 1)], customer=customer)
    mug, lamp = order.lines.order_by("pk")
    client.force_login(customer)

    assert "Return items" in client.get(make_order_link(order=order, absolute=False)).content.decode()
    response = client.post(
        _url(order),
        {
            f"quantity_{mug.pk}": "1",
            f"reason_{mug.pk}": "damaged",
            f"quantity_{lamp.pk}": "0",
            f"reason_{lamp.pk}": "",
        },
        follow=True,
    )

    ret = Return.objects.get()
    assert (ret.status, ret.lines.get().quantity) == (ReturnStatus.REQUESTED, 1)
    assert f"Return {ret.pk} requested" in response.content.decode()
    listing = client.get("/returns/").content.decode()
    assert "Requested" in listing
    assert order.number in listing


def test_errors_keep_what_was_typed_and_say_what_is_wrong(client):
    customer = UserFactory.create()
    order = make_delivered_order(lines=[("10.00", 2)], customer=customer)
    mug = order.lines.get()
    client.force_login(customer)

    no_reason = client.post(_url(order), {f"quantity_{mug.pk}": "2", f"reason_{mug.pk}": ""})
    too_many = client.post(_url(order), {f"quantity_{mug.pk}": "3", f"reason_{mug.pk}": "damaged"})
    nothing = client.post(_url(order), {f"quantity_{mug.pk}": "0", f"reason_{mug.pk}": ""})

    assert no_reason.status_code == too_many.status_code == nothing.status_code == 400
    assert "Choose a reason for this item." in no_reason.content.decode()
    assert 'value="2"' in no_reason.content.decode()
    assert '<option value="damaged" selected>' in too_many.content.decode()
    assert "Choose how many of at least one item" in nothing.content.decode()
    assert not Return.objects.exists()


def test_a_guest_returns_through_the_signed_link_and_nobody_else_can(client):
    order = make_delivered_order(lines=[("10.00", 1)])
    line = order.lines.get()
    token = make_guest_order_token(order=order)
    data = {f"quantity_{line.pk}": "1", f"reason_{line.pk}": "wrong_item"}

    assert client.post(_url(order), data).status_code == 404
    assert (
        f"/returns/orders/{order.number}/?token="
        in client.get(make_order_link(order=order, absolute=False)).content.decode()
    )
    response = client.post(f"{_url(order)}?token={token}", data, follow=True)

    assert response.status_code == 200
    assert "Wrong item sent" in response.content.decode()
    assert Return.objects.get().customer is None


def test_another_customer_gets_a_404_and_sees_no_returns_of_others(client):
    owner, other = UserFactory.create(), UserFactory.create()
    order = make_delivered_order(lines=[("10.00", 1)], customer=owner)
    ReturnLineFactory.create(return_request__order=order, order_line=order.lines.get())
    client.force_login(other)

    assert client.get(_url(order)).status_code == 404
    assert order.number not in client.get("/returns/").content.decode()


def test_past_the_window_the_page_says_so_and_takes_nothing(client, settings):
    settings.RETURN_WINDOW_DAYS = 0
    customer = UserFactory.create()
    order = make_delivered_order(lines=[("10.00", 1)], customer=customer)
    line = order.lines.get()
    client.force_login(customer)

    response = client.post(_url(order), {f"quantity_{line.pk}": "1", f"reason_{line.pk}": "damaged"})

    assert "could be returned until" in response.content.decode()
    assert not Return.objects.exists()


def test_the_returns_page_runs_a_fixed_number_of_queries(client):
    """As many queries for four returns as for one (session, user, returns with their orders,
    lines with their order lines; the session's query depends on SESSION_ENGINE)."""
    customer = UserFactory.create()
    client.force_login(customer)

    def count() -> int:
        client.get("/returns/")  # warm the session and the caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/returns/")
        assert response.status_code == 200
        return len(queries)

    def add_return() -> None:
        ReturnLineFactory.create(return_request__order__customer=customer, return_request__customer=customer)

    add_return()
    one = count()
    for _ in range(3):
        add_return()
    four = count()

    assert one == four <= 4
    assert client.get("/returns/").content.decode().count("Requested") == 4


def test_an_order_with_nothing_left_to_send_back_offers_no_return(client):
    """Gift cards alone were e-mailed, not sent; an order returned in full has nothing left.
    Both keep their invoice links; a shipped order with goods offers the return."""
    customer = UserFactory.create()
    cards_only = make_delivered_order(lines=[("25.00", 1)], customer=customer)
    GiftCardProduct.objects.create(variant=variant_of(cards_only.lines.get()))
    returned = make_delivered_order(lines=[("10.00", 2)], customer=customer)
    ReturnLineFactory.create(return_request__order=returned, order_line=returned.lines.get(), quantity=2)
    goods = make_delivered_order(lines=[("10.00", 2)], customer=customer)
    ReturnLineFactory.create(return_request__order=goods, order_line=goods.lines.get(), quantity=1)
    client.force_login(customer)

    def order_page(order) -> str:
        return client.get(make_order_link(order=order, absolute=False)).content.decode()

    assert "Return items" not in order_page(cards_only)
    assert "Invoice (PDF)" in order_page(cards_only)
    assert "Return items" not in order_page(returned)
    assert "Return items" in order_page(goods)  # one of the two units is still to send back


def test_an_order_not_yet_shipped_offers_no_return_and_asks_nothing_for_it(django_assert_num_queries):
    order = make_delivered_order(lines=[("10.00", 1)], delivered=False)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)
    order.refresh_from_db()

    with django_assert_num_queries(0):
        assert not has_anything_to_return(order=order)
