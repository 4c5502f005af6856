"""Staff orders API: every order for the order managers, transitions through the services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory, activate_totp
from emporium.core.tests.api_clients import bearer_client, staff_client
from emporium.orders.models import Order, OrderStatus
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.payments.models import PaymentState
from emporium.payments.services import start_payment
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]


@pytest.fixture
def manager() -> APIClient:
    return staff_client(ORDER_MANAGER)


def test_order_manager_lists_orders_filtered_by_status_date_and_customer(manager):
    customer = UserFactory.create()
    now = timezone.now()
    wanted = OrderFactory.create(
        customer=customer, status=OrderStatus.PAID, placed_at=now - timedelta(days=1)
    )
    OrderFactory.create(customer=customer, status=OrderStatus.UNPAID, placed_at=now - timedelta(days=1))
    OrderFactory.create(customer=customer, status=OrderStatus.PAID, placed_at=now - timedelta(days=10))
    OrderFactory.create(status=OrderStatus.PAID, placed_at=now - timedelta(days=1))

    response = manager.get(
        "/api/v1/staff/orders/",
        {
            "status": "paid",
            "placed_after": (now - timedelta(days=2)).isoformat(),
            "placed_before": now.isoformat(),
            "customer_id": customer.pk,
        },
    )

    assert response.status_code == 200
    assert [order["number"] for order in response.json()["results"]] == [wanted.number]


def test_staff_order_list_is_cursor_paginated_newest_first(manager):
    now = timezone.now()
    orders = [OrderFactory.create(placed_at=now - timedelta(minutes=n)) for n in range(5)]

    first = manager.get("/api/v1/staff/orders/", {"page_size": 2}).json()
    second = manager.get(first["next"]).json()
    third = manager.get(second["next"]).json()

    seen = [o["number"] for page in (first, second, third) for o in page["results"]]
    assert seen == [order.number for order in orders]
    assert third["next"] is None


@pytest.mark.parametrize("page_size", [2, 20])
def test_staff_order_list_runs_a_fixed_number_of_queries(manager, page_size, django_assert_num_queries):
    OrderFactory.create_batch(25)
    # the user of the token, their permissions (user's and groups', one query), one page of orders
    with django_assert_num_queries(3):
        response = manager.get("/api/v1/staff/orders/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_order_goes_from_paid_to_delivered_through_the_transitions(manager):
    order = OrderFactory.create(status=OrderStatus.PAID)
    OrderLineFactory.create(order=order)

    fulfilled = manager.post(f"/api/v1/staff/orders/{order.number}/fulfil/", {})
    shipped = manager.post(f"/api/v1/staff/orders/{order.number}/ship/", {"tracking_number": "RM123"})
    delivered = manager.post(f"/api/v1/staff/orders/{order.number}/deliver/", {})

    assert [r.json()["status"] for r in (fulfilled, shipped, delivered)] == [
        "fulfilled",
        "shipped",
        "delivered",
    ]
    assert shipped.json()["tracking_number"] == "RM123"
    assert [event["to_status"] for event in delivered.json()["events"]] == [
        "fulfilled",
        "shipped",
        "delivered",
    ]


def test_unpaid_order_is_paid_or_cancelled(manager):
    paid = OrderFactory.create(status=OrderStatus.UNPAID)
    cancelled = OrderFactory.create(status=OrderStatus.UNPAID)

    manager.post(f"/api/v1/staff/orders/{paid.number}/pay/", {"note": "Bank transfer"})
    manager.post(f"/api/v1/staff/orders/{cancelled.number}/cancel/", {"reason": "Asked to"})

    assert Order.objects.get(pk=paid.pk).status == OrderStatus.PAID
    assert Order.objects.get(pk=cancelled.pk).status == OrderStatus.CANCELLED


def test_marking_an_order_paid_through_the_api_records_its_bank_transfer_as_received(
    manager, django_capture_on_commit_callbacks
):
    """As the admin's "Mark paid": the transfer the customer chose is the money that arrived, so
    it is not left open to be cancelled as a duplicate of a payment nobody recorded."""
    payment = start_payment(order=make_unpaid_order(), gateway_name="bank_transfer")

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"/api/v1/staff/orders/{payment.order.number}/pay/", {"note": "Arrived"})

    payment.refresh_from_db()
    assert response.status_code == 200
    assert (response.json()["status"], payment.state, payment.captured_amount) == (
        OrderStatus.PAID,
        PaymentState.CAPTURED,
        payment.amount,
    )


def test_refund_partially_records_the_amount(manager):
    order = OrderFactory.create(status=OrderStatus.DELIVERED, total_amount=Decimal("20.00"))

    response = manager.post(
        f"/api/v1/staff/orders/{order.number}/refund/", {"partial_refund": True, "amount": "5.00"}
    )

    order.refresh_from_db()
    assert response.json()["status"] == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_amount == Decimal("5.00")


def test_a_partial_refund_without_an_amount_is_a_400_problem(manager):
    order = OrderFactory.create(status=OrderStatus.DELIVERED, total_amount=Decimal("20.00"))

    response = manager.post(f"/api/v1/staff/orders/{order.number}/refund/", {"partial_refund": True})

    order.refresh_from_db()
    assert (response.status_code, list(response.json()["errors"])) == (400, ["amount"])
    assert order.status == OrderStatus.DELIVERED


def test_refunding_more_than_is_left_of_an_order_is_a_409_problem(manager):
    order = OrderFactory.create(status=OrderStatus.DELIVERED, total_amount=Decimal("20.00"))

    response = manager.post(f"/api/v1/staff/orders/{order.number}/refund/", {"amount": "20.01"})

    assert (response.status_code, response.json()["code"]) == (409, "refund_exceeds_order_total")


def _paid_by_test_card(total: str = "20.00"):
    from emporium.payments.services import confirm_payment, start_payment
    from emporium.payments.tests.factories import make_unpaid_order

    order = make_unpaid_order(total_amount=Decimal(total))
    payment = start_payment(order=order, gateway_name="offline")
    return confirm_payment(payment=payment, details={"card_number": "4242424242424242"})


def test_the_api_refund_gives_the_money_back_through_the_payment(manager):
    payment = _paid_by_test_card()

    response = manager.post(f"/api/v1/staff/orders/{payment.order.number}/refund/", {"note": "Returned"})

    payment.refresh_from_db()
    refund = payment.refunds.get()
    assert (response.json()["status"], payment.state, refund.state, refund.amount) == (
        OrderStatus.REFUNDED,
        "refunded",
        "succeeded",
        Decimal("20.00"),
    )


def test_the_api_refunds_part_of_a_payment(manager):
    payment = _paid_by_test_card()

    response = manager.post(
        f"/api/v1/staff/orders/{payment.order.number}/refund/", {"partial_refund": True, "amount": "7.50"}
    )

    payment.refresh_from_db()
    assert (response.json()["status"], payment.state, payment.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        "partially_refunded",
        Decimal("7.50"),
    )


def test_the_api_refuses_to_refund_more_than_the_payment_captured(manager):
    payment = _paid_by_test_card()

    response = manager.post(f"/api/v1/staff/orders/{payment.order.number}/refund/", {"amount": "20.01"})

    payment.refresh_from_db()
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (
        409,
        "application/problem+json",
        "refund_exceeds_captured",
    )
    assert payment.refunds.count() == 0


def test_a_transition_the_state_machine_refuses_is_a_409_problem(manager):
    order = OrderFactory.create(status=OrderStatus.UNPAID)

    response = manager.post(f"/api/v1/staff/orders/{order.number}/ship/", {})

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "order_transition_not_allowed"


def test_unknown_order_is_404(manager):
    assert manager.post("/api/v1/staff/orders/EM-NOPE/pay/", {}).status_code == 404


def test_analyst_reads_orders_but_cannot_move_them():
    order = OrderFactory.create(status=OrderStatus.PAID)
    analyst = staff_client(ANALYST)

    assert analyst.get("/api/v1/staff/orders/").status_code == 200
    assert analyst.get(f"/api/v1/staff/orders/{order.number}/").status_code == 200
    assert analyst.post(f"/api/v1/staff/orders/{order.number}/fulfil/", {}).status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_catalog_manager_has_no_business_with_orders():
    assert staff_client(CATALOG_MANAGER).get("/api/v1/staff/orders/").status_code == 403


def test_staff_without_an_authenticator_app_are_refused_when_two_factors_are_required(settings):
    settings.STAFF_MFA_REQUIRED = True
    without = StaffUserFactory.create(roles=[ORDER_MANAGER])
    with_app = StaffUserFactory.create(roles=[ORDER_MANAGER])
    activate_totp(user=with_app)

    assert bearer_client(without).get("/api/v1/staff/orders/").status_code == 403
    assert bearer_client(with_app).get("/api/v1/staff/orders/").status_code == 200


STAFF_ENDPOINTS = [
    ("get", "/api/v1/staff/orders/"),
    ("get", "/api/v1/staff/orders/EM-000001/"),
    *[
        ("post", f"/api/v1/staff/orders/EM-000001/{action}/")
        for action in ("pay", "fulfil", "ship", "deliver", "cancel", "refund")
    ],
    ("post", "/api/v1/staff/products/"),
    ("get", "/api/v1/staff/products/1/"),
    ("patch", "/api/v1/staff/products/1/"),
    ("post", "/api/v1/staff/products/1/variants/"),
    ("patch", "/api/v1/staff/variants/1/"),
]


@pytest.mark.parametrize(("method", "url"), STAFF_ENDPOINTS)
def test_staff_endpoints_refuse_customers_with_403(method, url):
    OrderFactory.create(number="EM-000001", status=OrderStatus.PAID)
    customer = bearer_client(UserFactory.create())

    response = getattr(customer, method)(url, {})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert Order.objects.get(number="EM-000001").status == OrderStatus.PAID


@pytest.mark.parametrize(("method", "url"), STAFF_ENDPOINTS)
def test_staff_endpoints_ask_anonymous_clients_to_authenticate(method, url):
    response = getattr(APIClient(), method)(url, {})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
