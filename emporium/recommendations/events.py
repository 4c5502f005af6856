"""Recording storefront events cheaply: a per-process buffer written with one bulk insert.

A product view or add-to-cart costs an append to a list on the request path; every
``EVENT_BUFFER_SIZE`` events (or ``EVENT_FLUSH_SECONDS`` after the oldest one) the buffer is
written in one ``bulk_create`` when the request has finished (``request_finished``), so no
visitor waits for it. Clicks on a widget are written at
once (still after the commit): there are few of them and they are what widgets are judged by.
A process that stops between flushes loses at most one buffer of views; training does not need
every view, and analytics reads them as a sample.

Bots (by User-Agent) and staff are not counted: they would teach the model what crawlers and
the shop's own people look at.
"""

from __future__ import annotations

import logging
import re
import threading
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from emporium.accounts.models import User
from emporium.catalog.models import Product
from emporium.recommendations.models import Event, EventKind

logger = logging.getLogger(__name__)

_BOT = re.compile(
    r"bot|crawl|spider|slurp|facebookexternalhit|preview|monitor|curl|wget|python-requests", re.I
)
_buffer: list[Event] = []
_lock = threading.Lock()
_oldest = 0.0
_flush_due = False


def is_counted(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_staff", False):
        return False
    agent = request.headers.get("User-Agent", "")
    return bool(agent) and not _BOT.search(agent)


def record_event_for_request(
    *, request: HttpRequest, kind: EventKind, product_id: int, widget: str = "", position: int | None = None
) -> bool:
    """Record what this request did, unless a bot or staff member made it. True if recorded."""
    if not is_counted(request):
        return False
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    event = Event(
        kind=kind,
        product_id=product_id,
        customer_id=user.pk if user is not None and user.is_authenticated else None,
        session_key=(session.session_key or "") if session is not None else "",
        widget=widget,
        position=position,
        occurred_at=timezone.now(),
    )
    if kind == EventKind.CLICK:
        transaction.on_commit(lambda: Event.objects.bulk_create([event]))
    else:
        _buffer_event(event)
    return True


def _buffer_event(event: Event) -> None:
    global _oldest
    with _lock:
        if not _buffer:
            _oldest = time.monotonic()
        _buffer.append(event)
        is_due = (
            len(_buffer) >= settings.RECOMMENDATION_EVENT_BUFFER_SIZE
            or time.monotonic() - _oldest >= settings.RECOMMENDATION_EVENT_FLUSH_SECONDS
        )
    global _flush_due
    if is_due:
        _flush_due = True  # written by flush_due_events once the response has gone out


def flush_due_events(**kwargs: object) -> int:
    """Receiver of ``request_finished``: the insert runs after the visitor has the page."""
    global _flush_due
    if not _flush_due:
        return 0
    _flush_due = False
    return flush_events()


def flush_events() -> int:
    """Write every buffered event in one insert; returns how many were written.

    The buffer may hold events of a product or customer deleted since (a flush can come
    minutes later, on another visitor's request): those are dropped, not written, because a
    failed insert here would turn that visitor's page into an error over a statistic.
    """
    with _lock:
        pending = _buffer[:]
        _buffer.clear()
    if not pending:
        return 0
    products = set(
        Product.objects.filter(pk__in={event.product_id for event in pending}).values_list("pk", flat=True)
    )
    customer_ids = {event.customer_id for event in pending if event.customer_id is not None}
    customers = (
        set(User.objects.filter(pk__in=customer_ids).values_list("pk", flat=True)) if customer_ids else set()
    )
    kept = [
        event
        for event in pending
        if event.product_id in products and (event.customer_id is None or event.customer_id in customers)
    ]
    try:
        with transaction.atomic():
            Event.objects.bulk_create(kept, batch_size=1000)
    except IntegrityError:  # a row deleted between the check and the insert: lose this batch only
        logger.warning("Dropped %d storefront events whose product or customer was deleted", len(kept))
        return 0
    return len(kept)


def discard_buffered_events() -> int:
    """Forget the events not written yet (tests start each with an empty buffer)."""
    with _lock:
        count = len(_buffer)
        _buffer.clear()
    return count
