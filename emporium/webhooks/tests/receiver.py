"""A webhook receiver on 127.0.0.1 for tests: real HTTP, a thread of its own.

It verifies each request the way a shop's receiver would (``verify_signature``), records what
it got, and answers from a script: a status code per request, or ``HANG`` to hold the answer
back past the sender's timeout."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from emporium.core.tests.serving import serving
from emporium.webhooks.signing import verify_signature

HANG = -1


@dataclass
class ReceivedWebhook:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def document(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    secret: str = ""
    answers: list[int] = field(default_factory=list)  # each next request's status; then 200
    hang_seconds: float = 3.0
    received: list[ReceivedWebhook] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200


@contextmanager
def running_receiver(*, secret: str = "", answers: list[int] | None = None) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret, answers=list(answers or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            verified = verify_signature(
                secret=receiver.secret,
                body=body,
                timestamp=headers.get("webhook-timestamp", ""),
                signature=headers.get("webhook-signature", ""),
            )
            with receiver.lock:
                receiver.received.append(ReceivedWebhook(headers=headers, body=body, verified=verified))
            answer = receiver.next_answer()
            if answer == HANG:
                time.sleep(receiver.hang_seconds)
                answer = 200
            reply = b'{"ok": true}' if answer < 400 else b'{"error": "receiver says no"}'
            try:
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/emporium"
    with serving(server):
        yield receiver


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nobody listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return f"http://127.0.0.1:{port}/hooks"
