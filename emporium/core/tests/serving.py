"""Small servers the tests run in a thread of their own (the fake Stripe, webhook receivers, the
identity provider, a Sentry collector), started and stopped the same way.

``socketserver``'s loop looks whether it was asked to stop only between waits for a
connection, half a second each by default, so every test that stopped such a server waited
about that long at its end: some 30 s of a suite run. Here the loop waits a hundredth of a
second at a time instead, so a stop takes effect at once and an idle server costs nothing
noticeable.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

POLL_INTERVAL = 0.01  # seconds between looks at a stop request (socketserver's default: 0.5)


def start_serving(server: socketserver.BaseServer, *, name: str | None = None) -> threading.Thread:
    """Serve ``server`` in a daemon thread until :func:`stop_serving`."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, name=name, daemon=True
    )
    thread.start()
    return thread


def stop_serving(server: socketserver.BaseServer, thread: threading.Thread | None = None) -> None:
    """Stop the loop, close the listening socket, and wait for the serving thread to end."""
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join()


@contextmanager
def serving(server: socketserver.BaseServer, *, name: str | None = None) -> Iterator[None]:
    """``server`` answers in a thread of its own for the ``with`` block."""
    thread = start_serving(server, name=name)
    try:
        yield
    finally:
        stop_serving(server, thread)
