"""Outbound webhooks: recording events, fanning them out, and sending them.

**Recording** (:func:`emit`) writes one event row in the caller's transaction (the
transactional outbox), naming the endpoints subscribed to its type: a rolled-back order writes
nothing, a committed one cannot lose its webhook. That is all a checkout pays: which endpoints
listen is read once per transaction, whatever the number of events, and no delivery row is
written while the order holds its stock rows locked. Nothing is sent on the request path.

**Fanning out** (:func:`fan_out_webhook_events`) turns committed events into one delivery per
endpoint. In service mode the commit queues one Celery message, whatever the number of events
and endpoints (``on_commit``), and a worker fans them out and hands each delivery to a task of
its own; if the broker is down the events wait for the sweep. In embedded mode (tasks run
inline, ``CELERY_TASK_ALWAYS_EAGER``) nothing is queued at all, because an inline task would
make the request wait: the beat sweep fans out and delivers, every
``WEBHOOK_SWEEP_INTERVAL_SECONDS``, in the beat process. Events are locked as they are fanned
out (``skip_locked``) and a delivery is unique per event and endpoint, so two workers never
write the same delivery twice.

**Sending** (:func:`deliver_webhook`) first claims the delivery with one conditional UPDATE
(due, not finished), which moves its ``next_attempt_at`` a lease ahead. Of two workers handed
the same delivery, one UPDATE matches and the other matches nothing, so an event goes to an
endpoint at most once at a time and never again once it succeeded. The request is made
outside any transaction, with short timeouts. 2xx succeeds; 5xx, 408, 429, timeouts and
connection errors are retried with exponential back-off and jitter until the delivery's
attempt limit, then it is failed; any other answer fails it at once. Every attempt is logged.

**Sweeping** (:func:`deliver_due_webhooks`, beat) fans out events whose message never came
(broker down), then hands out what is due: retries whose time has come, first attempts whose
task never ran, and claims that lapsed (a worker died mid-request).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from config.celery import app as celery_app
from emporium.webhooks.exceptions import DeliveryNotRedeliverable
from emporium.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    generate_webhook_secret,
)
from emporium.webhooks.selectors import complete_event_data, list_active_subscriptions
from emporium.webhooks.signing import sign

logger = logging.getLogger(__name__)

Payload = dict[str, Any]

USER_AGENT = "Emporium-Webhooks/1"
RESPONSE_EXCERPT_BYTES = 500
# A claim outlives any one request (timeouts are seconds), so it lapses only for a dead worker.
CLAIM_SECONDS = 120
# An event or first attempt younger than this may still have its message in the queue: the
# sweep leaves it to the worker.
QUEUED_GRACE = timedelta(seconds=30)
RETRY_ON_STATUS = frozenset({408, 429})


def _runs_inline() -> bool:
    """Tasks run in the caller's process (embedded mode, and the test suite)."""
    return bool(celery_app.conf.task_always_eager)


# --- Recording ---------------------------------------------------------------------------


@dataclass(eq=False)
class _TransactionOutbox:
    """What one transaction has recorded so far: the subscriptions it read (once) and the
    events it wrote, queued in one message when it commits."""

    subscriptions: dict[str, list[int]] | None = None
    event_ids: list[UUID] = field(default_factory=list)

    def endpoints_for(self, event_type: str) -> list[int]:
        if self.subscriptions is None:
            self.subscriptions = list_active_subscriptions()
        return self.subscriptions.get(event_type, [])

    def committed(self) -> None:
        connection = transaction.get_connection()
        if getattr(connection, "webhooks_outbox", None) is self:
            connection.webhooks_outbox = None
        if self.event_ids and not _runs_inline():
            _queue_fan_out(self.event_ids)


def _outbox_of_this_transaction() -> _TransactionOutbox:
    """The outbox state of the transaction in progress (call inside ``atomic``).

    It lives on the connection until its commit callback runs. A rollback drops the callback
    (Django empties its list), so an outbox whose callback is no longer waiting belongs to a
    transaction that is over, and a new one starts."""
    connection = transaction.get_connection()
    outbox: _TransactionOutbox | None = getattr(connection, "webhooks_outbox", None)
    if outbox is not None and any(
        callback == outbox.committed for _, callback, _ in connection.run_on_commit
    ):
        return outbox
    outbox = _TransactionOutbox()
    connection.webhooks_outbox = outbox
    transaction.on_commit(outbox.committed)
    return outbox


