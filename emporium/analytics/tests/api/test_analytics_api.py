"""Analytics API: analysts and order managers read every report as JSON or CSV; nobody else."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory, activate_totp
from emporium.analytics.api.urls import urlpatterns
from emporium.analytics.api.views import AnalyticsApi
from emporium.analytics.services import rebuild_all_rollups
from emporium.analytics.tests.factories import make_order
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.core.tests.api_clients import bearer_client, staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
REPORTS = [
    "/api/v1/analytics/sales/",
    "/api/v1/analytics/countries/",
    "/api/v1/analytics/categories/",
    "/api/v1/analytics/products/",
    "/api/v1/analytics/customers/",
    "/api/v1/analytics/cohorts/",
    "/api/v1/analytics/segments/",
    "/api/v1/analytics/segments/champions/customers/",
    "/api/v1/analytics/funnel/",
    "/api/v1/analytics/recommendations/",
]


@pytest.fixture
def analyst() -> APIClient:
    return staff_client(ANALYST)


@pytest.fixture
def shop() -> None:
    """A month of sales by a few customers, in two categories and two countries."""
    lamp = make_product("Lamp", category=CategoryFactory.create(name="Lighting"))
    clock = make_product("Clock", category=CategoryFactory.create(name="Clocks"))
    customers = [UserFactory.create() for _ in range(3)]
    for day in (2, 9, 16):
        for customer in customers:
            make_order(day=date(2026, 3, day), total="20.00", customer=customer, product=lamp)
    make_order(day=date(2026, 3, 5), total="45.50", country="FR", product=clock)
    rebuild_all_rollups()


@pytest.mark.parametrize("pattern", urlpatterns, ids=lambda pattern: pattern.name)
def test_every_report_declares_what_the_shared_get_needs(pattern):
    # Without them a report still imports: its CSV would lose the header of an empty report, its
    # schema would borrow the base's description, and asking for it would be a 500.
    view = pattern.callback.view_class

    assert issubclass(view, AnalyticsApi)
    assert view.__doc__, "the operation's description in the schema"
    assert issubclass(getattr(view, "row_serializer", object), serializers.Serializer)
    assert view.read is not AnalyticsApi.read


@pytest.mark.parametrize("url", REPORTS)
def test_anonymous_clients_are_asked_to_log_in(url):
    assert APIClient().get(url).status_code == 401


@pytest.mark.parametrize("url", REPORTS)
def test_customers_and_catalog_managers_are_refused(url):
    assert bearer_client(UserFactory.create()).get(url).status_code == 403
    assert staff_client(CATALOG_MANAGER).get(url).status_code == 403


@pytest.mark.parametrize("url", REPORTS)
def test_analysts_and_order_managers_read_every_report(url, shop):
    assert staff_client(ANALYST).get(url, MARCH).status_code == 200
    assert staff_client(ORDER_MANAGER).get(url, MARCH).status_code == 200


def test_staff_without_an_authenticator_app_are_refused_where_two_factors_are_required(settings, shop):
    settings.STAFF_MFA_REQUIRED = True
    without, with_totp = StaffUserFactory.create(roles=[ANALYST]), StaffUserFactory.create(roles=[ANALYST])
    activate_totp(user=with_totp)

    assert bearer_client(without).get(REPORTS[0]).status_code == 403
    assert bearer_client(with_totp).get(REPORTS[0]).status_code == 200


def test_sales_answer_in_decimal_money_with_the_currency(analyst, shop):
    body = analyst.get("/api/v1/analytics/sales/", {**MARCH, "granularity": "week"}).json()

    assert body["totals"]["revenue"] == {"amount": "225.50", "currency": "GBP"}
    assert body["totals"]["orders"] == 10
    assert body["totals"]["average_order_value"] == {"amount": "22.55", "currency": "GBP"}
    assert body["rows"][0] == {
        "bucket": "2026-02-23",
        "orders": 0,
        "placed_orders": 0,
        "cancelled_orders": 0,
        "revenue": {"amount": "0.00", "currency": "GBP"},
        "refunded": {"amount": "0.00", "currency": "GBP"},
        "average_order_value": {"amount": "0.00", "currency": "GBP"},
    }
    assert body["changes"]["revenue"] is None  # nothing sold in February


@pytest.mark.parametrize("url", REPORTS)
def test_every_report_exports_csv(url, analyst, shop):
    response = analyst.get(url, {**MARCH, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response.content.decode().splitlines()[0]  # a header line, at least


def test_csv_rows_carry_each_amount_beside_its_currency(analyst, shop):
    response = analyst.get("/api/v1/analytics/countries/", MARCH, HTTP_ACCEPT="text/csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["country"], row["revenue_amount"], row["revenue_currency"]) for row in rows] == [
        ("GB", "180.00", "GBP"),
        ("FR", "45.50", "GBP"),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-03-10", "end": "2026-03-01"},
        {"start": "1999-12-31"},
        {"end": "0001-01-05"},  # no start: 29 days before it is before the first day a date can be
        {"start": "2020-01-01", "end": "2026-01-01"},
        {"start": "not-a-day"},
        {"currency": "gbp"},
        {"granularity": "hour"},
    ],
)
def test_bad_periods_are_a_problem_not_an_error(analyst, params):
    response = analyst.get("/api/v1/analytics/sales/", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_segment_is_a_404_problem(analyst):
    response = analyst.get("/api/v1/analytics/segments/whales/customers/")

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_segment"


@pytest.mark.parametrize("url", REPORTS)
def test_each_report_runs_a_fixed_number_of_queries_whatever_the_data(
    url, analyst, shop, django_assert_max_num_queries
):
    # Cold (nothing cached): the user, the roll-up version, and at most a handful of grouped reads
    # of the roll-ups; the shop's size changes the rows, never the number of queries.
    with django_assert_max_num_queries(8):
        analyst.get(url, MARCH)


def test_a_cached_report_costs_the_user_and_the_version_only(analyst, shop, django_assert_num_queries):
    analyst.get("/api/v1/analytics/sales/", MARCH)

    # The user, their permissions (own and their groups', in one query), the roll-ups' version.
    with django_assert_num_queries(3):
        analyst.get("/api/v1/analytics/sales/", MARCH)
