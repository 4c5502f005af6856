"""Production behaviour: request ids in logs and tasks, JSON logs, Prometheus metrics, media on
object storage, Sentry and OpenTelemetry. Settings-level switches run in a fresh interpreter."""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from celery import shared_task
from django.conf import settings
from django.test import override_settings

from emporium.accounts.tests.test_tasks import redis_worker  # noqa: F401  (fixture)
from emporium.core.request_id import HEADER, RequestIdLogFilter, bind_request_id, get_request_id
from emporium.core.tests.serving import serving
from emporium.core.tests.test_settings import _run

# --- Request ids ----------------------------------------------------------------------------


def test_a_well_formed_request_id_from_the_proxy_is_kept_and_returned(client):
    response = client.get("/healthz", headers={HEADER: "edge-1234abcd"})

    assert response[HEADER] == "edge-1234abcd"


@pytest.mark.parametrize("sent", [None, "short", "has spaces in it", "x" * 200, "new\nline-forged"])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_fresh_one(client, sent):
    response = client.get("/healthz", headers={HEADER: sent} if sent else {})

    assert response[HEADER] != sent
    assert len(response[HEADER]) == 32


def test_log_records_carry_the_bound_request_id():
    record = logging.LogRecord("emporium", logging.INFO, __file__, 1, "hello", None, None)
    with bind_request_id("req-abcdef12"):
        RequestIdLogFilter().filter(record)

    assert record.__dict__["request_id"] == "req-abcdef12"


@shared_task
def _report_request_id_task() -> str | None:
    return get_request_id()


@pytest.mark.django_db(transaction=True)
def test_request_id_travels_to_the_worker_in_task_headers(redis_worker):  # noqa: F811
    with bind_request_id("req-travels-1"):
        result = _report_request_id_task.apply_async(ignore_result=False)

    assert result.get(timeout=20) == "req-travels-1"
    assert get_request_id() is None


def test_json_logs_are_one_object_per_line_with_the_request_id():
    code = (
        "import django, logging; django.setup();"
        "from emporium.core.request_id import bind_request_id;"
        "ctx = bind_request_id('req-json-1234');"
        "ctx.__enter__(); logging.getLogger('emporium.orders').warning('order %s placed', 'EM-1')"
    )
    result = _run(["-c", code], LOG_FORMAT="json")

    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "order EM-1 placed"
    assert line["level"] == "WARNING"
    assert line["logger"] == "emporium.orders"
    assert line["request_id"] == "req-json-1234"


def test_production_logs_json_by_default():
    result = _run(
        ["-c", "from django.conf import settings; print(settings.LOG_FORMAT)"],
        EMPORIUM_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example",
    )
    assert result.stdout.strip() == "json", result.stderr


# --- Metrics --------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(METRICS_ENABLED=True, METRICS_TOKEN="scrape-token")
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "scrape-token"])
def test_metrics_are_hidden_without_the_bearer_token(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    assert client.get("/metrics", headers=headers).status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_ENABLED=True, METRICS_TOKEN="", IS_PRODUCTION=True)
def test_metrics_are_hidden_in_production_when_no_token_is_set(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_ENABLED=False, METRICS_TOKEN="scrape-token")
def test_metrics_are_off_when_disabled(client):
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-token"}).status_code == 404


