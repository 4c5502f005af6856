from __future__ import annotations

from datetime import date

from celery import shared_task

from emporium.analytics.services import refresh_changed_orders, refresh_rollups_for_days


@shared_task
def refresh_changed_orders_task() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): whatever changed reaches the reports well within
    five minutes, including orders placed or changed by code that sends no signal."""
    return refresh_changed_orders()


@shared_task
def refresh_rollups_for_days_task(*, days: list[str]) -> None:
    # ISO dates, not date objects: task arguments go through JSON.
    refresh_rollups_for_days(days=[date.fromisoformat(day) for day in days])
