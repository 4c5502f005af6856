"""Analytics API: one read-only endpoint per report, JSON or CSV, for analysts and managers.

Every report has one shape, held by ``AnalyticsApi``: its ``get`` parses the query (period,
currency, granularity ...) with the report's filters, asks ``read`` for the report (one selector
call), serialises it with the report's output serializer, and answers JSON or CSV (the report's
rows, emporium.analytics.api.renderers). A report declares only what differs: its name, its
serializers, its ``read``, and any error it documents; its docstring is its description in the
OpenAPI schema.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.api.permissions import CanViewAnalytics
from emporium.analytics import selectors
from emporium.analytics.api import serializers as io
from emporium.analytics.api.renderers import CsvRenderer
from emporium.analytics.selectors import ProductRanking
from emporium.core.api.schema import problems

CSV_RESPONSE = OpenApiResponse(response=OpenApiTypes.STR, description="The report's rows as CSV.")


class AnalyticsApi(APIView):
    """Base: the permission, JSON or CSV, a CSV that downloads under a telling name, and the
    one ``get`` every report shares."""

    permission_classes = (CanViewAnalytics,)
    renderer_classes = (JSONRenderer, CsvRenderer)
    report: ClassVar[str]  # names the CSV file and, with "_" for "-", the operation id
    filters: ClassVar[type[serializers.Serializer]] = io.ReportFilters
    output: ClassVar[type[serializers.Serializer]]
    row_serializer: ClassVar[type[serializers.Serializer]]  # the CSV's columns
    error_responses: ClassVar[dict[Any, OpenApiResponse]] = {}  # the report's own, beyond every API's

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Each report's schema, built once from what it declares; the report's docstring is the
        # operation's description.
        super().__init_subclass__(**kwargs)
        extend_schema_view(
            get=extend_schema(
                operation_id=f"analytics_{cls.report.replace('-', '_')}",
                description=inspect.cleandoc(cls.__doc__ or ""),
                parameters=[cls.filters],
                responses={
                    (200, "application/json"): cls.output,
                    (200, "text/csv"): CSV_RESPONSE,
                    **cls.error_responses,
                },
                tags=["analytics"],
            )
        )(cls)

    def get(self, request: Request, **url_kwargs: Any) -> Response:
        params = self.parse(request)
        return self.answer(self.output(self.read(params)).data, params)

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError  # each report calls its one selector

    def parse(self, request: Request) -> dict[str, Any]:
        filters = self.filters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return dict(filters.validated_data)

    def answer(self, data: Any, params: dict[str, Any]) -> Response:
        response = Response(data)
        if isinstance(getattr(self.request, "accepted_renderer", None), CsvRenderer):
            period = params["period"]
            response["Content-Disposition"] = (
                f'attachment; filename="{self.report}-{period.start}-{period.end}.csv"'
            )
        return response


class SalesOverTimeApi(AnalyticsApi):
    """Net revenue, sales and average order value per day, week or month, with the previous
    period of the same length."""

    report = "sales"
    filters = io.TimeSeriesFilters
    output = io.SalesOverTimeOutput
    row_serializer = io.SalesBucketOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.get_sales_over_time(
            period=params["period"], granularity=params["granularity"], currency=params["currency"]
        )


class SalesByCountryApi(AnalyticsApi):
    """Net revenue and sales per delivery country, biggest first."""

    report = "countries"
    output = io.CountriesOutput
    row_serializer = io.CountryRowOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.list_sales_by_country(period=params["period"], currency=params["currency"])


class SalesByCategoryApi(AnalyticsApi):
    """Units and line revenue per category, biggest first."""

    report = "categories"
    output = io.CategoriesOutput
    row_serializer = io.CategoryRowOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.list_sales_by_category(period=params["period"], currency=params["currency"])


class ProductsApi(AnalyticsApi):
    """Top products, or those whose revenue rose or fell most against the previous period."""

    report = "products"
    filters = io.ProductFilters
    output = io.ProductsOutput
    row_serializer = io.ProductRowOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.list_products(
            period=params["period"],
            currency=params["currency"],
            ranking=params.get("ranking") or ProductRanking.TOP,
            limit=params.get("limit") or 10,
        )


class CustomersApi(AnalyticsApi):
    """New and returning customers (and guests) per day, week or month."""

    report = "customers"
    filters = io.TimeSeriesFilters
    output = io.CustomersOutput
    row_serializer = io.CustomerBucketOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.get_new_and_returning_customers(
            period=params["period"], granularity=params["granularity"], currency=params["currency"]
        )


class CohortsApi(AnalyticsApi):
    """Monthly cohorts by first sale, and the share of each that bought in each later month."""

    report = "cohorts"
    output = io.CohortsOutput
    row_serializer = io.CohortRowOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.get_cohort_retention(period=params["period"], currency=params["currency"])


class SegmentsApi(AnalyticsApi):
    """RFM segments of the customers who bought in the period: counts and revenue."""

    report = "segments"
    output = io.SegmentsOutput
    row_serializer = io.SegmentRowOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.list_rfm_segments(period=params["period"], currency=params["currency"])


class SegmentCustomersApi(AnalyticsApi):
    """The customers of one RFM segment, biggest spenders first."""

    report = "segment-customers"
    filters = io.SegmentCustomerFilters
    output = io.SegmentCustomersOutput
    row_serializer = io.SegmentCustomerOutput
    error_responses = problems(404, description="No such segment (`unknown_segment`).")

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.list_customers_in_segment(
            period=params["period"],
            currency=params["currency"],
            segment=self.kwargs["segment"],  # from the URL: analytics/segments/<segment>/customers/
            limit=params.get("limit") or 50,
            offset=params.get("offset") or 0,
        )


class FunnelApi(AnalyticsApi):
    """Product views, add-to-cart, checkouts (orders placed) and paid orders."""

    report = "funnel"
    output = io.FunnelOutput
    row_serializer = io.FunnelStageOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.get_funnel(period=params["period"], currency=params["currency"])


class RecommendationsApi(AnalyticsApi):
    """Clicks, orders and revenue attributed to each recommendation widget."""

    report = "recommendations"
    output = io.RecommendationsOutput
    row_serializer = io.WidgetRowOutput

    def read(self, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.get_recommendation_contribution(period=params["period"], currency=params["currency"])
