from __future__ import annotations

from emporium.core.exceptions import DomainError


class NotABuyer(DomainError):
    status = 403
    code = "not_a_buyer"
    default_message = "Only customers who bought this product can review it."


class AlreadyReviewed(DomainError):
    status = 409
    code = "already_reviewed"
    default_message = "You have already reviewed this product."


class TooManyReviews(DomainError):
    status = 429
    code = "too_many_reviews"
    default_message = "You have written several reviews in a short time. Please try again later."


class ReviewNotFound(DomainError):
    status = 404
    code = "review_not_found"
    default_message = "No such review."


class OwnReviewVote(DomainError):
    status = 409
    code = "own_review"
    default_message = "You cannot vote for your own review."
