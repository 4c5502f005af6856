"""Staff catalog API: list and search every product; create and edit products, prices, stock
and publication.

Catalog managers write, analysts read (emporium.accounts.api.permissions). The writes are the catalog
services, which save through the models: summaries refresh and the catalog version moves on,
so storefront pages and the public API show an edit with the next request.
"""

from __future__ import annotations

from typing import cast

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.api.permissions import CanManageProductImages, CanManageProducts, CanManageVariants
from emporium.catalog.api.staff_serializers import (
    StaffProductFilters,
    StaffProductImageInput,
    StaffProductImageOutput,
    StaffProductInput,
    StaffProductOutput,
    StaffProductSummaryOutput,
    StaffVariantInput,
    StaffVariantOutput,
)
from emporium.catalog.models import Product, Variant
from emporium.catalog.selectors import list_products_for_staff
from emporium.catalog.services import (
    ProductFields,
    VariantFields,
    add_product_image,
    create_product,
    create_variant,
    update_product,
    update_variant,
)
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of


def _products() -> QuerySet[Product]:
    return Product.objects.select_related("category", "product_type").prefetch_related(
        Prefetch("variants", Variant.objects.order_by("position", "pk"))
    )


def _product_output(product_id: int) -> dict[str, object]:
    return dict(StaffProductOutput(_products().get(pk=product_id)).data)


class StaffProductListApi(APIView):
    permission_classes = (CanManageProducts,)

    @extend_schema(
        operation_id="staff_products_list",
        parameters=[StaffProductFilters, *CURSOR_PARAMETERS],
        responses={200: cursor_page_of(StaffProductSummaryOutput)},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        """Every product, published or not, newest first: searched with `q`, filtered by
        publication and category, a cursor page at a time."""
        filters = StaffProductFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        products = list_products_for_staff(
            query=params.get("q", ""), is_published=params["published"], category=params.get("category")
        )
        paginator = ApiCursorPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        return paginator.get_paginated_response(StaffProductSummaryOutput(page, many=True).data)

    @extend_schema(request=StaffProductInput, responses={201: StaffProductOutput}, tags=["staff"])
    def post(self, request: Request) -> Response:
        """A new product (unpublished unless `is_published`); add its variants next."""
        serializer = StaffProductInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = create_product(fields=cast(ProductFields, serializer.validated_data))
        return Response(_product_output(product.pk), status=status.HTTP_201_CREATED)


class StaffProductDetailApi(APIView):
    permission_classes = (CanManageProducts,)

    @extend_schema(responses={200: StaffProductOutput}, tags=["staff"])
    def get(self, request: Request, product_id: int) -> Response:
        """Any product, published or not, with its variants' prices and stock."""
        return Response(StaffProductOutput(get_object_or_404(_products(), pk=product_id)).data)

    @extend_schema(
        request=StaffProductInput(partial=True), responses={200: StaffProductOutput}, tags=["staff"]
    )
    def patch(self, request: Request, product_id: int) -> Response:
        """Change some fields; `{"is_published": true}` publishes."""
        product = get_object_or_404(Product, pk=product_id)
        serializer = StaffProductInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        update_product(product=product, fields=cast(ProductFields, serializer.validated_data))
        return Response(_product_output(product.pk))


class StaffVariantCreateApi(APIView):
    permission_classes = (CanManageVariants,)

    @extend_schema(request=StaffVariantInput, responses={201: StaffVariantOutput}, tags=["staff"])
    def post(self, request: Request, product_id: int) -> Response:
        product = get_object_or_404(Product, pk=product_id)
        serializer = StaffVariantInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        variant = create_variant(product=product, fields=cast(VariantFields, serializer.validated_data))
        return Response(StaffVariantOutput(variant).data, status=status.HTTP_201_CREATED)


class StaffVariantDetailApi(APIView):
    permission_classes = (CanManageVariants,)

    @extend_schema(
        request=StaffVariantInput(partial=True), responses={200: StaffVariantOutput}, tags=["staff"]
    )
    def patch(self, request: Request, variant_id: int) -> Response:
        """Change a price (`price_amount`, `compare_at_amount`) or the stock on hand."""
        variant = get_object_or_404(Variant, pk=variant_id)
        serializer = StaffVariantInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        variant = update_variant(variant=variant, fields=cast(VariantFields, serializer.validated_data))
        return Response(StaffVariantOutput(variant).data)


class StaffProductImageCreateApi(APIView):
    permission_classes = (CanManageProductImages,)
    parser_classes = (MultiPartParser,)

    @extend_schema(
        request={"multipart/form-data": StaffProductImageInput},
        responses={201: StaffProductImageOutput},
        tags=["staff"],
    )
    def post(self, request: Request, product_id: int) -> Response:
        """Add a picture (multipart `image`): refused unless a JPEG, PNG or WebP of at most 40
        million pixels; stored re-encoded, upright and without EXIF (location, camera)."""
        product = get_object_or_404(Product, pk=product_id)
        serializer = StaffProductImageInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        image = add_product_image(product=product, **serializer.validated_data)
        return Response(StaffProductImageOutput(image).data, status=status.HTTP_201_CREATED)
