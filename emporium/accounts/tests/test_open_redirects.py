"""No `next` sends a shopper off the shop: after logging in, signing up or logging out, a
foreign address is ignored and the usual page follows (issue 15, "open redirects")."""

import pytest

from emporium.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FOREIGN = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "https:evil.example",
    "\\\\evil.example",
]


@pytest.mark.parametrize("next_url", FOREIGN)
def test_logging_in_with_a_foreign_next_stays_on_the_shop(client, next_url):
    UserFactory.create(email="ann@example.com")

    response = client.post(
        "/accounts/login/",
        {"login": "ann@example.com", "password": "correct-horse-battery", "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/"


@pytest.mark.parametrize("next_url", FOREIGN)
def test_logging_out_with_a_foreign_next_stays_on_the_shop(client, next_url):
    client.force_login(UserFactory.create())

    response = client.post("/accounts/logout/", {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_next_on_the_shop_is_followed(client):
    UserFactory.create(email="ann@example.com")

    response = client.post(
        "/accounts/login/",
        {"login": "ann@example.com", "password": "correct-horse-battery", "next": "/cart/"},
    )

    assert response["Location"] == "/cart/"
