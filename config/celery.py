"""The one Celery app of the project.

Workers and beat read their configuration from Django's settings (``CELERY_*`` names), so the
embedded mode (tasks run inline, no broker) and the service mode (Redis broker, separate
worker processes) are one switch in ``config/settings.py``.
"""

import os

from celery import Celery
from celery.signals import setup_logging, worker_init

# Connects the signals that carry a request's id in task headers and bind it in the worker.
import emporium.core.request_id  # noqa: F401
from config.observability import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("emporium")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: object) -> None:
    """Give workers the same log format and levels as the web processes."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@worker_init.connect
def start_tracing(**kwargs: object) -> None:
    """Trace tasks when OTEL_EXPORTER_OTLP_ENDPOINT is set; prefork children inherit it."""
    configure_tracing(service_name="emporium-worker")
