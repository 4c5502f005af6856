"""One page of a product's reviews as the storefront shows it: on the product page (through
the ``{% product_reviews %}`` tag) and on the reviews page, with the same links and partial."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from emporium.accounts.identity import signed_in_user
from emporium.reviews.models import Review
from emporium.reviews.selectors import ReviewSort, list_helpful_review_ids, list_product_reviews

LIST_TARGET = "reviews-list"  # the id of the swappable region
PAGE_SIZE = 10


class RatedProduct(Protocol):
    """A product row or the catalog's cached ProductPage: what the listing needs of either."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def rating_average(self) -> Decimal | None: ...
    @property
    def rating_count(self) -> int: ...


@dataclass(frozen=True)
class SortLink:
    label: str
    url: str
    is_current: bool


@dataclass(frozen=True)
class ReviewListing:
    product_name: str
    rating_average: Decimal | None
    rating_count: int
    sort: ReviewSort
    page: Page[Review]
    voted_ids: frozenset[int]
    sort_links: tuple[SortLink, ...]
    previous_url: str
    next_url: str
    write_url: str
    here: str  # where a vote sends the shopper back to


def _url(base: str, *, sort: ReviewSort, page: int) -> str:
    params = {}
    if sort != ReviewSort.HELPFUL:
        params["sort"] = sort.value
    if page > 1:
        params["page"] = str(page)
    return f"{base}?{urlencode(params)}" if params else base


def build_review_listing(
    request: HttpRequest, *, product: RatedProduct, sort: ReviewSort, page: int
) -> ReviewListing:
    """Two queries (count, page) and one more for a customer's votes; none for a product
    without approved reviews, whose count is on the product row already."""
    base = reverse("reviews:product-reviews", args=[product.slug])
    reviews = (
        list_product_reviews(product_id=product.id, sort=sort)
        if product.rating_count
        else Review.objects.none()
    )
    paginator = Paginator(reviews, PAGE_SIZE, allow_empty_first_page=True)
    shown = paginator.get_page(page)
    voted = list_helpful_review_ids(
        customer=signed_in_user(request), review_ids=[review.pk for review in shown.object_list]
    )
    return ReviewListing(
        product_name=product.name,
        rating_average=product.rating_average,
        rating_count=product.rating_count,
        sort=sort,
        page=shown,
        voted_ids=frozenset(voted),
        sort_links=(
            SortLink("Most helpful", _url(base, sort=ReviewSort.HELPFUL, page=1), sort == ReviewSort.HELPFUL),
            SortLink("Newest", _url(base, sort=ReviewSort.NEWEST, page=1), sort == ReviewSort.NEWEST),
        ),
        previous_url=_url(base, sort=sort, page=shown.previous_page_number()) if shown.has_previous() else "",
        next_url=_url(base, sort=sort, page=shown.next_page_number()) if shown.has_next() else "",
        write_url=reverse("reviews:write", args=[product.slug]),
        here=_url(base, sort=sort, page=shown.number),
    )
