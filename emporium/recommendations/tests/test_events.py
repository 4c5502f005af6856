"""Add-to-cart events: sent by the cart's callers as a signal, recorded here, learned from."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.events import product_viewed
from emporium.catalog.tests.factories import VariantFactory
from emporium.recommendations.events import flush_events
from emporium.recommendations.interactions import read_interactions
from emporium.recommendations.models import Event, EventKind

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0"}


def test_adding_to_the_cart_records_an_event_that_training_reads_as_a_basket(client):
    customer = UserFactory.create()
    variant = VariantFactory.create(stock_on_hand=3)
    client.force_login(customer)

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 2}, **BROWSER)
    flush_events()

    assert response.status_code == 302
    event = Event.objects.get(kind=EventKind.ADD_TO_CART)
    assert (event.product_id, event.customer_id) == (variant.product_id, customer.pk)
    frame = read_interactions(since=timezone.now() - timedelta(days=1))
    assert frame[["customer", "product"]].values.tolist() == [[customer.pk, variant.product_id]]
    assert frame["invoice"].tolist() == [-event.pk]  # its own basket, never merged with an order


def test_adding_through_the_api_records_a_visitors_event():
    variant = VariantFactory.create(stock_on_hand=3)

    client = APIClient(HTTP_USER_AGENT=BROWSER["HTTP_USER_AGENT"])
    client.credentials(HTTP_X_CART_TOKEN=client.post("/api/v1/carts/").json()["token"])

    response = client.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 1}, format="json")
    flush_events()

    assert response.status_code == 201
    event = Event.objects.get(kind=EventKind.ADD_TO_CART)
    assert (event.product_id, event.customer_id) == (variant.product_id, None)


def test_a_refused_add_and_a_bots_add_record_nothing(client):
    variant = VariantFactory.create(stock_on_hand=1)

    refused = client.post("/cart/add/", {"variant": variant.pk, "quantity": 2}, **BROWSER)
    by_bot = client.post(
        "/cart/add/", {"variant": variant.pk, "quantity": 1}, HTTP_USER_AGENT="Googlebot/2.1"
    )
    flush_events()

    assert (refused.status_code, by_bot.status_code) == (422, 302)
    assert not Event.objects.exists()


def test_a_full_buffer_is_written_after_the_response_not_while_the_page_is_built(client, settings):
    settings.RECOMMENDATION_EVENT_BUFFER_SIZE = 1
    flush_events()  # nothing left over from another test
    variant = VariantFactory.create(stock_on_hand=3)
    request = RequestFactory().get("/", HTTP_USER_AGENT=BROWSER["HTTP_USER_AGENT"])
    request.user = AnonymousUser()
    request.session = SessionStore()

    product_viewed.send(sender=None, request=request, product_id=variant.product.pk)
    assert not Event.objects.exists()  # the page itself wrote nothing

    client.get(variant.product.get_absolute_url(), **BROWSER)  # its request_finished flushes both

    assert Event.objects.filter(kind=EventKind.VIEW, product=variant.product).count() == 2


def test_a_product_page_from_the_page_cache_still_counts_as_a_view(client):
    flush_events()
    variant = VariantFactory.create(stock_on_hand=3)
    url = variant.product.get_absolute_url()

    first = client.get(url, **BROWSER)
    second = client.get(url, **BROWSER)
    flush_events()

    assert first.templates
    assert not second.templates  # the second came from the page cache
    assert Event.objects.filter(kind=EventKind.VIEW, product=variant.product).count() == 2
