from celery import shared_task

from emporium.orders.services import release_expired_orders


@shared_task
def release_expired_orders_task() -> int:
    return release_expired_orders()
