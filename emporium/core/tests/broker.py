"""Brokers for the tests that look at what is queued: one that is down, to show a committed
change survives it (order confirmations, webhook deliveries), and the real Redis, to read the
messages a commit sent. Tasks are queued on them, not run inline."""

from __future__ import annotations

import base64
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings

from config.celery import app as celery_app


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nobody listens


@pytest.fixture
def dead_broker() -> Iterator[None]:
    """Tasks are queued (not run inline) on a Redis broker nobody answers."""
    saved = {"broker_url": celery_app.conf.broker_url, "task_always_eager": celery_app.conf.task_always_eager}
    celery_app.conf.update(broker_url=f"redis://127.0.0.1:{closed_port()}/0", task_always_eager=False)
    _forget_connection_pools()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _forget_connection_pools()


def _forget_connection_pools() -> None:
    # Celery makes its pools from broker_url on first use and keeps them: start afresh.
    setattr(celery_app, "_pool", None)  # noqa: B010
    setattr(celery_app.amqp, "_producer_pool", None)  # noqa: B010


@pytest.fixture
def redis_broker() -> Iterator[str]:
    """Tasks are queued (not run inline) on the real Redis, in a queue of this test's own;
    yields the queue's name, which is also its Redis key, so a test can read what was sent."""
    queue = f"test-{uuid.uuid4().hex}"
    url = _queue_database()
    saved = {
        "broker_url": celery_app.conf.broker_url,
        "task_always_eager": celery_app.conf.task_always_eager,
        "task_default_queue": celery_app.conf.task_default_queue,
    }
    celery_app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
    _forget_connection_pools()
    try:
        yield queue
    finally:
        redis.Redis.from_url(url).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
        celery_app.conf.update(saved)
        _forget_connection_pools()


def _queue_database() -> str:
    """This test process's own Redis database when it has one (conftest.py gives each
    pytest-xdist worker its own, and each flushes it before and after every test): a shared
    fixed database would be one of those, and another worker's FLUSHDB could empty a queue
    between the send and the read. With no REDIS_URL no test flushes Redis, so any will do."""
    return settings.REDIS_URL or "redis://127.0.0.1:6379/13"


def queued_messages(queue: str) -> list[tuple[str, dict[str, Any]]]:
    """The tasks waiting in ``queue``, oldest first: (task name, keyword arguments)."""
    messages = []
    for raw in reversed(redis.Redis.from_url(_queue_database()).lrange(queue, 0, -1)):
        envelope = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        messages.append((envelope["headers"]["task"], kwargs))
    return messages
