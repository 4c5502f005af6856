"""The returns API: customers ask and see only theirs; order managers approve, receive, refund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.core.tests.api_clients import bearer_client, staff_client
from emporium.orders.links import make_guest_order_token
from emporium.returns.models import Return, ReturnStatus
from emporium.returns.tests.factories import ReturnLineFactory, make_delivered_order, variant_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]
LIST = "/api/v1/returns/"


def _ask(client, order, lines, **headers):
    body = {
        "order_number": order.number,
        "lines": [
            {"order_line_id": line.pk, "quantity": quantity, "reason": "damaged"} for line, quantity in lines
        ],
    }
    return client.post(LIST, body, format="json", **headers)


def test_a_customer_returns_a_line_and_an_order_manager_refunds_it_through_the_api():
    customer = UserFactory.create()
    order = make_delivered_order(lines=[("10.00", 2), ("5.00", 1)], customer=customer, shipping="3.00")
    mug, _lamp = order.lines.order_by("pk")
    client = bearer_client(customer)

    created = _ask(client, order, [(mug, 2)])
    assert created.status_code == 201, created.content
    return_id = created.json()["id"]
    assert created.json()["status"] == "requested"
    line_id = created.json()["lines"][0]["id"]

    manager = staff_client(ORDER_MANAGER)
    assert manager.post(f"{LIST}{return_id}/approve/").json()["status"] == "approved"
    received = manager.post(f"{LIST}{return_id}/receive/", {"resaleable_line_ids": [line_id]}, format="json")
    assert received.json()["lines"][0]["resaleable"] is True
    refunded = manager.post(f"{LIST}{return_id}/refund/", {"refund_shipping": True}, format="json")

    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["refunded"] == {"amount": "23.00", "currency": "GBP"}
    assert variant_of(mug).stock_on_hand == 10
    assert client.get(f"{LIST}{return_id}/").json()["status"] == "refunded"


def test_asking_for_more_than_was_bought_is_a_409_problem():
    customer = UserFactory.create()
    order = make_delivered_order(lines=[("10.00", 1)], customer=customer)

    response = _ask(bearer_client(customer), order, [(order.lines.get(), 2)])

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "return_quantity_exceeded"


def test_a_guest_returns_with_the_order_token_and_not_without_it():
    order = make_delivered_order(lines=[("10.00", 1)])
    line = order.lines.get()

    assert _ask(APIClient(), order, [(line, 1)]).status_code == 404
    response = _ask(APIClient(), order, [(line, 1)], HTTP_X_ORDER_TOKEN=make_guest_order_token(order=order))

    assert response.status_code == 201, response.content
    assert Return.objects.get().customer is None


def test_nobody_sees_or_returns_another_customers_order_or_returns():
    owner, other = UserFactory.create(), UserFactory.create()
    order = make_delivered_order(lines=[("10.00", 1)], customer=owner)
    line = order.lines.get()
    theirs = ReturnLineFactory.create(return_request__order=order, order_line=line).return_request
    intruder = bearer_client(other)

    assert _ask(intruder, order, [(line, 1)]).status_code == 404
    assert intruder.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert intruder.get(LIST).json()["results"] == []
    assert [r["id"] for r in bearer_client(owner).get(LIST).json()["results"]] == [theirs.pk]
    assert APIClient().get(LIST).status_code == 401


@pytest.mark.parametrize("role", [None, ANALYST, CATALOG_MANAGER], ids=["customer", "analyst", "catalog"])
def test_only_order_managers_move_returns(role):
    ret = ReturnLineFactory.create().return_request
    user = UserFactory.create() if role is None else StaffUserFactory.create(roles=[role])

    response = bearer_client(user).post(f"{LIST}{ret.pk}/approve/")

    assert response.status_code == 403
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED


def test_a_step_out_of_order_and_a_refusal_without_a_note_are_problems():
    ret = ReturnLineFactory.create().return_request
    manager = staff_client(ORDER_MANAGER)

    assert (
        manager.post(f"{LIST}{ret.pk}/refund/", {}, format="json").json()["code"]
        == "return_transition_not_allowed"
    )
    assert manager.post(f"{LIST}{ret.pk}/refuse/", {}, format="json").status_code == 400
    refused = manager.post(f"{LIST}{ret.pk}/refuse/", {"note": "Past use"}, format="json")
    assert (refused.json()["status"], refused.json()["staff_note"]) == ("refused", "Past use")
    assert manager.post(f"{LIST}999999/approve/").status_code == 404


@pytest.mark.parametrize("returns", [1, 5])
def test_the_customer_list_runs_a_fixed_number_of_queries(returns, django_assert_num_queries):
    customer = UserFactory.create()
    for _ in range(returns):
        ReturnLineFactory.create(return_request__order__customer=customer, return_request__customer=customer)
    client = bearer_client(customer)

    with django_assert_num_queries(3):  # the token's user, the page with its orders, the lines with theirs
        response = client.get(LIST)

    assert len(response.json()["results"]) == returns
    assert Decimal(response.json()["results"][0]["refunded"]["amount"]) == 0
