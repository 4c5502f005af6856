"""Celery callers of the alerts services; they take ids, never rows."""

from __future__ import annotations

from celery import shared_task

from emporium.alerts.services import send_alert_confirmation, send_back_in_stock_alerts
from emporium.core.mail import MAIL_TASK_RETRY


@shared_task(**MAIL_TASK_RETRY)
def send_alert_confirmation_task(*, alert_id: int) -> bool:
    return send_alert_confirmation(alert_id=alert_id)


@shared_task(**MAIL_TASK_RETRY)
def send_back_in_stock_alerts_task(*, variant_id: int) -> int:
    return send_back_in_stock_alerts(variant_id=variant_id)