def forget_subscriptions() -> None:
    """An endpoint changed: the transaction in progress reads the subscriptions again."""
    outbox: _TransactionOutbox | None = getattr(transaction.get_connection(), "webhooks_outbox", None)
    if outbox is not None:
        outbox.subscriptions = None


def emit(*, event_type: str, payload: Payload | Callable[[], Payload]) -> WebhookEvent | None:
    """Record an event for every active endpoint subscribed to ``event_type``, in the caller's
    transaction: one INSERT, fanned out into deliveries after the commit.

    ``payload`` may be a function: it is called only when some endpoint listens, so a shop
    without webhooks pays one small query per transaction. Returns the event, or None when
    nobody listens.
    """
    with transaction.atomic(savepoint=False):  # joins the caller's transaction; one of its own otherwise
        outbox = _outbox_of_this_transaction()
        endpoint_ids = outbox.endpoints_for(event_type)
        if not endpoint_ids:
            return None
        data = payload() if callable(payload) else payload
        event = WebhookEvent.objects.create(type=event_type, data=data, endpoint_ids=endpoint_ids)
        outbox.event_ids.append(event.pk)
    return event


def _queue_fan_out(event_ids: list[UUID]) -> None:
    """One message per commit, whatever the number of events and endpoints.

    ``retry=False``: with the broker down this fails at once instead of retrying on the
    request path; the events are committed and the sweep fans them out."""
    from emporium.webhooks.tasks import fan_out_webhook_events_task

    ids = [str(event_id) for event_id in event_ids]
    try:
        fan_out_webhook_events_task.apply_async(kwargs={"event_ids": ids}, retry=False)
    except KombuOperationalError:
        logger.warning("Could not queue webhook events %s; the sweep will send them", ids)


def _queue(delivery_ids: list[int]) -> None:
    """Hand deliveries to the workers in one message (a manual redelivery). Like the fan-out's,
    a broker that is down leaves them to the sweep."""
    from emporium.webhooks.tasks import deliver_webhooks_task

    try:
        deliver_webhooks_task.apply_async(kwargs={"delivery_ids": delivery_ids}, retry=False)
    except KombuOperationalError:
        logger.warning("Could not queue webhook deliveries %s; the sweep will send them", delivery_ids)


