"""Queueing a task once the caller's change commits, whatever the broker's state.

By the time a commit's callbacks run, the change is in the database: the order shipped, the
payment recorded. A broker that is down then must not turn it into an error page (staff would
retry a step that already happened, and the steps after it in the request would not run). The
task is not queued; a warning names it and what makes up for it: a periodic sweep that finds
the work from the database, or nothing but the log.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)


def queue_after_commit(task_path: str, *, catch_up: str, **kwargs: Any) -> None:
    """Queue the Celery task at ``task_path`` (imported then, as task modules import the
    services that call this) with ``kwargs`` after the commit, at once outside a transaction.

    Published without retries: a dead broker fails in milliseconds instead of holding the
    request for seconds. Inline in embedded mode (CELERY_TASK_ALWAYS_EAGER), as any task.
    """

    def queue() -> None:
        task = import_string(task_path)
        try:
            task.apply_async(kwargs=kwargs, retry=False)
        except BrokerUnavailable:
            logger.warning("Could not queue %s %s, the broker is down: %s", task.name, kwargs, catch_up)

    transaction.on_commit(queue)
