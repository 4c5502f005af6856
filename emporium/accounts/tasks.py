from celery import shared_task

from emporium.accounts.services import clear_expired_sessions


@shared_task
def clear_expired_sessions_task() -> None:
    clear_expired_sessions()
