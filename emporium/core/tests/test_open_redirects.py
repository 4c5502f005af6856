"""No `next` (or any other parameter) sends a visitor off the shop (issue 15): every route,
found by walking the URL configuration, is asked to redirect elsewhere, by anonymous visitors
and by a customer, and the logins and logouts that honour `next` are asked at the moment they
redirect. A new URL is covered the day it is added."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.core.tests.url_walk import ROUTES, paths_for

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ELSEWHERE = (
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
)
_REDIRECT_HEADERS = ("Location", "HX-Redirect", "HX-Location", "Refresh")


def _leaves_the_shop(response) -> str | None:
    """The header that would take the browser to another site or run a script, if any."""
    for header in _REDIRECT_HEADERS:
        if not (target := response.get(header)):
            continue
        target = target.split("url=", 1)[-1].strip()  # Refresh: 0;url=...
        parts = urlsplit(target.replace("\\", "/"))
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
            return f"{header}: {target}"
        if target.lstrip().startswith(("//", "/\\", "\\")):
            return f"{header}: {target}"
    return None


def _asked_to_leave(client: Client, path: str) -> list[tuple[str, str]]:
    query = {"next": ELSEWHERE[0], "redirect_to": ELSEWHERE[1], "return_to": ELSEWHERE[1]}
    answers = [client.get(path, query), client.post(f"{path}?next={ELSEWHERE[1]}", query)]
    return [(path, leak) for response in answers if (leak := _leaves_the_shop(response))]


def test_no_route_redirects_off_the_shop():
    customer = Client(raise_request_exception=False)
    customer.force_login(UserFactory.create())
    anonymous = Client(raise_request_exception=False)
    plain_routes = [paths_for(route)[0] for route in ROUTES]

    leaks = [
        leak
        for path in plain_routes
        for client in (anonymous, customer)
        for leak in _asked_to_leave(client, path)
    ]

    assert leaks == []


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logging_in_with_a_foreign_next_lands_in_the_shop(client, target):
    UserFactory.create(email="ann@example.com")

    response = client.post(
        f"/accounts/login/?next={target}", {"login": "ann@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert _leaves_the_shop(response) is None
    assert response["Location"] == "/account/"


def test_logging_in_with_a_next_in_the_shop_goes_there(client):
    UserFactory.create(email="ann@example.com")

    response = client.post("/accounts/login/?next=/cart/", {"login": "ann@example.com", "password": PASSWORD})

    assert response["Location"] == "/cart/"  # so the tests above refuse only what leaves


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logging_out_with_a_foreign_next_lands_in_the_shop(client, target):
    client.force_login(UserFactory.create())

    response = client.post("/accounts/logout/", {"next": target})

    assert response.status_code == 302
    assert _leaves_the_shop(response) is None


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_staff_admin_login_and_logout_refuse_a_foreign_next(client, settings, target):
    settings.STAFF_MFA_REQUIRED = False
    StaffUserFactory.create(email="staff@example.com", is_superuser=True)

    logged_in = client.post(
        f"/admin/login/?next={target}",
        {"username": "staff@example.com", "password": PASSWORD, "next": target},
    )
    logged_out = client.post(f"/admin/logout/?next={target}", {"next": target})

    assert _leaves_the_shop(logged_in) is None
    assert _leaves_the_shop(logged_out) is None
