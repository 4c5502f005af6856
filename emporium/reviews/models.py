"""Customers' ratings and reviews of products they bought, and their "helpful" votes.

A review is written once per customer and product (a unique constraint backs the service's
check), waits for staff as ``pending``, and counts towards the product's rating only while
``approved``. ``helpful_count`` is a copy of the votes' count, kept by the vote service, so the
"most helpful" listing sorts on an indexed column instead of counting votes per page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from emporium.core.models import TimeStampedModel

MIN_RATING, MAX_RATING = 1, 5


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for moderation"
    APPROVED = "approved", "Approved"
    HIDDEN = "hidden", "Hidden"


class ReviewQuerySet(models.QuerySet["Review"]):
    def approved(self) -> ReviewQuerySet:
        return self.filter(status=ReviewStatus.APPROVED)


class Review(TimeStampedModel):
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="reviews")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_RATING), MaxValueValidator(MAX_RATING)]
    )
    title = models.CharField(max_length=120, blank=True)
    body = models.TextField(max_length=5000)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    # Set from the customer's orders when the review is written; only buyers may write one
    # today, so it is always true, but it is what the page shows and staff can filter on.
    is_verified_purchase = models.BooleanField(default=False)
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    staff_reply = models.TextField(blank=True, max_length=2000)
    replied_at = models.DateTimeField(null=True, blank=True, editable=False)
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "customer"], name="review_once_per_customer"),
            models.CheckConstraint(
                condition=Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING), name="review_rating_1_to_5"
            ),
        ]
        indexes = [
            # The product page's two sorts, led by the filter both apply.
            models.Index(
                fields=["product", "status", "-helpful_count", "-created_at"],
                name="review_product_helpful_idx",
            ),
            models.Index(fields=["product", "status", "-created_at"], name="review_product_newest_idx"),
            # The moderation queue in the admin.
            models.Index(fields=["status", "created_at"], name="review_status_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.product_id} by {self.customer_id}"

    @property
    def reviewer_name(self) -> str:
        """First name and initial ("Ann B."), never the e-mail address."""
        parts = (self.customer.full_name or "").split()
        if not parts:
            return "A customer"
        return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


class HelpfulVote(models.Model):
    """One customer found one review helpful; once each (a unique constraint)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="helpful_votes")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "customer"], name="helpful_vote_once_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} found review {self.review_id} helpful"
