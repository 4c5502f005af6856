"""Staff catalog API: list and search every product; create and edit products, prices, stock
and publication; list, create, edit, move and delete categories.

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

from emporium.accounts.api.permissions import (
    CanManageCategories,
    CanManageProductImages,
    CanManageProducts,
    CanManageVariants,
)
from emporium.catalog.api.staff_serializers import (
    StaffCategoryInput,
    StaffCategoryOutput,
    StaffProductFilters,
    StaffProductImageInput,
    StaffProductImageOutput,
    StaffProductInput,
    StaffProductOutput,
    StaffProductSummaryOutput,
    StaffVariantInput,
    StaffVariantOutput,
)
from emporium.catalog.models import Category, Product, Variant
from emporium.catalog.selectors import list_categories_for_staff, list_products_for_staff
from emporium.catalog.services import (
    CategoryFields,
    ProductFields,
    VariantFields,
    add_product_image,
    create_category,
    create_product,
    create_variant,
    delete_category,
    update_category,
    update_product,
    update_variant,
)
from emporium.core.api.pagination import CURSOR_PARAMETERS, ApiCursorPagination, cursor_page_of
from emporium.core.api.schema import problems


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


class TreeOrder(ApiCursorPagination):
    # The materialised path is unique and sorts parents before their children.
    ordering = ("path",)


def _category_output(category_id: int) -> dict[str, object]:
    return dict(StaffCategoryOutput(list_categories_for_staff().get(pk=category_id)).data)


class StaffCategoryListApi(APIView):
    permission_classes = (CanManageCategories,)

    @extend_schema(
        operation_id="staff_categories_list",
        parameters=CURSOR_PARAMETERS,
        responses={200: cursor_page_of(StaffCategoryOutput)},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        """Every category in tree order (parents before their children), with its parent,
        depth and how many sub-categories and products it holds, a cursor page at a time."""
        paginator = TreeOrder()
        page = paginator.paginate_queryset(list_categories_for_staff(), request, view=self)
        return paginator.get_paginated_response(StaffCategoryOutput(page, many=True).data)

    @extend_schema(request=StaffCategoryInput, responses={201: StaffCategoryOutput}, tags=["staff"])
    def post(self, request: Request) -> Response:
        """A new category under `parent` (a slug), or at the top of the tree; siblings sort by name."""
        serializer = StaffCategoryInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = create_category(fields=cast(CategoryFields, serializer.validated_data))
        return Response(_category_output(category.pk), status=status.HTTP_201_CREATED)


class StaffCategoryDetailApi(APIView):
    permission_classes = (CanManageCategories,)

    @extend_schema(responses={200: StaffCategoryOutput}, tags=["staff"])
    def get(self, request: Request, category_id: int) -> Response:
        """A category with its place in the tree, its text and what it holds."""
        return Response(
            StaffCategoryOutput(get_object_or_404(list_categories_for_staff(), pk=category_id)).data
        )

    @extend_schema(
        request=StaffCategoryInput(partial=True), responses={200: StaffCategoryOutput}, tags=["staff"]
    )
    def patch(self, request: Request, category_id: int) -> Response:
        """Change some fields; `parent` moves the category with everything below it (null: to
        the top). Moving it under itself or one of its sub-categories is a 400 naming `parent`."""
        category = get_object_or_404(Category, pk=category_id)
        serializer = StaffCategoryInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        update_category(category=category, fields=cast(CategoryFields, serializer.validated_data))
        return Response(_category_output(category.pk))

    @extend_schema(
        responses={
            204: None,
            **problems(
                409,
                description="`category_not_empty`: it still holds products or sub-categories "
                "(`products` and `children` say how many); move or delete them first.",
            ),
        },
        tags=["staff"],
    )
    def delete(self, request: Request, category_id: int) -> Response:
        """Delete an empty category: one with no products and no sub-categories."""
        delete_category(category=get_object_or_404(Category, pk=category_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
