"""Back-in-stock alerts: double opt-in for guests, one e-mail each when stock returns."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from emporium.accounts.tests.factories import UserFactory
from emporium.alerts.models import AlertStatus, StockAlert
from emporium.alerts.services import ask_for_stock_alert, send_back_in_stock_alerts
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out():
    return VariantFactory.create(stock_on_hand=0)


def _link(message, name):
    found = re.search(rf"https?://\S+/alerts/{name}/\S+/", message.body)
    assert found is not None
    return found.group(0)


def test_the_sold_out_product_page_offers_an_alert(client, sold_out):
    html = client.get(sold_out.product.get_absolute_url()).content.decode()

    assert 'action="/alerts/"' in html
    assert f'name="variant" value="{sold_out.pk}"' in html


def test_a_guest_confirms_by_the_signed_link_before_anything_is_sent(
    client, sold_out, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alerts:ask"), {"variant": sold_out.pk, "email": "Ann@Example.com"})

    assert response.status_code == 200
    alert = StockAlert.objects.get()
    assert (alert.status, alert.email) == (AlertStatus.UNCONFIRMED, "ann@example.com")
    link = _link(mail.outbox[0], "confirm")
    assert client.get(link).status_code == 200  # a page with a button: a mail scanner confirms nothing
    assert StockAlert.objects.get().status == AlertStatus.UNCONFIRMED
    client.post(link)
    assert StockAlert.objects.get().status == AlertStatus.ACTIVE


def test_an_altered_confirmation_link_is_refused(client, sold_out):
    ask_for_stock_alert(variant=sold_out, email="ann@example.com", customer=None)

    response = client.get(reverse("alerts:confirm", args=["1:forged:signature"]))

    assert response.status_code == 404


def test_a_logged_in_customers_own_address_is_confirmed_at_once(sold_out):
    customer = UserFactory.create()

    alert = ask_for_stock_alert(variant=sold_out, email=customer.email, customer=customer)

    assert alert.status == AlertStatus.ACTIVE
    assert mail.outbox == []


def test_asking_twice_keeps_one_alert(sold_out):
    ask_for_stock_alert(variant=sold_out, email="ann@example.com", customer=None)
    ask_for_stock_alert(variant=sold_out, email="ann@example.com", customer=None)

    assert StockAlert.objects.count() == 1


def test_restocking_sends_each_active_alert_once_with_an_unsubscribe_link(
    sold_out, django_capture_on_commit_callbacks
):
    for number in range(3):
        StockAlert.objects.create(variant=sold_out, email=f"w{number}@example.com", status=AlertStatus.ACTIVE)
    StockAlert.objects.create(variant=sold_out, email="unconfirmed@example.com")
    variant = Variant.objects.get(pk=sold_out.pk)

    with django_capture_on_commit_callbacks(execute=True):
        variant.stock_on_hand = 5
        variant.save()
    with django_capture_on_commit_callbacks(execute=True):
        variant.stock_on_hand = 6  # more stock later: nobody is e-mailed twice
        variant.save()

    assert sorted(message.to[0] for message in mail.outbox) == [
        "w0@example.com",
        "w1@example.com",
        "w2@example.com",
    ]
    assert all("/alerts/unsubscribe/" in message.body for message in mail.outbox)
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    assert StockAlert.objects.filter(status=AlertStatus.SENT).count() == 3


def test_nothing_is_sent_while_the_variant_stays_sold_out(sold_out):
    StockAlert.objects.create(variant=sold_out, email="w@example.com", status=AlertStatus.ACTIVE)

    assert send_back_in_stock_alerts(variant_id=sold_out.pk) == 0
    assert mail.outbox == []


def test_alerts_go_in_batches(sold_out):
    for number in range(7):
        StockAlert.objects.create(variant=sold_out, email=f"w{number}@example.com", status=AlertStatus.ACTIVE)
    Variant.objects.filter(pk=sold_out.pk).update(stock_on_hand=1)

    assert send_back_in_stock_alerts(variant_id=sold_out.pk, batch_size=3) == 7
    assert len(mail.outbox) == 7


def test_the_unsubscribe_link_closes_the_alert(client, sold_out):
    alert = StockAlert.objects.create(variant=sold_out, email="w@example.com", status=AlertStatus.ACTIVE)
    from emporium.alerts.links import unsubscribe_url

    client.post(unsubscribe_url(alert_id=alert.pk))

    alert.refresh_from_db()
    assert alert.status == AlertStatus.UNSUBSCRIBED


def test_asking_is_rate_limited_per_address(client, sold_out, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "stock_alert": "2/h/key"}

    statuses = [
        client.post(reverse("alerts:ask"), {"variant": sold_out.pk, "email": "ann@example.com"}).status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_a_bad_address_is_a_422_that_names_the_field(client, sold_out):
    response = client.post(reverse("alerts:ask"), {"variant": sold_out.pk, "email": "not an address"})

    assert response.status_code == 422
    assert "Your e-mail address" in response.content.decode()


def test_a_cancelled_orders_reservation_coming_back_sends_the_alerts(django_capture_on_commit_callbacks):
    from emporium.orders.models import OrderStatus, StockState
    from emporium.orders.services import cancel_order
    from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

    variant = VariantFactory.create(stock_on_hand=1, stock_allocated=1)  # the last unit, held by an order
    order = OrderFactory.create(status=OrderStatus.UNPAID, stock_state=StockState.RESERVED)
    OrderLineFactory.create(order=order, variant=variant, quantity=1)
    StockAlert.objects.create(variant=variant, email="w@example.com", status=AlertStatus.ACTIVE)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    assert [message.to for message in mail.outbox if message.subject.startswith("Back in stock")] == [
        ["w@example.com"]
    ]
