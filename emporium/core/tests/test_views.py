import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse

pytestmark = pytest.mark.django_db


def test_home_page_renders_the_storefront_shell(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "/static/assets/" in html  # the Vite build, through django-vite


def test_home_page_runs_no_query_for_an_anonymous_visitor_once_cached(client, django_assert_max_num_queries):
    client.get("/")  # the first visit after a catalog change loads the sections into the cache

    with django_assert_max_num_queries(0):
        client.get("/")


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_messages_are_announced_to_screen_readers(client, rf):
    # A message left by an earlier request travels in the messages cookie.
    carrier = HttpResponse()
    storage = CookieStorage(rf.get("/"))
    storage.add(constants.SUCCESS, "Saved.")
    storage.update(carrier)
    client.cookies.update(carrier.cookies)

    html = client.get("/").content.decode()

    assert 'role="status"' in html
    assert "message--success" in html
    assert "Saved." in html
