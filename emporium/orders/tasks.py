from decimal import Decimal

from celery import shared_task

from emporium.core.mail import MAIL_TASK_RETRY
from emporium.orders.models import Order
from emporium.orders.services import (
    send_cancellation_notification,
    send_refund_notification,
    send_shipping_notification,
    send_unsent_cancellation_notifications,
    send_unsent_shipping_notifications,
)


@shared_task(**MAIL_TASK_RETRY)
def send_shipping_notification_task(*, order_id: int) -> bool:
    # An id, not the order: the task runs after the commit and reads the row as it is then.
    # Retried when the mail server fails; send_shipping_notification sends it once.
    return send_shipping_notification(order=Order.objects.get(pk=order_id))


@shared_task
def send_unsent_shipping_notifications_task() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE): notifications a broker outage kept from being queued."""
    return send_unsent_shipping_notifications()


@shared_task(**MAIL_TASK_RETRY)
def send_cancellation_notification_task(*, order_id: int) -> bool:
    # Queued on commit, so a cancellation rolled back never e-mails; sent once however often it runs.
    return send_cancellation_notification(order=Order.objects.get(pk=order_id))


@shared_task
def send_unsent_cancellation_notifications_task() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE), as for shipping notifications."""
    return send_unsent_cancellation_notifications()


@shared_task(**MAIL_TASK_RETRY)
def send_refund_notification_task(*, order_id: int, refund_event_id: int, amount: str) -> bool:
    # The amount as a string: task arguments travel as JSON, and a float would lose pence.
    return send_refund_notification(
        order=Order.objects.get(pk=order_id), refund_event_id=refund_event_id, amount=Decimal(amount)
    )
