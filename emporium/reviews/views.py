"""Review pages: the listing (sorts and pages as links, swapped in place by htmx), writing a
review, and the "helpful" vote. Everything is a plain link or form without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from emporium.accounts.identity import signed_in_user
from emporium.catalog.models import Product
from emporium.reviews.exceptions import (
    AlreadyReviewed,
    NotABuyer,
    OwnReviewVote,
    ReviewNotFound,
    TooManyReviews,
)
from emporium.reviews.forms import ReviewForm, ReviewListForm
from emporium.reviews.limits import check_review_rate_limit
from emporium.reviews.listing import LIST_TARGET, build_review_listing
from emporium.reviews.selectors import get_customer_review, has_customer_bought_product
from emporium.reviews.services import vote_review_helpful, write_review


def _published_product(slug: str) -> Product:
    product = (
        Product.objects.published()
        .filter(slug=slug)
        .only("pk", "name", "slug", "rating_average", "rating_count")
        .first()
    )
    if product is None:
        raise Http404("No such product.")
    return product


@require_safe
def product_reviews_view(request: HttpRequest, slug: str) -> HttpResponse:
    product = _published_product(slug)
    form = ReviewListForm(request.GET)
    listing = build_review_listing(request, product=product, sort=form.chosen_sort, page=form.chosen_page)
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == LIST_TARGET and not htmx.history_restore_request:
        return render(request, "reviews/_review_list.html", {"listing": listing})
    return render(request, "reviews/product_reviews.html", {"product": product, "listing": listing})


@login_required
@require_http_methods(["GET", "POST"])
def write_review_view(request: HttpRequest, slug: str) -> HttpResponse:
    product = _published_product(slug)
    customer = signed_in_user(request)
    assert customer is not None  # login_required
    existing = get_customer_review(customer=customer, product_id=product.pk)
    is_buyer = existing is not None or has_customer_bought_product(customer=customer, product_id=product.pk)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST" and existing is None and is_buyer and form.is_valid():
        try:
            check_review_rate_limit(request=request, customer=customer)
            write_review(product=product, customer=customer, **form.cleaned_data)
        except (NotABuyer, AlreadyReviewed, TooManyReviews) as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(request, "Thank you: your review will appear once our team has checked it.")
            return redirect(product.get_absolute_url())
    if form.errors and status == 200:
        status = 422
    context = {"product": product, "form": form, "existing": existing, "is_buyer": is_buyer}
    return render(request, "reviews/write_review.html", context, status=status)


def _back(request: HttpRequest, fallback: str) -> str:
    """Where the form was (a product or reviews page), if it is ours; else the fallback."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def vote_helpful_view(request: HttpRequest, review_id: int) -> HttpResponse:
    customer = signed_in_user(request)
    assert customer is not None  # login_required
    try:
        review = vote_review_helpful(review_id=review_id, customer=customer)
    except ReviewNotFound as error:
        raise Http404(error.message) from error
    except OwnReviewVote as error:
        messages.info(request, error.message)
        return redirect(_back(request, "/"))
    if getattr(request, "htmx", None):
        return render(request, "reviews/_helpful.html", {"review": review, "has_voted": True})
    return redirect(_back(request, reverse("reviews:product-reviews", args=[review.product.slug])))
