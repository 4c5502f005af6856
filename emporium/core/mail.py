"""What the shop's e-mail tasks share.

A mail server that is down, restarting or refusing connections for a moment is worth trying
again. smtplib's errors are OSErrors already; both are named for the reader. With the retry
options below, attempts come after about 1, 2, 4, 8 and 16 s (with jitter, at most 5 minutes
apart), then the task fails and is logged.
"""

from __future__ import annotations

import smtplib
from typing import Any

TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)

MAIL_TASK_RETRY: dict[str, Any] = {
    "autoretry_for": TRANSIENT_MAIL_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


def as_header(text: str) -> str:
    """Text that staff or customers typed, made fit for a header such as the subject.

    A product name typed through the staff API can hold a line break; Django refuses any header
    with one (BadHeaderError, against header injection), so a task sending that subject would
    fail on every retry. Every run of whitespace becomes one space.
    """
    return " ".join(text.split())
