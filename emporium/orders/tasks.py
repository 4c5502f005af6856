from celery import shared_task

from emporium.core.mail import MAIL_TASK_RETRY
from emporium.orders.models import Order
from emporium.orders.services import release_expired_orders, send_shipping_notification


@shared_task
def release_expired_orders_task() -> int:
    return release_expired_orders()


@shared_task(**MAIL_TASK_RETRY)
def send_shipping_notification_task(*, order_id: int) -> bool:
    # An id, not the order: the task runs after the commit and reads the row as it is then.
    # Retried when the mail server fails; send_shipping_notification sends it once.
    return send_shipping_notification(order=Order.objects.get(pk=order_id))
