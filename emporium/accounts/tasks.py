from smtplib import SMTPException

from celery import shared_task

from emporium.accounts.services import clear_expired_sessions, flush_expired_tokens, send_email


@shared_task
def clear_expired_sessions_task() -> None:
    clear_expired_sessions()


@shared_task
def flush_expired_tokens_task() -> None:
    flush_expired_tokens()


# An unreachable or busy mail server is worth retrying; the message is already rendered,
# so a retry sends exactly what the customer would have got the first time.
@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_email_task(
    *,
    subject: str,
    body: str,
    from_email: str,
    to: list[str],
    html_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    send_email(subject=subject, body=body, from_email=from_email, to=to, html_body=html_body, headers=headers)
