"""Provider events (webhooks): verified, recorded once by id, applied in any order."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from emporium.payments.exceptions import MalformedWebhook
from emporium.payments.gateways.base import EventKind, GatewayEvent, SignedEvent, redact
from emporium.payments.models import LogDirection, Payment, PaymentLogEntry, ProviderEvent
from emporium.payments.registry import get_gateway_for_events
from emporium.payments.services.progress import advance_payment
from emporium.payments.services.refund_records import apply_refund_event, apply_refund_status

logger = logging.getLogger(__name__)


def _find_payment(*, gateway: str, event: GatewayEvent) -> Payment | None:
    payments = Payment.objects.filter(gateway=gateway)
    if event.reference and (payment := payments.filter(provider_reference=event.reference).first()):
        return payment
    if event.payment_id is not None:
        # The event beat us to saving the provider's reference: our id travels in its metadata.
        return payments.filter(pk=event.payment_id, provider_reference__in=["", event.reference]).first()
    return None


def receive_provider_event(*, gateway_name: str, payload: bytes, signature: str) -> ProviderEvent:
    """Verify, record once by id, and apply a provider's event. A forged or stale one raises
    :class:`InvalidWebhook` before anything is written; a redelivered one is counted, not re-applied.

    The event row is locked while it is applied, so two deliveries racing each other queue: the
    second finds it processed. Events may come in any order; applying them only moves forwards.
    """
    gateway = get_gateway_for_events(gateway_name)
    try:
        event = gateway.parse_event(payload=payload, signature=signature)
    except MalformedWebhook as error:
        _log_unreadable_event(gateway_name=gateway.name, payload=payload, error=error)
        raise
    with transaction.atomic():
        record, created = ProviderEvent.objects.get_or_create(
            gateway=gateway.name, event_id=event.id, defaults={"type": event.type, "payload": event.payload}
        )
        record = ProviderEvent.objects.select_for_update().get(pk=record.pk)
        if not created:
            record.deliveries += 1
            record.save(update_fields=["deliveries"])
        duplicate = record.processed_at is not None
        if not duplicate:
            payment = _find_payment(gateway=gateway.name, event=event)
            if payment is not None:
                # A refund is no news that the order is paid: it never goes through
                # advance_payment, so it cannot mark an order paid or send "payment received".
                if event.kind is EventKind.PAYMENT:
                    payment, _ = advance_payment(payment=payment, result=event)
                elif event.kind is EventKind.REFUND:
                    apply_refund_event(payment=payment, event=event)
                elif event.kind is EventKind.REFUND_STATUS:
                    apply_refund_status(payment=payment, event=event)
                record.payment = payment
            if payment is not None or event.kind is EventKind.OTHER:
                record.processed_at = timezone.now()
            else:
                logger.warning("%s event %s names no payment of ours", gateway.name, event.id)
            record.save(update_fields=["payment", "processed_at"])
        PaymentLogEntry.objects.create(
            payment=record.payment,
            gateway=gateway.name,
            direction=LogDirection.INCOMING,
            operation=f"event {event.type}"[:40],
            request=event.payload,
            response={
                "event": record.pk,
                "duplicate": duplicate,
                "processed": record.processed_at is not None,
            },
            status_code=200,
        )
    return record


def _log_unreadable_event(*, gateway_name: str, payload: bytes, error: MalformedWebhook) -> None:
    """Signed, so it really is the provider's: keep what it sent for whoever reads the log."""
    try:
        body = json.loads(payload)
    except ValueError:
        body = None
    PaymentLogEntry.objects.create(
        gateway=gateway_name,
        direction=LogDirection.INCOMING,
        operation="event (unreadable)",
        request=redact(body)
        if isinstance(body, dict)
        else {"body": payload[:2000].decode("utf-8", "replace")},
        status_code=400,
        error=error.message[:255],
    )
    logger.warning("%s sent a signed event we cannot read: %s", gateway_name, error.message)


def deliver_events(*, gateway_name: str, events: Iterable[SignedEvent]) -> None:
    """The offline gateway has no server to call our webhook: its signed events go through the
    same :func:`receive_provider_event` a Stripe webhook does."""
    for event in events:
        receive_provider_event(gateway_name=gateway_name, payload=event.payload, signature=event.signature)
