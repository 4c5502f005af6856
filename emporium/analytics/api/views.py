"""Analytics API: one read-only endpoint per report, JSON or CSV, for analysts and managers.

Each view parses its query (period, currency, granularity ...), calls one selector, and
serialises the answer; CSV carries the report's rows (emporium.analytics.api.renderers).
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
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


def _schema(
    name: str,
    filters: type[serializers.Serializer],
    output: type[serializers.Serializer],
    extra: dict[Any, Any] | None = None,
) -> Any:
    return extend_schema(
        operation_id=f"analytics_{name}",
        parameters=[filters],
        responses={(200, "application/json"): output, (200, "text/csv"): CSV_RESPONSE, **(extra or {})},
        tags=["analytics"],
    )


class AnalyticsApi(APIView):
    """Base: the permission, JSON or CSV, and a CSV that downloads under a telling name."""

    permission_classes = (CanViewAnalytics,)
    renderer_classes = (JSONRenderer, CsvRenderer)
    report: ClassVar[str] = ""
    row_serializer: ClassVar[type[serializers.Serializer]]  # the CSV's columns
    filters: ClassVar[type[serializers.Serializer]] = io.ReportFilters

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
    row_serializer = io.SalesBucketOutput
    report = "sales"
    filters = io.TimeSeriesFilters

    @_schema("sales", io.TimeSeriesFilters, io.SalesOverTimeOutput)
    def get(self, request: Request) -> Response:
        """Net revenue, sales and average order value per day, week or month, with the previous
        period of the same length."""
        params = self.parse(request)
        report = selectors.get_sales_over_time(
            period=params["period"], granularity=params["granularity"], currency=params["currency"]
        )
        return self.answer(io.SalesOverTimeOutput(report).data, params)


class SalesByCountryApi(AnalyticsApi):
    row_serializer = io.CountryRowOutput
    report = "countries"

    @_schema("countries", io.ReportFilters, io.CountriesOutput)
    def get(self, request: Request) -> Response:
        """Net revenue and sales per delivery country, biggest first."""
        params = self.parse(request)
        report = selectors.list_sales_by_country(period=params["period"], currency=params["currency"])
        return self.answer(io.CountriesOutput(report).data, params)


class SalesByCategoryApi(AnalyticsApi):
    row_serializer = io.CategoryRowOutput
    report = "categories"

    @_schema("categories", io.ReportFilters, io.CategoriesOutput)
    def get(self, request: Request) -> Response:
        """Units and line revenue per category, biggest first."""
        params = self.parse(request)
        report = selectors.list_sales_by_category(period=params["period"], currency=params["currency"])
        return self.answer(io.CategoriesOutput(report).data, params)


class ProductsApi(AnalyticsApi):
    row_serializer = io.ProductRowOutput
    report = "products"
    filters = io.ProductFilters

    @_schema("products", io.ProductFilters, io.ProductsOutput)
    def get(self, request: Request) -> Response:
        """Top products, or those whose revenue rose or fell most against the previous period."""
        params = self.parse(request)
        report = selectors.list_products(
            period=params["period"],
            currency=params["currency"],
            ranking=params.get("ranking") or ProductRanking.TOP,
            limit=params.get("limit") or 10,
        )
        return self.answer(io.ProductsOutput(report).data, params)


class CustomersApi(AnalyticsApi):
    row_serializer = io.CustomerBucketOutput
    report = "customers"
    filters = io.TimeSeriesFilters

    @_schema("customers", io.TimeSeriesFilters, io.CustomersOutput)
    def get(self, request: Request) -> Response:
        """New and returning customers (and guests) per day, week or month."""
        params = self.parse(request)
        report = selectors.get_new_and_returning_customers(
            period=params["period"], granularity=params["granularity"], currency=params["currency"]
        )
        return self.answer(io.CustomersOutput(report).data, params)


class CohortsApi(AnalyticsApi):
    row_serializer = io.CohortRowOutput
    report = "cohorts"

    @_schema("cohorts", io.ReportFilters, io.CohortsOutput)
    def get(self, request: Request) -> Response:
        """Monthly cohorts by first sale, and the share of each that bought in each later month."""
        params = self.parse(request)
        report = selectors.get_cohort_retention(period=params["period"], currency=params["currency"])
        return self.answer(io.CohortsOutput(report).data, params)


class SegmentsApi(AnalyticsApi):
    row_serializer = io.SegmentRowOutput
    report = "segments"

    @_schema("segments", io.ReportFilters, io.SegmentsOutput)
    def get(self, request: Request) -> Response:
        """RFM segments of the customers who bought in the period: counts and revenue."""
        params = self.parse(request)
        report = selectors.list_rfm_segments(period=params["period"], currency=params["currency"])
        return self.answer(io.SegmentsOutput(report).data, params)


class SegmentCustomersApi(AnalyticsApi):
    row_serializer = io.SegmentCustomerOutput
    report = "segment-customers"
    filters = io.SegmentCustomerFilters

    @_schema(
        "segment_customers",
        io.SegmentCustomerFilters,
        io.SegmentCustomersOutput,
        problems(404, description="No such segment (`unknown_segment`)."),
    )
    def get(self, request: Request, segment: str) -> Response:
        """The customers of one RFM segment, biggest spenders first."""
        params = self.parse(request)
        report = selectors.list_customers_in_segment(
            period=params["period"],
            currency=params["currency"],
            segment=segment,
            limit=params.get("limit") or 50,
            offset=params.get("offset") or 0,
        )
        return self.answer(io.SegmentCustomersOutput(report).data, params)


class FunnelApi(AnalyticsApi):
    row_serializer = io.FunnelStageOutput
    report = "funnel"

    @_schema("funnel", io.ReportFilters, io.FunnelOutput)
    def get(self, request: Request) -> Response:
        """Product views, add-to-cart, checkouts (orders placed) and paid orders."""
        params = self.parse(request)
        report = selectors.get_funnel(period=params["period"], currency=params["currency"])
        return self.answer(io.FunnelOutput(report).data, params)


class RecommendationsApi(AnalyticsApi):
    row_serializer = io.WidgetRowOutput
    report = "recommendations"

    @_schema("recommendations", io.ReportFilters, io.RecommendationsOutput)
    def get(self, request: Request) -> Response:
        """Clicks, orders and revenue attributed to each recommendation widget."""
        params = self.parse(request)
        report = selectors.get_recommendation_contribution(
            period=params["period"], currency=params["currency"]
        )
        return self.answer(io.RecommendationsOutput(report).data, params)
