from datetime import date

from emporium.analytics.periods import Granularity, Period, bucket_start, list_buckets, months_between


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    period = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))

    assert period.previous() == Period(start=date(2026, 1, 29), end=date(2026, 2, 28))


def test_weeks_start_on_monday_and_months_on_the_first():
    assert bucket_start(date(2026, 3, 5), Granularity.WEEK) == date(2026, 3, 2)
    assert bucket_start(date(2026, 3, 5), Granularity.MONTH) == date(2026, 3, 1)


def test_buckets_cover_every_month_the_period_touches():
    period = Period(start=date(2025, 11, 20), end=date(2026, 2, 3))

    assert list_buckets(period, Granularity.MONTH) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_months_between_counts_across_years():
    assert months_between(date(2025, 11, 1), date(2026, 2, 1)) == 3
