from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app
from emporium.accounts.tasks import clear_expired_sessions_task


def _expired_session() -> Session:
    return Session.objects.create(
        session_key="a" * 32, session_data="e30", expire_date=timezone.now() - timedelta(hours=1)
    )


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


@pytest.mark.django_db
def test_clear_expired_sessions_task_runs_inline_in_embedded_mode():
    _expired_session()

    clear_expired_sessions_task.delay()

    assert not Session.objects.exists()


@pytest.fixture
def redis_worker() -> Iterator[None]:
    """A real Celery worker thread consuming from the Redis broker of the service mode."""
    if not settings.REDIS_URL:
        pytest.skip("service mode only: set REDIS_URL to run tasks through a real Redis broker")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_clear_expired_sessions_task_runs_on_a_worker_through_redis(redis_worker):
    _expired_session()

    result = clear_expired_sessions_task.apply_async(ignore_result=False)
    result.get(timeout=20)

    assert result.successful()
    assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_queued_task_stores_no_result_nobody_reads(redis_worker):
    _expired_session()

    queued = clear_expired_sessions_task.delay()
    # The worker takes tasks in order: once this one has answered, the first has run.
    clear_expired_sessions_task.apply_async(ignore_result=False).get(timeout=20)

    assert not Session.objects.exists()
    backend = cast(RedisBackend, app.backend)
    key = backend.get_key_for_task(queued.id)
    assert queued.ignored
    assert backend.get(key) is None  # the worker stored nothing
    # nor did this process listen for it (celery-types does not declare the consumer)
    assert key not in backend.result_consumer.subscribed_to  # type: ignore[attr-defined]
