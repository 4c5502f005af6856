"""A customer sees their own gift cards (page and API), masked, and nobody else's."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from emporium.accounts.tests.factories import UserFactory
from emporium.core.tests.api_clients import bearer_client
from emporium.giftcards.tests.factories import GiftCardFactory

pytestmark = pytest.mark.django_db

CODE = "7KQ2-M9XD-4RT8-PZ3A"


def test_the_page_lists_cards_owned_or_issued_to_the_customers_email_masked(client):
    ann = UserFactory.create(email="ann@example.com")
    GiftCardFactory.create(
        code=CODE, owner=ann, initial_amount=Decimal("25.00"), balance_amount=Decimal("7.50")
    )
    GiftCardFactory.create(code="AAAA-BBBB-CCCC-DDDD", recipient_email="ann@example.com")
    GiftCardFactory.create(code="EEEE-FFFF-GGGG-HHHH", recipient_email="bob@example.com")
    client.force_login(ann)

    html = client.get("/account/gift-cards/").content.decode()

    assert "\N{HORIZONTAL ELLIPSIS}PZ3A" in html
    assert "£7.50" in html
    assert "\N{HORIZONTAL ELLIPSIS}DDDD" in html
    assert "HHHH" not in html  # Bob's
    assert "M9XD" not in html  # never the full code


def test_the_page_says_when_a_card_expires(client):
    ann = UserFactory.create()
    GiftCardFactory.create(owner=ann, expires_at=timezone.now() + timedelta(days=30))
    client.force_login(ann)

    html = client.get("/account/gift-cards/").content.decode()

    assert (timezone.now() + timedelta(days=30)).strftime("%Y") in html


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get("/account/gift-cards/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_api_lists_only_the_customers_own_cards():
    ann = UserFactory.create(email="ann@example.com")
    GiftCardFactory.create(code=CODE, owner=ann, initial_amount=Decimal("25.00"))
    GiftCardFactory.create(recipient_email="bob@example.com")

    body = bearer_client(ann).get("/api/v1/account/gift-cards/").json()

    assert [card["code"] for card in body["results"]] == ["\N{HORIZONTAL ELLIPSIS}PZ3A"]
    assert body["results"][0]["balance"] == {"amount": "25.00", "currency": "GBP"}


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_api_list_runs_a_fixed_number_of_queries(page_size, django_assert_max_num_queries):
    ann = UserFactory.create()
    for _ in range(3):
        GiftCardFactory.create(owner=ann)
    client = bearer_client(ann)

    with django_assert_max_num_queries(4):
        client.get(f"/api/v1/account/gift-cards/?page_size={page_size}")


@pytest.mark.parametrize("cards", [1, 15])
def test_the_page_runs_a_fixed_number_of_queries_whatever_the_cards(
    cards, client, django_assert_max_num_queries
):
    ann = UserFactory.create()
    for _ in range(cards):
        GiftCardFactory.create(owner=ann)
    client.force_login(ann)
    client.get("/account/gift-cards/")  # warms the storefront's cached header navigation

    # (session,) user, the cards
    with django_assert_max_num_queries(3):
        client.get("/account/gift-cards/")
