"""OpenTelemetry tracing: web requests, database queries and Celery tasks, sent over OTLP.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (e.g. ``http://otel-collector:4318``); the
exporter reads the other standard ``OTEL_*`` variables itself (headers, timeout, sampler).
Called by config/wsgi.py and asgi.py for the web process and by config/celery.py in each
worker process. Spans are batched in a background thread; the SDK restarts that thread after
gunicorn forks its workers from the preloaded master.
"""

from __future__ import annotations

import os

_configured = False


def configure_tracing(*, service_name: str) -> bool:
    """Start tracing for this process if an OTLP endpoint is configured; True when it did."""
    global _configured
    if _configured or not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return _configured
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # Health probes every few seconds would drown the traces that matter.
    DjangoInstrumentor().instrument(excluded_urls="healthz,readyz,metrics")
    PsycopgInstrumentor().instrument(enable_commenter=False)
    CeleryInstrumentor().instrument()
    _configured = True
    return True
