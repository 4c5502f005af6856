"""Reviews: only buyers, once each; moderation drives the product's rating, page and JSON-LD."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from emporium.catalog.models import Product
from emporium.catalog.tests.factories import ProductFactory, VariantFactory
from emporium.orders.models import OrderStatus
from emporium.reviews.exceptions import AlreadyReviewed, NotABuyer
from emporium.reviews.models import Review, ReviewStatus
from emporium.reviews.services import moderate_review, vote_review_helpful, write_review
from emporium.reviews.tests.factories import ReviewFactory, make_buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return VariantFactory.create()


def _write(product, customer, rating=5, body="Very good"):
    return write_review(product=product, customer=customer, rating=rating, title="", body=body)


def test_a_customer_who_never_bought_the_product_cannot_review_it(variant):
    stranger = make_buyer(variant=VariantFactory.create())  # bought something else

    with pytest.raises(NotABuyer):
        _write(variant.product, stranger)


def test_an_unpaid_order_is_not_a_purchase(variant):
    customer = make_buyer(variant=variant, status=OrderStatus.UNPAID)

    with pytest.raises(NotABuyer):
        _write(variant.product, customer)


def test_a_buyer_reviews_once_and_the_review_waits_for_moderation(variant):
    customer = make_buyer(variant=variant)

    review = _write(variant.product, customer)
    with pytest.raises(AlreadyReviewed):
        _write(variant.product, customer, rating=1)

    assert (review.status, review.is_verified_purchase) == (ReviewStatus.PENDING, True)
    assert Review.objects.count() == 1


def test_approving_and_hiding_reviews_keeps_the_products_rating(variant):
    first = _write(variant.product, make_buyer(variant=variant), rating=5)
    second = _write(variant.product, make_buyer(variant=variant), rating=2)

    moderate_review(review=first, status=ReviewStatus.APPROVED)
    moderate_review(review=second, status=ReviewStatus.APPROVED)
    product = Product.objects.get(pk=variant.product_id)
    assert (product.rating_average, product.rating_count) == (Decimal("3.50"), 2)

    moderate_review(review=first, status=ReviewStatus.HIDDEN)
    product.refresh_from_db()
    assert (product.rating_average, product.rating_count) == (Decimal("2.00"), 1)


def _json_ld_product(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    return next(data for data in map(json.loads, blocks) if data.get("@type") == "Product")


def test_the_product_page_and_its_json_ld_show_the_approved_rating(client, variant):
    moderate_review(
        review=_write(variant.product, make_buyer(variant=variant), rating=4), status=ReviewStatus.APPROVED
    )

    response = client.get(variant.product.get_absolute_url())

    html = response.content.decode()
    assert "4.0 out of 5" in html
    assert "(1 review)" in html
    assert _json_ld_product(html)["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "4.00",
        "reviewCount": 1,
        "bestRating": 5,
        "worstRating": 1,
    }


def test_a_product_without_approved_reviews_has_no_aggregate_rating(client, variant):
    _write(variant.product, make_buyer(variant=variant))  # pending

    response = client.get(variant.product.get_absolute_url())

    assert "aggregateRating" not in _json_ld_product(response.content.decode())


def test_the_rating_shows_on_product_cards(client, variant):
    moderate_review(
        review=_write(variant.product, make_buyer(variant=variant), rating=5), status=ReviewStatus.APPROVED
    )

    response = client.get(variant.product.category.get_absolute_url())

    assert "5.0 out of 5" in response.content.decode()


def test_review_text_is_escaped(client, variant):
    review = _write(variant.product, make_buyer(variant=variant), body='<script>alert("x")</script>')
    moderate_review(review=review, status=ReviewStatus.APPROVED)

    html = client.get(variant.product.get_absolute_url()).content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def _reviews(product, count):
    for helpful in range(count):
        ReviewFactory.create(product=product, helpful_count=helpful)
    Product.objects.filter(pk=product.pk).update(rating_average=Decimal(4), rating_count=count)


@pytest.mark.parametrize("count", [3, 25])
def test_the_review_listing_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    product = ProductFactory.create()
    _reviews(product, count)
    url = reverse("reviews:product-reviews", args=[product.slug])
    client.get(url)  # warm the caches (site, catalog version)

    with django_assert_num_queries(3):  # the product, the count, the page with its authors
        response = client.get(url, {"sort": "newest"})

    assert response.status_code == 200


def test_most_helpful_comes_first_and_newest_sorts_by_date(client):
    product = ProductFactory.create()
    ReviewFactory.create(product=product, title="Old but helpful", helpful_count=9)
    ReviewFactory.create(product=product, title="New", helpful_count=0)
    Product.objects.filter(pk=product.pk).update(rating_average=Decimal(4), rating_count=2)
    url = reverse("reviews:product-reviews", args=[product.slug])

    helpful = client.get(url).content.decode()
    newest = client.get(url, {"sort": "newest"}).content.decode()

    assert helpful.index("Old but helpful") < helpful.index(">New<")
    assert newest.index(">New<") < newest.index("Old but helpful")


def test_the_htmx_listing_answers_with_the_list_only(client):
    product = ProductFactory.create()
    _reviews(product, 12)

    response = client.get(
        reverse("reviews:product-reviews", args=[product.slug]),
        {"page": 2},
        headers={"HX-Request": "true", "HX-Target": "reviews-list"},
    )

    html = response.content.decode()
    assert 'id="reviews-list"' in html
    assert "<html" not in html
    assert "Page 2 of 2" in html


def test_a_helpful_vote_counts_once_per_customer(variant):
    review = ReviewFactory.create(product=variant.product)
    voter = make_buyer(variant=VariantFactory.create())

    vote_review_helpful(review_id=review.pk, customer=voter)
    vote_review_helpful(review_id=review.pk, customer=voter)

    review.refresh_from_db()
    assert review.helpful_count == 1


def test_the_write_page_takes_a_buyers_review(client, variant):
    customer = make_buyer(variant=variant)
    client.force_login(customer)

    response = client.post(
        reverse("reviews:write", args=[variant.product.slug]),
        {"rating": "5", "title": "Great", "body": "Really"},
    )

    assert response.status_code == 302
    assert Review.objects.get().status == ReviewStatus.PENDING


def test_the_write_page_keeps_the_input_when_the_rating_is_missing(client, variant):
    client.force_login(make_buyer(variant=variant))

    response = client.post(reverse("reviews:write", args=[variant.product.slug]), {"body": "Kept text"})

    assert response.status_code == 422
    assert "Kept text" in response.content.decode()


def test_posting_reviews_is_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "review": "2/h/key"}
    variants = VariantFactory.create_batch(3)
    customer = make_buyer(variant=variants[0])
    for variant in variants[1:]:
        make_buyer(variant=variant, email=customer.email)  # the same customer (get_or_create by e-mail)
    client.force_login(customer)

    statuses = [
        client.post(
            reverse("reviews:write", args=[v.product.slug]), {"rating": "4", "body": "ok"}
        ).status_code
        for v in variants
    ]

    assert statuses == [302, 302, 429]


def test_the_product_pages_helpful_button_carries_a_token_the_vote_accepts(variant):
    product = variant.product
    review = ReviewFactory.create(product=product)
    Product.objects.filter(pk=product.pk).update(rating_count=1, rating_average=Decimal(4))
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_buyer(variant=VariantFactory.create()))
    vote_url = reverse("reviews:helpful", args=[review.pk])

    page = client.get(reverse("catalog:product-detail", args=[product.slug])).content.decode()
    form = re.search(rf'<form[^>]*action="{vote_url}"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert form is not None, "the product page shows no helpful button"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1))
    assert token is not None
    response = client.post(vote_url, {"csrfmiddlewaretoken": token.group(1)})

    assert response.status_code < 400
    review.refresh_from_db()
    assert review.helpful_count == 1