@transaction.atomic
def fan_out_webhook_events(
    *, event_ids: Iterable[UUID | str] | None = None, older_than: datetime | None = None
) -> list[int]:
    """Complete the payloads of committed events not fanned out yet and write their deliveries:
    the events named, or else the oldest (up to ``WEBHOOK_SWEEP_BATCH``, created before
    ``older_than`` if given). Returns the new deliveries' ids, in event order.

    The events are locked as they are read and others' locks skipped, so two workers fanning
    out at once take different events; the unique delivery per event and endpoint is the last
    word (SQLite has no row locks). An endpoint deleted since the event is left out; one
    deactivated since still gets its delivery, which records that it was not sent.
    """
    events = WebhookEvent.objects.filter(fanned_out_at__isnull=True)
    if event_ids is not None:
        events = events.filter(pk__in=list(event_ids))
    elif older_than is not None:
        events = events.filter(created_at__lt=older_than)
    rows = list(
        events.select_for_update(skip_locked=True)
        .order_by("created_at")
        .only("pk", "type", "data", "endpoint_ids", "created_at")[: settings.WEBHOOK_SWEEP_BATCH]
    )
    if not rows:
        return []
    # The parts of the payload checkout left out to keep its transaction short.
    now = timezone.now()
    for event, data in zip(
        rows, complete_event_data([(event.type, event.data) for event in rows]), strict=True
    ):
        event.data, event.fanned_out_at = data, now
    WebhookEvent.objects.bulk_update(rows, ["data", "fanned_out_at"])
    wanted = {endpoint_id for event in rows for endpoint_id in event.endpoint_ids}
    existing = set(WebhookEndpoint.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    WebhookDelivery.objects.bulk_create(
        (
            WebhookDelivery(event_id=event.pk, endpoint_id=endpoint_id, next_attempt_at=event.created_at)
            for event in rows
            for endpoint_id in event.endpoint_ids
            if endpoint_id in existing
        ),
        ignore_conflicts=True,
    )
    fanned = [event.pk for event in rows]
    return list(
        WebhookDelivery.objects.filter(event_id__in=fanned, attempts=0, status=DeliveryStatus.PENDING)
        .order_by("event__created_at", "pk")
        .values_list("pk", flat=True)
    )


# --- Endpoints ---------------------------------------------------------------------------


def _save_endpoint(endpoint: WebhookEndpoint, fields: dict[str, Any]) -> WebhookEndpoint:
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def create_webhook_endpoint(
    *, url: str, event_types: list[str], description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (shown to staff who manage webhooks)."""
    fields = {"url": url, "event_types": event_types, "description": description, "is_active": is_active}
    return _save_endpoint(WebhookEndpoint(), fields)


@transaction.atomic
def update_webhook_endpoint(*, endpoint: WebhookEndpoint, fields: dict[str, Any]) -> WebhookEndpoint:
    """Change the URL, description, subscriptions or active flag. Deliveries already recorded
    keep going to the endpoint (they are for events it subscribed to when they happened)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    return _save_endpoint(endpoint, fields)


@transaction.atomic
def rotate_webhook_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret, used from the next attempt on (retries of old events included)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = generate_webhook_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


# --- Sending -----------------------------------------------------------------------------


def render_body(*, event: WebhookEvent) -> bytes:
    """The request body: the same bytes on every attempt of the event."""
    document = {
        "id": str(event.id),
        "type": event.type,
        "created": event.created_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(*, event: WebhookEvent, secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": str(event.id),
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": sign(secret=secret, timestamp=timestamp, body=body),
    }


def retry_delay(*, attempt: int) -> timedelta:
    """Exponential back-off with jitter: base x 2^(attempt-1), capped, then a random half to
    all of it, so endpoints that failed together do not all come back at once."""
    ceiling = min(
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS
    )
    # Jitter, not a secret: the standard generator is the right one.
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # nosec B311


def _claim(*, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery if it is due and unfinished: one conditional UPDATE, so of two workers
    racing for it exactly one matches (the other waits on the row lock, then finds it no
    longer due). Autocommit: the claim holds no lock while the request is made."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING],
        next_attempt_at__lte=now,
    ).update(
        status=DeliveryStatus.DELIVERING,
        next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str, bool]:
    """Send once: (status code, response excerpt, error, whether a failure is worth retrying)."""
    timeout = httpx.Timeout(
        settings.WEBHOOK_TIMEOUT_SECONDS, connect=settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS
    )
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            excerpt = b""
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                    break  # the rest is not read: a receiver cannot make us download a lot
    except httpx.TransportError as error:  # timeouts, refused and reset connections
        return None, "", f"{type(error).__name__}: {error}"[:300], True
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return None, "", f"{type(error).__name__}: {error}"[:300], False
    code = response.status_code
    text = excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace")
    return code, text, "", code >= 500 or code in RETRY_ON_STATUS


def deliver_webhook(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Send one delivery if it is due and nobody else is sending it; returns it as it ends,
    or None when there was nothing to send (not due, finished, or claimed by another worker).
    ``now`` is for tests that step the clock forward to a retry."""
    started_at = now or timezone.now()
    delivery = _claim(delivery_id=delivery_id, now=started_at)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.is_active:
        code, excerpt, error, retryable, duration_ms = None, "", "Endpoint inactive: not sent", False, 0
    else:
        body = render_body(event=event)
        headers = signed_headers(event=event, secret=endpoint.secret, body=body, timestamp=int(time.time()))
        clock = time.perf_counter()
        code, excerpt, error, retryable = _post(url=endpoint.url, body=body, headers=headers)
        duration_ms = round((time.perf_counter() - clock) * 1000)
    succeeded = code is not None and 200 <= code < 300
    finished_at = started_at + timedelta(milliseconds=duration_ms)
    if succeeded:
        changes: dict[str, Any] = {"status": DeliveryStatus.SUCCEEDED, "delivered_at": finished_at}
    elif retryable and delivery.attempts < delivery.attempt_limit:
        changes = {
            "status": DeliveryStatus.PENDING,
            "next_attempt_at": finished_at + retry_delay(attempt=delivery.attempts),
        }
    else:
        changes = {"status": DeliveryStatus.FAILED}
    changes |= {"last_status_code": code, "last_error": error or ("" if succeeded else f"HTTP {code}")}
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=code,
            response_excerpt=excerpt,
            error=error,
        )
        # Only while the claim is still ours (the same attempt number): a claim that lapsed
        # and was taken again belongs to the other worker now.
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.DELIVERING, attempts=delivery.attempts
        ).update(**changes)
    for name, value in changes.items():
        setattr(delivery, name, value)
    # The endpoint by id only: URLs can carry credentials in their query string.
    log = logger.info if succeeded else logger.warning
    log(
        "Webhook %s (%s) to endpoint %s, attempt %s: %s",
        event.id,
        event.type,
        endpoint.pk,
        delivery.attempts,
        f"HTTP {code}" if code is not None else error,
    )
    return delivery


def deliver_due_webhooks(*, now: datetime | None = None) -> int:
    """Fan out the events left waiting, then hand out the deliveries that are due (beat, every
    WEBHOOK_SWEEP_INTERVAL_SECONDS); returns how many deliveries. In embedded mode they are
    sent here, inline, stopping once the interval has been spent so that a dead endpoint cannot
    hold beat up; the rest wait for the next sweep."""
    now = now or timezone.now()
    inline = _runs_inline()
    grace = timedelta(0) if inline else QUEUED_GRACE
    # In service mode an event younger than the grace may still have its message queued.
    fan_out_webhook_events(older_than=None if inline else now - grace)
    due = (
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING], next_attempt_at__lte=now
        )
        .exclude(Q(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at__gt=now - grace))
        .order_by("next_attempt_at")
        .values_list("pk", "endpoint_id")[: settings.WEBHOOK_SWEEP_BATCH]
    )
    rows = list(due)
    if inline:
        # An endpoint that just timed out or refused is skipped for the rest of this sweep, so
        # one dead receiver does not spend the sweep's time on every one of its deliveries.
        budget = time.monotonic() + settings.WEBHOOK_SWEEP_INTERVAL_SECONDS
        failing: set[int] = set()
        handed = 0
        for delivery_id, endpoint_id in rows:
            if time.monotonic() > budget:
                break
            if endpoint_id in failing:
                continue
            sent = deliver_webhook(delivery_id=delivery_id, now=now)
            handed += 1
            if sent is not None and sent.last_status_code is None and sent.status == DeliveryStatus.PENDING:
                failing.add(endpoint_id)
        return handed
    from emporium.webhooks.tasks import deliver_webhook_task

    for delivery_id, _endpoint_id in rows:
        deliver_webhook_task.delay(delivery_id=delivery_id)
    return len(rows)


@transaction.atomic
def redeliver_webhook(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (staff, from the admin or the API), with the same event id, with a
    fresh round of attempts: a failed one after the endpoint was fixed, or a succeeded one the
    receiver lost. Refused while a worker is sending it."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    now = timezone.now()
    if delivery.status == DeliveryStatus.DELIVERING and delivery.next_attempt_at > now:
        raise DeliveryNotRedeliverable()
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.attempt_limit = delivery.attempts + settings.WEBHOOK_MAX_ATTEMPTS
    delivery.save(update_fields=["status", "next_attempt_at", "attempt_limit"])
    if not _runs_inline():
        delivery_id = delivery.pk
        transaction.on_commit(lambda: _queue([delivery_id]))
    return delivery
