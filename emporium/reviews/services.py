"""Writes on reviews: a buyer's review, staff moderation, helpful votes.

Rules: only a customer with a paid order holding the product may review it, once (the unique
constraint decides a race between two tabs); a review counts towards the product's rating
only once approved; the rating on the product is recomputed from the approved reviews
whenever a review enters or leaves that state, in the same transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F
from django.utils import timezone

from emporium.accounts.models import User
from emporium.catalog.models import Product
from emporium.catalog.services import record_product_rating
from emporium.reviews.exceptions import AlreadyReviewed, NotABuyer, OwnReviewVote, ReviewNotFound
from emporium.reviews.models import HelpfulVote, Review, ReviewStatus
from emporium.reviews.selectors import has_customer_bought_product


def write_review(*, product: Product, customer: User, rating: int, title: str, body: str) -> Review:
    """A buyer's review, pending until staff approve it. Raises NotABuyer, AlreadyReviewed."""
    if not has_customer_bought_product(customer=customer, product_id=product.pk):
        raise NotABuyer()
    if Review.objects.filter(product=product, customer=customer).exists():
        raise AlreadyReviewed()
    review = Review(
        product=product,
        customer=customer,
        rating=rating,
        title=title.strip(),
        body=body.strip(),
        is_verified_purchase=True,
    )
    review.full_clean(exclude=["product", "customer"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as error:  # the same customer, in another tab, a moment earlier
        raise AlreadyReviewed() from error
    return review


def refresh_product_rating(*, product_id: int) -> None:
    """Recompute the product's average and count from its approved reviews."""
    totals = (
        Review.objects.approved()
        .filter(product_id=product_id)
        .aggregate(average=Avg("rating"), count=Count("pk"))
    )
    average = totals["average"]
    record_product_rating(
        product_id=product_id,
        average=None if average is None else round(average, 2),
        count=totals["count"],
    )


@transaction.atomic
def moderate_review(*, review: Review, status: ReviewStatus) -> Review:
    """Approve or hide a review (or send it back to pending); the product's rating follows."""
    was_counted = review.status == ReviewStatus.APPROVED
    review.status = status
    review.moderated_at = timezone.now()
    review.save(update_fields=["status", "moderated_at", "updated_at"])
    if was_counted or status == ReviewStatus.APPROVED:
        refresh_product_rating(product_id=review.product_id)
    return review


def reply_to_review(*, review: Review, reply: str) -> Review:
    """Staff's public answer under a review; an empty reply takes it down."""
    review.staff_reply = reply.strip()
    review.replied_at = timezone.now() if review.staff_reply else None
    review.full_clean(exclude=["product", "customer"], validate_unique=False, validate_constraints=False)
    review.save(update_fields=["staff_reply", "replied_at", "updated_at"])
    return review


def vote_review_helpful(*, review_id: int, customer: User) -> Review:
    """The customer found an approved review helpful; a second vote changes nothing.

    The count goes up only when this call inserted the vote (the unique constraint admits one
    per customer), and by an UPDATE relative to the stored value, so racing votes all count.
    """
    review = Review.objects.approved().filter(pk=review_id).first()
    if review is None:
        raise ReviewNotFound()
    if review.customer_id == customer.pk:
        raise OwnReviewVote()
    with transaction.atomic():
        _, created = HelpfulVote.objects.get_or_create(review=review, customer=customer)
        if created:
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
    review.refresh_from_db(fields=["helpful_count"])
    return review
