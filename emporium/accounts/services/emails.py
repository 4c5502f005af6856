from __future__ import annotations

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils.html import strip_tags

from emporium.core.queueing import queue_after_commit


def send_email(
    *,
    subject: str,
    body: str,
    from_email: str,
    to: list[str],
    html_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Hand one message to the configured mail backend (console, SMTP, or locmem in tests)."""
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, headers=headers
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


def queue_email(*, message: EmailMessage) -> None:
    """Send a rendered message from a Celery worker once the current transaction commits.

    The request never waits on a slow SMTP server, a failed delivery is retried by the
    worker, and a rolled-back sign-up sends no verification link for an account that is not there.
    """

    body, html_body = str(message.body), None
    if message.content_subtype == "html":
        body, html_body = strip_tags(body), body
    elif isinstance(message, EmailMultiAlternatives):
        html_body = next(
            (str(content) for content, mimetype in message.alternatives if mimetype == "text/html"), None
        )
    subject, from_email = str(message.subject), str(message.from_email)
    to = [str(address) for address in message.to]
    headers = {str(name): str(value) for name, value in message.extra_headers.items()} or None
    queue_after_commit(
        "emporium.accounts.tasks.send_email_task",
        catch_up="not sent: the customer asks again (a new link, a new code)",
        subject=subject,
        body=body,
        from_email=from_email,
        to=to,
        html_body=html_body,
        headers=headers,
    )
