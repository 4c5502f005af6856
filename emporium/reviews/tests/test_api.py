"""The reviews API: the listing's fixed cost, posting as a buyer only, problems as problem+json."""

from __future__ import annotations

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import ProductFactory, VariantFactory
from emporium.reviews.models import Review, ReviewStatus
from emporium.reviews.tests.factories import ReviewFactory, make_buyer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [2, 30])
def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    product = ProductFactory.create()
    ReviewFactory.create_batch(count, product=product)
    ReviewFactory.create(product=product, status=ReviewStatus.PENDING, title="Not yet")
    url = f"/api/v1/products/{product.slug}/reviews/"
    client.get(url)

    with django_assert_num_queries(2):  # the product, the page of reviews with their authors
        response = client.get(url, {"sort": "newest", "page_size": 24})

    titles = [review["title"] for review in response.json()["results"]]
    assert len(titles) == min(count, 24)
    assert "Not yet" not in titles


def _post_review(client, variant, **body):
    return client.post(
        f"/api/v1/products/{variant.product.slug}/reviews/",
        {"body": "Lovely", **body},
        content_type="application/json",
    )


def test_a_buyer_posts_a_review_that_waits_for_moderation(client):
    variant = VariantFactory.create()
    client.force_login(make_buyer(variant=variant))

    response = _post_review(client, variant, rating=5)

    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_a_customer_who_did_not_buy_gets_a_403_problem(client):
    variant = VariantFactory.create()
    client.force_login(UserFactory.create())

    response = client.post(
        f"/api/v1/products/{variant.product.slug}/reviews/",
        {"rating": 5, "body": "x"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_a_buyer"
    assert not Review.objects.exists()


def test_a_rating_of_six_is_a_400_naming_the_field(client):
    variant = VariantFactory.create()
    client.force_login(make_buyer(variant=variant))

    response = client.post(
        f"/api/v1/products/{variant.product.slug}/reviews/",
        {"rating": 6, "body": "x"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "rating" in response.json()["errors"]


def test_a_helpful_vote_through_the_api_counts_once(client):
    review = ReviewFactory.create()
    client.force_login(UserFactory.create())

    client.post(f"/api/v1/reviews/{review.pk}/helpful/")
    response = client.post(f"/api/v1/reviews/{review.pk}/helpful/")

    assert response.json() == {"id": review.pk, "helpful_count": 1}


def test_voting_for_your_own_review_is_a_409(client):
    review = ReviewFactory.create()
    client.force_login(review.customer)

    response = client.post(f"/api/v1/reviews/{review.pk}/helpful/")

    assert (response.status_code, response.json()["code"]) == (409, "own_review")
