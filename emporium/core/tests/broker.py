"""A broker that is down, for the tests that show a committed change survives it (order
confirmations, webhook deliveries): tasks are queued, not run inline, on a Redis nobody answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

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
