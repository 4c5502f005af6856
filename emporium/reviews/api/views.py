"""Reviews over the REST API: the same selectors and services as the storefront's pages."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.identity import signed_in_user
from emporium.catalog.models import Product
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.reviews.limits import check_review_rate_limit
from emporium.reviews.models import MAX_RATING, MIN_RATING, Review
from emporium.reviews.selectors import REVIEW_ORDERINGS, ReviewSort, list_product_reviews
from emporium.reviews.services import vote_review_helpful, write_review


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    rating = serializers.IntegerField(min_value=MIN_RATING, max_value=MAX_RATING)
    title = serializers.CharField()
    body = serializers.CharField()
    reviewer_name = serializers.CharField()
    is_verified_purchase = serializers.BooleanField()
    helpful_count = serializers.IntegerField()
    staff_reply = serializers.CharField()
    status = serializers.CharField(
        help_text="`pending` until staff approve it; only approved reviews are listed."
    )
    created_at = serializers.DateTimeField()


class ReviewInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=MIN_RATING, max_value=MAX_RATING)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=5000)


class ReviewListInput(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=[sort.value for sort in ReviewSort], default=ReviewSort.HELPFUL.value
    )


class HelpfulOutput(serializers.Serializer):
    id = serializers.IntegerField()
    helpful_count = serializers.IntegerField()


def _published_product(slug: str) -> Product:
    product = Product.objects.published().filter(slug=slug).first()
    if product is None:
        raise Http404("No such product.")
    return product


def _pagination(sort: ReviewSort) -> ApiCursorPagination:
    paginator = ApiCursorPagination()
    paginator.ordering = REVIEW_ORDERINGS[sort]
    return paginator


class ProductReviewsApi(APIView):
    def get_permissions(self) -> list:
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        operation_id="product_reviews_list",
        parameters=[ReviewListInput, *CURSOR_PARAMETERS],
        responses={200: cursor_page_of(ReviewOutput)},
        tags=["reviews"],
    )
    def get(self, request: Request, slug: str) -> Response:
        """A product's approved reviews, most helpful (default) or newest first, a cursor page at a time."""
        params = ReviewListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        sort = ReviewSort(params.validated_data["sort"])
        product = _published_product(slug)
        paginator = _pagination(sort)
        page = paginator.paginate_queryset(
            list_product_reviews(product_id=product.pk, sort=sort), request, view=self
        )
        return paginator.get_paginated_response(ReviewOutput(page, many=True).data)

    @extend_schema(
        operation_id="product_reviews_create",
        request=ReviewInput,
        responses={201: ReviewOutput},
        tags=["reviews"],
    )
    def post(self, request: Request, slug: str) -> Response:
        """Review a product you bought, once; it is listed after staff approve it.
        403 `not_a_buyer`, 409 `already_reviewed`, 429 `too_many_reviews`."""
        serializer = ReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = _published_product(slug)
        customer = signed_in_user(request)
        assert customer is not None  # IsAuthenticated
        check_review_rate_limit(request=request, customer=customer)
        review: Review = write_review(product=product, customer=customer, **serializer.validated_data)
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


class VoteReviewHelpfulApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="reviews_helpful_vote",
        request=None,
        parameters=[OpenApiParameter("review_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: HelpfulOutput},
        tags=["reviews"],
    )
    def post(self, request: Request, review_id: int) -> Response:
        """Say an approved review was helpful; once per customer (again changes nothing).
        404 `review_not_found`, 409 `own_review`."""
        customer = signed_in_user(request)
        assert customer is not None
        review = vote_review_helpful(review_id=review_id, customer=customer)
        return Response(HelpfulOutput(review).data)
