"""Reads of reviews: who may write one, and the product page's listing."""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet

from emporium.accounts.models import User
from emporium.orders.models import OrderLine, OrderStatus
from emporium.reviews.models import HelpfulVote, Review

# An order whose goods were paid for (and possibly sent, delivered or partly refunded):
# its customer bought what is on it. Unpaid, cancelled and fully refunded orders are not purchases.
PURCHASED_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.FULFILLED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.PARTIALLY_REFUNDED,
)


class ReviewSort(StrEnum):
    HELPFUL = "helpful"
    NEWEST = "newest"


REVIEW_ORDERINGS: dict[ReviewSort, tuple[str, ...]] = {
    ReviewSort.HELPFUL: ("-helpful_count", "-created_at", "-pk"),
    ReviewSort.NEWEST: ("-created_at", "-pk"),
}


def has_customer_bought_product(*, customer: User, product_id: int) -> bool:
    """Whether one of the customer's paid orders holds a variant of this product."""
    return OrderLine.objects.filter(
        order__customer=customer, order__status__in=PURCHASED_STATUSES, variant__product_id=product_id
    ).exists()


def get_customer_review(*, customer: User, product_id: int) -> Review | None:
    """The customer's own review of the product, whatever its moderation state."""
    return Review.objects.filter(customer=customer, product_id=product_id).first()


def list_product_reviews(*, product_id: int, sort: ReviewSort = ReviewSort.HELPFUL) -> QuerySet[Review]:
    """Approved reviews of a product with their authors, in one query per page."""
    return (
        Review.objects.approved()
        .filter(product_id=product_id)
        .select_related("customer")
        .order_by(*REVIEW_ORDERINGS[sort])
    )


def list_helpful_review_ids(*, customer: User | None, review_ids: list[int]) -> set[int]:
    """Which of these reviews the customer already found helpful (one query; none for visitors)."""
    if customer is None or not review_ids:
        return set()
    return set(
        HelpfulVote.objects.filter(customer=customer, review_id__in=review_ids).values_list(
            "review_id", flat=True
        )
    )
