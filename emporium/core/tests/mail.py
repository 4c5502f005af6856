"""A mail transport that fails like a server restarting, for the e-mail tasks' retry tests."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator, Sequence

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from pytest_django.fixtures import Settings

from config.celery import app as celery_app


class FlakyMailServer(locmem.EmailBackend):
    """Refuses the next ``failures_left`` sends, then delivers to the test outbox."""

    failures_left = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if FlakyMailServer.failures_left:
            FlakyMailServer.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


@pytest.fixture
def flaky_mail_server(settings: Settings) -> Iterator[type[FlakyMailServer]]:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyMailServer"
    # Inline, Celery re-runs a retried task at once; it must not raise the Retry to the caller.
    celery_app.conf.task_eager_propagates = False
    try:
        yield FlakyMailServer
    finally:
        celery_app.conf.task_eager_propagates = True
        FlakyMailServer.failures_left = 0
