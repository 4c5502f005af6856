"""Every move of a return is a return.* webhook, written in the move's transaction (the outbox)."""

from __future__ import annotations

import pytest

from emporium.core.exceptions import DomainError
from emporium.returns import services as return_services
from emporium.returns.models import ReturnReason
from emporium.returns.services import (
    ReturnItem,
    approve_return,
    receive_return,
    refund_return,
    refuse_return,
    request_return,
)
from emporium.returns.tests.factories import make_delivered_order
from emporium.webhooks.models import WebhookEvent, WebhookEventType
from emporium.webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db
RETURN_EVENTS = [event for event in WebhookEventType if event.startswith("return.")]


def _events() -> list[tuple[str, dict]]:
    return [(event.type, event.data) for event in WebhookEvent.objects.order_by("created_at", "pk")]


def _returned_mug():
    order = make_delivered_order(lines=[("10.00", 2), ("5.00", 1)], shipping="4.95")
    mug, _ = order.lines.order_by("pk")
    return order, mug


def test_a_return_is_heard_at_every_step_with_its_lines_and_no_customer_data():
    WebhookEndpointFactory.create(event_types=RETURN_EVENTS)
    order, mug = _returned_mug()

    ret = request_return(order=order, items=[ReturnItem(mug.pk, 2, ReturnReason.DAMAGED)])
    ret = approve_return(return_request=ret)
    ret = receive_return(return_request=ret, resaleable={ret.lines.get().pk: True})
    ret = refund_return(return_request=ret, refund_shipping=True)

    events = _events()
    assert [kind for kind, _ in events] == [
        "return.requested", "return.approved", "return.received", "return.refunded",
    ]  # fmt: skip
    assert [data["status"] for _, data in events] == ["requested", "approved", "received", "refunded"]
    requested, received, refunded = events[0][1], events[2][1], events[3][1]
    assert requested["id"] == ret.pk
    assert requested["order_number"] == order.number
    assert requested["lines"] == [
        {"order_line_id": mug.pk, "sku": mug.sku, "variant_id": mug.variant_id, "quantity": 2,
         "reason": "damaged", "resaleable": None},
    ]  # fmt: skip
    assert requested["refunded"] == {"amount": "0.00", "currency": "GBP"}
    assert received["lines"][0]["resaleable"] is True
    assert received["received_at"] is not None
    assert refunded["refunded"] == {"amount": "24.95", "currency": "GBP"}  # 2 x 10.00 and shipping
    assert refunded["refund_shipping"] is True
    assert not {"email", "customer", "address", "name"} & {key for _, data in events for key in data}


def test_a_refusal_says_why():
    WebhookEndpointFactory.create(event_types=[WebhookEventType.RETURN_REFUSED])
    order, mug = _returned_mug()
    ret = request_return(order=order, items=[ReturnItem(mug.pk, 1, ReturnReason.CHANGED_MIND)])

    refuse_return(return_request=ret, note="Worn: we cannot take it back")

    assert [(kind, data["status"], data["note"]) for kind, data in _events()] == [
        ("return.refused", "refused", "Worn: we cannot take it back")
    ]


def test_a_refund_that_fails_is_heard_as_received_again(monkeypatch):
    WebhookEndpointFactory.create(event_types=RETURN_EVENTS)
    order, mug = _returned_mug()
    ret = request_return(order=order, items=[ReturnItem(mug.pk, 1, ReturnReason.CHANGED_MIND)])
    ret = receive_return(return_request=approve_return(return_request=ret), resaleable={})

    def provider_refuses(**kwargs: object) -> None:
        raise DomainError("The provider refused the refund.")

    monkeypatch.setattr(return_services, "refund_order_payment", provider_refuses)
    with pytest.raises(DomainError):
        refund_return(return_request=ret)

    kinds = [(kind, data["status"], data["refunded"]["amount"]) for kind, data in _events()][-2:]
    assert kinds == [("return.refunded", "refunded", "10.00"), ("return.received", "received", "0.00")]


def test_nothing_is_written_when_no_endpoint_listens():
    WebhookEndpointFactory.create(event_types=[WebhookEventType.ORDER_PAID])
    order, mug = _returned_mug()
    before = WebhookEvent.objects.count()

    ret = request_return(order=order, items=[ReturnItem(mug.pk, 1, ReturnReason.CHANGED_MIND)])
    approve_return(return_request=ret)

    assert WebhookEvent.objects.count() == before
