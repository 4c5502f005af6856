from celery import shared_task

from emporium.checkout.services import send_order_confirmation
from emporium.orders.models import Order


@shared_task
def send_order_confirmation_task(*, order_id: int) -> None:
    # An id, not the order: the task runs after the commit and reads the row as it is then.
    send_order_confirmation(order=Order.objects.get(pk=order_id))
