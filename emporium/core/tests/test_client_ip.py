"""Per-IP limits count the real client: X-Forwarded-For only from our own proxies (finding 4)."""

import pytest
from django.test import Client, RequestFactory

from emporium.accounts.tests.factories import UserFactory
from emporium.core.client_ip import get_client_ip

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "client_ip"),
    [
        (0, "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # no proxy: the header is the sender's
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),  # through the proxy
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged first entry is skipped
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (1, "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # around the proxy: header ignored
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_is_found_behind_the_configured_proxies_only(
    settings, count, remote, forwarded, client_ip
):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert get_client_ip(request) == client_ip


def test_rotating_the_header_around_the_proxy_does_not_dodge_the_api_limit(settings):
    settings.TRUSTED_PROXY_COUNT, settings.API_THROTTLE_ANON = 1, "3/minute"
    direct = Client(REMOTE_ADDR="203.0.113.5")

    answers = [
        direct.get("/api/v1/categories/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]

    assert answers == [200, 200, 200, 429]


def test_clients_behind_the_proxy_are_limited_each_on_their_own(settings):
    settings.TRUSTED_PROXY_COUNT, settings.API_THROTTLE_ANON = 1, "3/minute"
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    answers = [
        proxy.get("/api/v1/categories/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)
    ]

    assert answers == [200, 200, 200, 200]


def test_rotating_the_header_around_the_proxy_does_not_dodge_the_login_limit(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory.create(email="ann@example.com")
    direct = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(5):
        direct.post(
            "/accounts/login/",
            {"login": "ann@example.com", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}",
        )

    response = direct.post(
        "/accounts/login/",
        {"login": "ann@example.com", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="6.6.6.99",
    )

    assert "Too many failed login attempts" in response.content.decode()
