"""Staff webhooks API: for the Integration manager role only; thin over the services."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from emporium.accounts.roles import ANALYST, INTEGRATION_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import UserFactory
from emporium.core.tests.api_clients import bearer_client, staff_client
from emporium.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEventType
from emporium.webhooks.services import emit, fan_out_webhook_events
from emporium.webhooks.tests.factories import WebhookEndpointFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]

ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


@pytest.fixture
def integrator():
    return staff_client(INTEGRATION_MANAGER)


def _deliveries(count: int) -> WebhookEndpoint:
    endpoint = WebhookEndpointFactory.create(event_types=[WebhookEventType.ORDER_PAID])
    for number in range(count):
        emit(event_type=WebhookEventType.ORDER_PAID, payload={"number": f"EMP-{number}"})
    fan_out_webhook_events()
    return endpoint


def test_registering_an_endpoint_answers_with_its_secret(integrator):
    response = integrator.post(
        ENDPOINTS,
        {"url": "https://erp.example.com/hooks", "event_types": ["order.paid", "order.shipped"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert response.json()["secret"] == endpoint.secret
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.event_types == ["order.paid", "order.shipped"]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://erp.example.com/", "event_types": ["order.paid"]},
        {"url": "https://erp.example.com/", "event_types": ["order.lost"]},
        {"url": "not a url", "event_types": []},
    ],
)
def test_a_bad_endpoint_is_a_400_problem(integrator, body):
    response = integrator.post(ENDPOINTS, body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", [ANALYST, ORDER_MANAGER])
def test_other_staff_roles_may_not_see_endpoints_and_their_secrets(role):
    WebhookEndpointFactory.create()

    assert staff_client(role).get(ENDPOINTS).status_code == 403


def test_customers_get_403_and_strangers_401():
    assert bearer_client(UserFactory.create()).get(ENDPOINTS).status_code == 403
    assert APIClient().get(ENDPOINTS).status_code == 401


def test_pausing_an_endpoint_and_rotating_its_secret(integrator):
    endpoint = WebhookEndpointFactory.create()
    old_secret = endpoint.secret

    paused = integrator.patch(f"{ENDPOINTS}{endpoint.pk}/", {"is_active": False}, format="json")
    rotated = integrator.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")

    assert (paused.status_code, paused.json()["is_active"]) == (200, False)
    assert rotated.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret == rotated.json()["secret"] != old_secret


def test_deleting_an_endpoint(integrator):
    endpoint = _deliveries(2)

    assert integrator.delete(f"{ENDPOINTS}{endpoint.pk}/").status_code == 204
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.parametrize("page_size", [2, 20])
def test_the_endpoint_list_costs_the_same_queries_whatever_its_size(
    integrator, page_size, django_assert_num_queries
):
    WebhookEndpointFactory.create_batch(page_size)

    with django_assert_num_queries(
        3
    ):  # the user, their permissions (user's and groups', one query), the page
        response = integrator.get(ENDPOINTS, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("count", [2, 20])
def test_the_delivery_log_costs_the_same_queries_whatever_its_size(
    integrator, count, django_assert_num_queries
):
    endpoint = _deliveries(count)

    with django_assert_num_queries(3):  # the user, their permissions, the page
        response = integrator.get(DELIVERIES, {"endpoint": endpoint.pk, "status": "pending", "page_size": 50})

    assert [row["event_type"] for row in response.json()["results"]] == ["order.paid"] * count


def test_redeliver_queues_a_failed_delivery_again(integrator):
    _deliveries(1)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=8)

    response = integrator.post(f"{DELIVERIES}{delivery.pk}/redeliver/")

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["attempt_limit"]) == ("pending", 16)