def test_metrics_count_requests_database_and_cache_when_enabled(tmp_path):
    # A fresh process with metrics on from the start, as production runs: the middleware,
    # database wrapper and cache counters are installed by the settings. Its SELECT goes to a
    # file of its own, not the developer's shop in ./db.sqlite3.
    code = """
import django; django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
client = Client()
client.get("/healthz")
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
cache.get("missing-key")
response = client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
print(response.status_code)
print(response.content.decode())
"""
    result = _run(
        ["-c", code],
        METRICS_ENABLED="1",
        METRICS_TOKEN="scrape-token",
        ALLOWED_HOSTS="testserver",
        SQLITE_PATH=str(tmp_path / "shop.sqlite3"),
    )

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split("\n", 1)
    assert status == "200"
    assert (
        'django_http_requests_total_by_view_transport_method_total{method="GET",transport="http",view="healthz"} 1.0'
        in body
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    assert 'django_db_execute_total{alias="default",vendor="sqlite"}' in body
    assert "django_cache_get_total" in body


@pytest.mark.skipif(not settings.REDIS_URL, reason="service mode only: the queue lives in Redis")
@override_settings(
    METRICS_ENABLED=True, METRICS_TOKEN="scrape-token", METRICS_CELERY_QUEUES=["emporium-test-q"]
)
def test_metrics_report_how_many_tasks_wait_in_each_queue(client):
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("emporium-test-q")
    broker.rpush("emporium-test-q", "a", "b", "c")
    try:
        with override_settings(CELERY_BROKER_URL=settings.REDIS_URL):
            body = client.get("/metrics", headers={"Authorization": "Bearer scrape-token"}).content.decode()
    finally:
        broker.delete("emporium-test-q")

    assert 'emporium_celery_queue_length{queue="emporium-test-q"} 3.0' in body


# --- Media on object storage ----------------------------------------------------------------


def test_media_goes_to_s3_compatible_storage_when_a_bucket_is_named():
    code = """
import django; django.setup()
from django.core.files.storage import storages
media = storages["default"]
print(type(media).__module__ + "." + type(media).__name__)
print(media.url("products/mug.jpg"))
"""
    result = _run(
        ["-c", code],
        AWS_STORAGE_BUCKET_NAME="shop-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.test",
        AWS_S3_REGION_NAME="eu-west-1",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )

    assert result.returncode == 0, result.stderr
    backend, url = result.stdout.split()
    assert backend == "storages.backends.s3.S3Storage"
    assert url == "https://s3.example.test/shop-media/media/products/mug.jpg"


def test_media_stays_on_disk_without_a_bucket():
    code = "import django; django.setup(); from django.core.files.storage import storages; print(type(storages['default']).__name__)"
    assert _run(["-c", code]).stdout.strip() == "FileSystemStorage"


# --- Sentry and OpenTelemetry, against a local collector ------------------------------------


class _Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.arrived = threading.Event()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":  # sentry-sdk prefers brotli whenever the module is installed
                    import brotli

                    body = brotli.decompress(body)
                collector.received.append((self.path, body))
                collector.arrived.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def collector() -> Iterator[_Collector]:
    server = _Collector()
    with serving(server):
        yield server


def test_sentry_reports_errors_when_a_dsn_is_set(collector):
    port = collector.server_address[1]
    code = """
import django; django.setup()
import sentry_sdk
sentry_sdk.capture_exception(RuntimeError("payment gateway exploded"))
sentry_sdk.flush(timeout=10)
"""
    result = _run(["-c", code], SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42")

    assert result.returncode == 0, result.stderr
    assert any(
        path == "/api/42/envelope/" and b"payment gateway exploded" in body
        for path, body in collector.received
    )


def test_sentry_is_off_without_a_dsn():
    code = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    assert _run(["-c", code]).stdout.strip() == "False"


def test_requests_and_queries_are_traced_over_otlp_when_an_endpoint_is_set(collector):
    port = collector.server_address[1]
    code = """
import django
from config.observability import configure_tracing
assert configure_tracing(service_name="emporium-test")
django.setup()
from django.test import Client
Client().get("/api/v1/", headers={"X-Request-ID": "trace-test-1"})
from opentelemetry import trace
trace.get_tracer_provider().force_flush()
"""
    result = _run(
        ["-c", code], OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}", ALLOWED_HOSTS="testserver"
    )

    assert result.returncode == 0, result.stderr
    traces = b"".join(body for path, body in collector.received if path == "/v1/traces")
    assert b"emporium-test" in traces  # the service name in the resource
    assert b"GET" in traces  # the request's span


def test_tracing_is_off_without_an_endpoint():
    code = "from config.observability import configure_tracing; print(configure_tracing(service_name='x'))"
    assert _run(["-c", code]).stdout.strip() == "False"
