from celery import shared_task

from emporium.orders.models import Order
from emporium.orders.services import release_expired_orders, send_shipping_notification


@shared_task
def release_expired_orders_task() -> int:
    return release_expired_orders()


@shared_task
def send_shipping_notification_task(*, order_id: int) -> None:
    # An id, not the order: the task runs after the commit and reads the row as it is then.
    send_shipping_notification(order=Order.objects.get(pk=order_id))
