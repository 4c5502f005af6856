from celery import shared_task

from emporium.core.mail import MAIL_TASK_RETRY
from emporium.returns.models import Return
from emporium.returns.services import send_return_email


@shared_task(**MAIL_TASK_RETRY)
def send_return_email_task(*, return_id: int, status: str) -> bool:
    # An id, not the return: the task runs after the commit and reads the row as it is then.
    return send_return_email(return_request=Return.objects.get(pk=return_id), status=status)
