"""One id per request, in every log line it causes: the web process's and the Celery tasks'.

The proxy in front usually sets ``X-Request-ID`` (Caddy, nginx and most load balancers can);
we keep a well-formed one so its logs and ours join up, and make one otherwise. The id goes back
in the response header, rides along in the headers of every task the request queues, and is
bound again while the worker runs that task, so one grep finds an order's whole story.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import signals
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "emporium_request_id"
# Anything else (too long, odd characters) could forge log lines; it is replaced, not trusted.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_current: ContextVar[str | None] = ContextVar("emporium_request_id", default=None)


def get_request_id() -> str | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bind_request_id(request_id: str | None) -> Iterator[None]:
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


def request_id_from_header(value: str | None) -> str:
    return value if value and _WELL_FORMED.match(value) else new_request_id()


class RequestIdMiddleware:
    """Outermost middleware, so even a response made by another middleware carries the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from_header(request.headers.get(HEADER))
        with bind_request_id(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Puts the current request id on every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True


@signals.before_task_publish.connect
def _send_request_id_with_task(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and (request_id := _current.get()):
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, Any] = {}


@signals.task_prerun.connect
def _bind_request_id_in_task(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    # Custom message headers appear as attributes of task.request (Celery's protocol 2).
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if request_id is None:
        return  # eager tasks already run inside the request's context; nothing to bind
    _task_tokens[task_id] = _current.set(request_id)


@signals.task_postrun.connect
def _unbind_request_id_after_task(task_id: str = "", **kwargs: Any) -> None:
    if (token := _task_tokens.pop(task_id, None)) is not None:
        _current.reset(token)
