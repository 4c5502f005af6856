"""Staff register endpoints, read the delivery log and redeliver from the admin."""

from __future__ import annotations

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEventType
from emporium.webhooks.services import deliver_webhook, emit, fan_out_webhook_events
from emporium.webhooks.tests.factories import WebhookEndpointFactory
from emporium.webhooks.tests.receiver import running_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_staff_register_an_endpoint_and_then_see_its_secret(admin_client):
    response = admin_client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "url": "https://erp.example.com/hooks",
            "description": "ERP",
            "is_active": "on",
            "event_types": ["order.paid"],
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["order.paid"]
    assert endpoint.secret in admin_client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").text


def test_the_delivery_log_shows_each_attempt_and_staff_redeliver(admin_client):
    with running_receiver(answers=[500]) as receiver:
        WebhookEndpointFactory.create(url=receiver.url, event_types=[WebhookEventType.ORDER_PAID])
        emit(event_type=WebhookEventType.ORDER_PAID, payload={"number": "EMP-9"})
        fan_out_webhook_events()
        delivery = WebhookDelivery.objects.get()
        deliver_webhook(delivery_id=delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)

        page = admin_client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
        response = admin_client.post(
            "/admin/webhooks/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [delivery.pk]},
            follow=True,
        )

    assert page.status_code == 200
    assert "receiver says no" in page.text  # the response excerpt of the 500
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert admin_client.get("/admin/webhooks/webhookdelivery/").status_code == 200
