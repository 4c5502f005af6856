"""Known answers on small hand-made shops: each report read back from freshly built roll-ups."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.analytics import selectors
from emporium.analytics.exceptions import UnknownSegment
from emporium.analytics.periods import Granularity, Period
from emporium.analytics.services import rebuild_all_rollups
from emporium.analytics.tests.factories import make_order
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.core.money import Money
from emporium.orders.models import OrderStatus
from emporium.recommendations.models import EventKind
from emporium.recommendations.tests.factories import EventFactory

MARCH = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))
FEBRUARY_TAIL = MARCH.previous()  # 29 Jan - 28 Feb
S = OrderStatus


def gbp(amount: str) -> Money:
    return Money(Decimal(amount), "GBP")


@pytest.mark.django_db
def test_revenue_per_day_and_average_order_value_with_the_previous_period():
    make_order(day=date(2026, 3, 2), total="10.00")
    make_order(day=date(2026, 3, 2), total="20.00")
    make_order(day=date(2026, 3, 4), total="60.00", status=S.PARTIALLY_REFUNDED, refunded="15.00")
    make_order(day=date(2026, 3, 4), total="99.00", status=S.CANCELLED)
    make_order(day=date(2026, 2, 10), total="50.00")
    make_order(day=date(2026, 3, 4), total="500.00", currency="EUR")
    rebuild_all_rollups()

    report = selectors.get_sales_over_time(period=MARCH, granularity=Granularity.DAY, currency="GBP")

    by_day = {row["bucket"]: row for row in report["rows"]}
    assert len(report["rows"]) == 31
    assert by_day[date(2026, 3, 2)]["revenue"] == gbp("30.00")
    assert by_day[date(2026, 3, 2)]["average_order_value"] == gbp("15.00")
    assert by_day[date(2026, 3, 4)]["revenue"] == gbp("45.00")
    assert by_day[date(2026, 3, 3)]["orders"] == 0
    assert report["totals"]["revenue"] == gbp("75.00")
    assert report["totals"]["orders"] == 3
    assert report["totals"]["placed_orders"] == 4
    assert report["totals"]["average_order_value"] == gbp("25.00")
    assert report["previous_totals"]["revenue"] == gbp("50.00")
    assert report["changes"]["revenue"] == Decimal("0.5000")


@pytest.mark.django_db
def test_weekly_buckets_add_up_the_days_of_each_iso_week():
    make_order(day=date(2026, 3, 2), total="10.00")  # Monday
    make_order(day=date(2026, 3, 8), total="5.00")  # Sunday of the same week
    make_order(day=date(2026, 3, 9), total="7.00")
    rebuild_all_rollups()

    report = selectors.get_sales_over_time(period=MARCH, granularity=Granularity.WEEK, currency="GBP")

    by_week = {row["bucket"]: row["revenue"] for row in report["rows"]}
    assert by_week[date(2026, 3, 2)] == gbp("15.00")
    assert by_week[date(2026, 3, 9)] == gbp("7.00")


@pytest.mark.django_db
def test_sales_by_country_biggest_first_with_shares():
    make_order(day=date(2026, 3, 2), total="30.00", country="GB")
    make_order(day=date(2026, 3, 3), total="10.00", country="FR")
    rebuild_all_rollups()

    rows = selectors.list_sales_by_country(period=MARCH, currency="GBP")["rows"]

    assert [(row["country"], row["revenue"], row["share"]) for row in rows] == [
        ("GB", gbp("30.00"), Decimal("0.7500")),
        ("FR", gbp("10.00"), Decimal("0.2500")),
    ]


@pytest.mark.django_db
def test_sales_by_category_and_the_top_rising_and_falling_products():
    lighting, clocks = CategoryFactory.create(name="Lighting"), CategoryFactory.create(name="Clocks")
    lamp = make_product("Lamp", category=lighting)
    clock = make_product("Clock", category=clocks)
    make_order(day=date(2026, 3, 2), total="40.00", product=lamp, quantity=4)
    make_order(day=date(2026, 2, 2), total="10.00", product=lamp)
    make_order(day=date(2026, 3, 5), total="25.00", product=clock)
    make_order(day=date(2026, 2, 5), total="60.00", product=clock, quantity=2)
    rebuild_all_rollups()

    categories = selectors.list_sales_by_category(period=MARCH, currency="GBP")["rows"]
    top = selectors.list_products(period=MARCH, currency="GBP", ranking="top", limit=10)["rows"]
    rising = selectors.list_products(period=MARCH, currency="GBP", ranking="rising", limit=10)["rows"]
    falling = selectors.list_products(period=MARCH, currency="GBP", ranking="falling", limit=10)["rows"]

    assert [(row["category"], row["quantity"], row["revenue"]) for row in categories] == [
        ("Lighting", 4, gbp("40.00")),
        ("Clocks", 1, gbp("25.00")),
    ]
    assert [row["product"] for row in top] == ["Lamp", "Clock"]
    assert [(row["product"], row["revenue_change"]) for row in rising] == [("Lamp", gbp("30.00"))]
    assert [(row["product"], row["revenue_change"]) for row in falling] == [("Clock", gbp("-35.00"))]


@pytest.mark.django_db
def test_new_returning_and_guest_customers():
    regular, newcomer = UserFactory.create(), UserFactory.create()
    make_order(day=date(2025, 12, 1), total="5.00", customer=regular)
    make_order(day=date(2026, 3, 2), total="10.00", customer=regular)
    make_order(day=date(2026, 3, 2), total="20.00", customer=newcomer)
    make_order(day=date(2026, 3, 20), total="30.00", customer=newcomer)
    make_order(day=date(2026, 3, 2), total="7.00", customer=None)
    rebuild_all_rollups()

    report = selectors.get_new_and_returning_customers(
        period=MARCH, granularity=Granularity.MONTH, currency="GBP"
    )

    [march] = report["rows"]
    assert (march["new_customers"], march["returning_customers"]) == (1, 1)
    assert march["new_revenue"] == gbp("50.00")
    assert march["returning_revenue"] == gbp("10.00")
    assert (march["guest_orders"], march["guest_revenue"]) == (1, gbp("7.00"))
    assert report["totals"] == {"customers": 2, "new_customers": 1, "returning_customers": 1}


@pytest.mark.django_db
def test_weekly_new_and_returning_count_each_customer_once_a_week():
    # 2026-03-02 is a Monday: weeks of 2 and 9 March.
    early, late = UserFactory.create(), UserFactory.create()
    make_order(day=date(2026, 3, 2), total="10.00", customer=early)  # first sale: new that week
    make_order(day=date(2026, 3, 4), total="15.00", customer=early)  # still new that week
    make_order(day=date(2026, 3, 10), total="20.00", customer=early)  # back the next week
    make_order(day=date(2026, 3, 11), total="5.00", customer=early)
    make_order(day=date(2026, 3, 12), total="40.00", customer=late)  # first sale in the second week
    rebuild_all_rollups()

    report = selectors.get_new_and_returning_customers(
        period=Period(start=date(2026, 3, 2), end=date(2026, 3, 15)),
        granularity=Granularity.WEEK,
        currency="GBP",
    )

    first, second = report["rows"]
    assert (first["bucket"], first["new_customers"], first["returning_customers"]) == (date(2026, 3, 2), 1, 0)
    assert (first["new_revenue"], first["returning_revenue"]) == (gbp("25.00"), gbp("0.00"))
    assert (second["bucket"], second["new_customers"], second["returning_customers"]) == (
        date(2026, 3, 9),
        1,
        1,
    )
    assert (second["new_revenue"], second["returning_revenue"]) == (gbp("40.00"), gbp("25.00"))
    assert report["totals"] == {"customers": 2, "new_customers": 2, "returning_customers": 0}


@pytest.mark.django_db
def test_monthly_cohort_retention_percentages():
    january = [UserFactory.create() for _ in range(4)]
    for customer in january:
        make_order(day=date(2026, 1, 10), total="10.00", customer=customer)
    for customer in january[:2]:  # half come back in February
        make_order(day=date(2026, 2, 10), total="10.00", customer=customer)
    make_order(day=date(2026, 3, 10), total="10.00", customer=january[0])  # a quarter in March
    february = UserFactory.create()
    make_order(day=date(2026, 2, 3), total="10.00", customer=february)
    rebuild_all_rollups()

    rows = selectors.get_cohort_retention(
        period=Period(start=date(2026, 1, 1), end=date(2026, 3, 31)), currency="GBP"
    )["rows"]

    jan, feb, mar = rows
    assert jan["cohort"] == date(2026, 1, 1)
    assert jan["customers"] == 4
    assert [cell["share"] for cell in jan["retention"]] == [
        Decimal("1.0000"),
        Decimal("0.5000"),
        Decimal("0.2500"),
    ]
    assert (feb["customers"], [cell["share"] for cell in feb["retention"]]) == (
        1,
        [Decimal("1.0000"), Decimal(0)],
    )
    assert (mar["customers"], mar["retention"][0]["share"]) == (0, None)


@pytest.mark.django_db
def test_the_rfm_segment_of_a_known_customer_and_the_customers_in_it():
    champion = UserFactory.create(email="best@example.com")
    for offset in range(6):
        make_order(day=date(2026, 3, 30) - timedelta(days=offset), total="100.00", customer=champion)
    lapsed = UserFactory.create()
    make_order(day=date(2026, 1, 2), total="10.00", customer=lapsed)
    for index in range(3):
        make_order(day=date(2026, 2, 1 + index), total="20.00", customer=UserFactory.create())
    rebuild_all_rollups()
    period = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))

    segments = {
        row["segment"]: row for row in selectors.list_rfm_segments(period=period, currency="GBP")["rows"]
    }
    champions = selectors.list_customers_in_segment(
        period=period, currency="GBP", segment="champions", limit=10, offset=0
    )

    assert segments["champions"]["customers"] == 1
    assert segments["champions"]["revenue"] == gbp("600.00")
    # Recency is ranked among the five: the lapsed customer and the earliest of February's three
    # come last, and with one order each they hibernate.
    assert segments["hibernating"]["customers"] == 2
    assert (segments["promising"]["customers"], segments["new"]["customers"]) == (1, 1)
    assert sum(row["customers"] for row in segments.values()) == 5
    assert [(row["email"], row["orders"], row["revenue"]) for row in champions["rows"]] == [
        ("best@example.com", 6, gbp("600.00"))
    ]


@pytest.mark.django_db
def test_an_unknown_segment_is_refused():
    with pytest.raises(UnknownSegment):
        selectors.list_customers_in_segment(period=MARCH, currency="GBP", segment="whales", limit=1, offset=0)


@pytest.mark.django_db
def test_the_funnel_counts_views_adds_to_cart_checkouts_and_paid_orders():
    product = make_product("LANTERN")
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    EventFactory.create_batch(8, kind=EventKind.VIEW, product=product, occurred_at=at)
    EventFactory.create_batch(5, kind=EventKind.ADD_TO_CART, product=product, occurred_at=at)
    EventFactory.create(kind=EventKind.VIEW, product=product, occurred_at=at.replace(month=4))  # after March
    make_order(day=date(2026, 3, 2), total="10.00")
    make_order(day=date(2026, 3, 2), total="10.00", status=S.UNPAID)
    make_order(day=date(2026, 3, 3), total="10.00", status=S.CANCELLED)
    make_order(day=date(2026, 3, 4), total="10.00", status=S.SHIPPED)
    rebuild_all_rollups()

    report = selectors.get_funnel(period=MARCH, currency="GBP")

    stages = {row["stage"]: row for row in report["rows"]}
    assert report["events_available"] is True
    assert [stages[name]["count"] for name in ("product_view", "add_to_cart", "checkout", "paid")] == [
        8,
        5,
        4,
        2,
    ]
    assert stages["add_to_cart"]["rate_from_previous_stage"] == Decimal("0.6250")
    assert stages["paid"]["rate_from_first_stage"] == Decimal("0.2500")


@pytest.mark.django_db
def test_a_click_is_credited_with_the_customers_order_of_that_product_within_seven_days():
    customer, other = UserFactory.create(), UserFactory.create()
    clicked, also_in_basket = make_product("LANTERN", price="6.00"), make_product("CANDLE", price="4.00")
    EventFactory.create(
        kind=EventKind.CLICK, widget="also_bought", position=1, product=clicked, customer=customer,
        occurred_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
    )  # fmt: skip
    EventFactory.create(kind=EventKind.CLICK, widget="also_bought", product=clicked, customer=other,
                        occurred_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))  # fmt: skip
    make_order(day=date(2026, 3, 3), total="6.00", customer=customer, product=clicked)  # within 7 days
    make_order(day=date(2026, 3, 3), total="4.00", customer=customer, product=also_in_basket)  # not clicked
    make_order(day=date(2026, 3, 20), total="6.00", customer=other, product=clicked)  # too late
    rebuild_all_rollups()

    report = selectors.get_recommendation_contribution(period=MARCH, currency="GBP")

    assert report["rows"] == [
        {
            "widget": "also_bought", "clicks": 2, "orders": 1, "revenue": gbp("6.00"),
            "revenue_share": Decimal("0.3750"),
        }
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_refresh_makes_cached_reports_stale():
    make_order(day=date(2026, 3, 2), total="10.00")
    rebuild_all_rollups()
    assert (
        selectors.get_sales_over_time(period=MARCH, granularity=Granularity.DAY, currency="GBP")["totals"][
            "orders"
        ]
        == 1
    )

    make_order(day=date(2026, 3, 3), total="10.00")
    rebuild_all_rollups()

    report = selectors.get_sales_over_time(period=MARCH, granularity=Granularity.DAY, currency="GBP")
    assert report["totals"]["orders"] == 2
