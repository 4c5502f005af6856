"""Prometheus metrics at ``/metrics``: requests, latencies, database and cache (django-prometheus),
and the length of the Celery queues.

Under gunicorn each worker process counts its own requests; with ``PROMETHEUS_MULTIPROC_DIR``
set (the image's web role sets it) the processes write their numbers there and one scrape adds
them up, whichever worker answers it.

The page is for the scraper, not the public: with ``METRICS_TOKEN`` set it answers only
``Authorization: Bearer <token>``; without one it answers in development only (404 in production).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class CeleryQueueLengthCollector:
    """Messages waiting in each Redis-backed Celery queue, read at scrape time.

    The Redis transport keeps a queue as a list named after it, so its length is one LLEN.
    A queue that keeps growing means too few workers: the signal to scale them out.
    """

    def __init__(self, *, broker_url: str, queues: list[str]) -> None:
        self.broker_url = broker_url
        self.queues = queues

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "emporium_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
        )
        if self.broker_url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(self.broker_url, socket_timeout=2, socket_connect_timeout=2)
            try:
                for queue in self.queues:
                    gauge.add_metric([queue], float(client.llen(queue)))
            except redis.RedisError:
                pass  # a scrape must not fail with the broker; the gauge is simply absent
            finally:
                client.close()
        yield gauge


def _is_authorised(request: HttpRequest) -> bool:
    token: str = settings.METRICS_TOKEN
    if not token:
        return not settings.IS_PRODUCTION
    sent = request.headers.get("Authorization", "")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_ENABLED or not _is_authorised(request):
        raise Http404  # not 401/403: the page's existence is nobody else's business
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    queues = CollectorRegistry()
    queues.register(
        CeleryQueueLengthCollector(
            broker_url=settings.CELERY_BROKER_URL, queues=settings.METRICS_CELERY_QUEUES
        )
    )
    return HttpResponse(body + generate_latest(queues), content_type=CONTENT_TYPE_LATEST)
