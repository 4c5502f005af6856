"""Report periods: inclusive ranges of days, their previous period, and chart buckets.

Pure date arithmetic with no database, so the rules (what "the previous period" is, where a
week starts) are tested on their own and every endpoint shares them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


class Granularity(enum.StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting on Monday
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(start=end - timedelta(days=self.days - 1), end=end)

    def bounds(self) -> tuple[datetime, datetime]:
        """Aware datetimes [from, until) in the shop's time zone: what placed_at is filtered by."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def bucket_start(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def list_buckets(period: Period, granularity: Granularity) -> list[date]:
    """Every bucket the period touches, in order, so a chart shows empty days as zero."""
    buckets: list[date] = []
    day = bucket_start(period.start, granularity)
    while day <= period.end:
        buckets.append(day)
        if granularity is Granularity.DAY:
            day += timedelta(days=1)
        elif granularity is Granularity.WEEK:
            day += timedelta(days=7)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return buckets


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def default_period(*, today: date | None = None) -> Period:
    """The last 30 days up to today, when a request names no dates."""
    today = today or timezone.localdate()
    return Period(start=today - timedelta(days=29), end=today)
