"""Public catalog API: the storefront's cached page selectors, as JSON.

The same selectors build the storefront's pages, so filters, sorts and search rank exactly
as there. Every read carries an ETag made of the catalog version and is answered from a cache
of its JSON (emporium.catalog.api.conditional): a client sending the ETag back gets 304.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from emporium.catalog.api.conditional import catalog_response
from emporium.catalog.api.serializers import (
    CategoryDetailOutput,
    CategoryNodeOutput,
    ProductDetailOutput,
    ProductListFilters,
    ProductPageOutput,
)
from emporium.catalog.selectors import (
    ALL_PRODUCTS,
    ProductFilters,
    ProductSort,
    ResultsPage,
    get_category_listing,
    get_category_page,
    get_product_page,
    get_search_results,
    list_category_tree,
)

NOT_MODIFIED = {304: OpenApiResponse(description="Not modified: the ETag sent in If-None-Match still holds.")}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="An ETag from an earlier answer."
)


class CategoryListApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="categories_list",
        parameters=[IF_NONE_MATCH],
        responses={200: CategoryNodeOutput(many=True), **NOT_MODIFIED},
        tags=["catalog"],
    )
    def get(self, request: Request) -> HttpResponse:
        """Every category in tree order (parents first); small and cached, so not paginated."""
        return catalog_response(
            request, build=lambda: CategoryNodeOutput(list_category_tree(), many=True).data
        )


class CategoryDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[IF_NONE_MATCH],
        responses={200: CategoryDetailOutput, **NOT_MODIFIED},
        tags=["catalog"],
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        def build() -> dict[str, Any]:
            category = get_category_page(slug=slug)
            if category is None:
                raise Http404
            return dict(CategoryDetailOutput(category).data)

        return catalog_response(request, build=build)


class ProductListApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="products_list",
        parameters=[ProductListFilters, IF_NONE_MATCH],
        responses={200: ProductPageOutput, **NOT_MODIFIED},
        tags=["catalog"],
    )
    def get(self, request: Request) -> HttpResponse:
        """Published products, filtered and sorted like a storefront listing, or searched with `q`.

        Page numbers rather than cursors: shoppers sort by price, popularity or name, and those
        orders are not stable keys to resume from; the page data is cached per catalog version.
        """
        return catalog_response(request, build=lambda: self._build(request))

    def _build(self, request: Request) -> dict[str, Any]:
        serializer = ProductListFilters(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data
        page, per_page = params["page"], params["page_size"]
        results: ResultsPage | None
        corrected_query: str | None = None
        if params.get("q"):
            search = get_search_results(query=params["q"], page=page, per_page=per_page)
            results, corrected_query = search.results, search.corrected_query
        else:
            category = ALL_PRODUCTS
            subtree: tuple[tuple[str, int], ...] = ()
            if slug := params.get("category"):
                category_page = get_category_page(slug=slug)
                if category_page is None:
                    raise Http404
                category, subtree = category_page.category, category_page.subtree
            filters = ProductFilters(
                sort=ProductSort(params["sort"]),
                price_min=params.get("price_min"),
                price_max=params.get("price_max"),
                in_stock_only=params["in_stock"],
            )
            results = get_category_listing(
                category=category, filters=filters, page=page, per_page=per_page, subtree=subtree
            )
        if results is None:  # a query of symbols only: nothing to search for
            results = ResultsPage(cards=(), number=1, num_pages=1, count=0, per_page=per_page)
        url = request.build_absolute_uri()
        body = dict(ProductPageOutput(results).data)
        body["next"] = (
            replace_query_param(url, "page", results.next_page_number) if results.has_next else None
        )
        body["previous"] = (
            replace_query_param(url, "page", results.previous_page_number) if results.has_previous else None
        )
        if corrected_query is not None:
            body["corrected_query"] = corrected_query
        return body


class ProductDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[IF_NONE_MATCH],
        responses={200: ProductDetailOutput, **NOT_MODIFIED},
        tags=["catalog"],
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        """A published product with its variants (price, stock state) and pictures."""

        def build() -> dict[str, Any]:
            product = get_product_page(slug=slug)
            if product is None:
                raise Http404
            return dict(ProductDetailOutput(product).data)

        return catalog_response(request, build=build)
