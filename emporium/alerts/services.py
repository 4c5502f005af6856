"""Writes on back-in-stock alerts: asking, confirming, unsubscribing, and sending.

Sent exactly once, however many workers run: a sender claims a batch of a variant's active
alerts with ``SELECT ... FOR UPDATE SKIP LOCKED`` (in id order), e-mails them and marks them
sent in the same transaction. A second worker on the same variant skips the rows the first
holds and takes the next batch, or finds none; a row marked sent is never claimed again.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from emporium.accounts.models import User
from emporium.alerts.exceptions import InvalidAlertLink
from emporium.alerts.links import (
    confirmation_url,
    read_confirmation_token,
    read_unsubscribe_token,
    unsubscribe_url,
)
from emporium.alerts.models import AlertStatus, StockAlert
from emporium.catalog.models import Variant
from emporium.core.mail import TRANSIENT_MAIL_ERRORS, as_header
from emporium.core.queueing import queue_after_commit

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
OPEN = (AlertStatus.UNCONFIRMED, AlertStatus.ACTIVE)


def _queue(task_name: str, **kwargs: int) -> None:
    queue_after_commit(
        f"emporium.alerts.tasks.{task_name}",
        catch_up="not sent: the alert stays as it is (the stock sweep finds active ones)",
        **kwargs,
    )


def ask_for_stock_alert(*, variant: Variant, email: str, customer: User | None) -> StockAlert:
    """An alert for this address; asking again returns the open one.

    A logged-in customer's own address is active at once; any other address (a guest's, or a
    customer typing somebody else's) is confirmed by following an e-mailed signed link first.
    """
    email = email.strip().lower()
    confirmed = customer is not None and customer.email.lower() == email
    existing = StockAlert.objects.filter(variant=variant, email=email, status__in=OPEN).first()
    if existing is not None:
        if confirmed and existing.status == AlertStatus.UNCONFIRMED:
            existing.status, existing.confirmed_at = AlertStatus.ACTIVE, timezone.now()
            existing.save(update_fields=["status", "confirmed_at"])
            _queue_if_in_stock(existing)
        return existing
    try:
        with transaction.atomic():
            alert = StockAlert.objects.create(
                variant=variant,
                email=email,
                customer=customer,
                status=AlertStatus.ACTIVE if confirmed else AlertStatus.UNCONFIRMED,
                confirmed_at=timezone.now() if confirmed else None,
            )
    except IntegrityError:  # the same request twice at once: the other one made it
        return StockAlert.objects.get(variant=variant, email=email, status__in=OPEN)
    if confirmed:
        _queue_if_in_stock(alert)
    else:
        _queue("send_alert_confirmation_task", alert_id=alert.pk)
    return alert


def _queue_if_in_stock(alert: StockAlert) -> None:
    """Stock may have come back between the page and the click: then the alert goes at once."""
    if Variant.objects.filter(pk=alert.variant_id, stock_on_hand__gt=F("stock_allocated")).exists():
        _queue("send_back_in_stock_alerts_task", variant_id=alert.variant_id)


def confirm_stock_alert(*, token: str) -> StockAlert:
    """Follow the e-mailed link: the alert becomes active (again: nothing changes). Raises InvalidAlertLink."""
    alert = (
        StockAlert.objects.select_related("variant__product")
        .filter(pk=read_confirmation_token(token))
        .first()
    )
    if alert is None:
        raise InvalidAlertLink()
    updated = StockAlert.objects.filter(pk=alert.pk, status=AlertStatus.UNCONFIRMED).update(
        status=AlertStatus.ACTIVE, confirmed_at=timezone.now()
    )
    if updated:
        alert.refresh_from_db(fields=["status", "confirmed_at"])
        _queue_if_in_stock(alert)
    return alert


def unsubscribe_from_stock_alert(*, token: str) -> StockAlert:
    """The e-mail's unsubscribe link: an open alert is closed; a sent one stays as it is."""
    alert = (
        StockAlert.objects.select_related("variant__product").filter(pk=read_unsubscribe_token(token)).first()
    )
    if alert is None:
        raise InvalidAlertLink()
    StockAlert.objects.filter(pk=alert.pk, status__in=OPEN).update(status=AlertStatus.UNSUBSCRIBED)
    alert.refresh_from_db(fields=["status"])
    return alert


def send_alert_confirmation(*, alert_id: int) -> bool:
    """E-mail the double opt-in link; False when the alert is no longer waiting for it."""
    alert = (
        StockAlert.objects.select_related("variant__product")
        .filter(pk=alert_id, status=AlertStatus.UNCONFIRMED)
        .first()
    )
    if alert is None:
        return False
    context = {
        "alert": alert,
        "product_name": str(alert.variant),
        "confirm_url": confirmation_url(alert_id=alert.pk),
        "site_name": settings.SITE_NAME,
    }
    EmailMessage(
        subject=as_header(f"Confirm your alert for {alert.variant.product.name}"),
        body=render_to_string("alerts/email/confirm.txt", context),
        to=[alert.email],
    ).send()
    return True


def _back_in_stock_message(alert: StockAlert) -> EmailMessage:
    link = unsubscribe_url(alert_id=alert.pk)
    product = alert.variant.product
    context = {
        "product_name": str(alert.variant),
        "product_url": settings.SITE_URL.rstrip("/") + product.get_absolute_url(),
        "unsubscribe_url": link,
        "site_name": settings.SITE_NAME,
    }
    return EmailMessage(
        subject=as_header(f"Back in stock: {product.name}"),
        body=render_to_string("alerts/email/back_in_stock.txt", context),
        to=[alert.email],
        headers={"List-Unsubscribe": f"<{link}>"},
    )


def send_back_in_stock_alerts(*, variant_id: int, batch_size: int = BATCH_SIZE) -> int:
    """E-mail the variant's active alerts while it is in stock, each exactly once; returns how many.

    Each batch is one transaction: rows claimed with SKIP LOCKED, e-mailed over one connection,
    marked sent. A mail error ends the batch: the alerts e-mailed before it are marked sent and
    committed, the rest stay active for the task's retry.
    """
    sent_total = 0
    while True:
        with transaction.atomic():
            if not Variant.objects.filter(pk=variant_id, stock_on_hand__gt=F("stock_allocated")).exists():
                return sent_total  # sold out again: the rest wait for the next restock
            batch = list(
                StockAlert.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("variant__product")
                .filter(variant_id=variant_id, status=AlertStatus.ACTIVE)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return sent_total
            sent_ids: list[int] = []
            failure: Exception | None = None
            with get_connection() as connection:
                for alert in batch:
                    try:
                        connection.send_messages([_back_in_stock_message(alert)])
                    except TRANSIENT_MAIL_ERRORS as error:
                        failure = error
                        break
                    sent_ids.append(alert.pk)
            StockAlert.objects.filter(pk__in=sent_ids).update(status=AlertStatus.SENT, sent_at=timezone.now())
        sent_total += len(sent_ids)
        if failure is not None:
            logger.warning(
                "back-in-stock alerts for variant %s stopped after %s: %s", variant_id, sent_total, failure
            )
            raise failure


def queue_alerts_for_restocked_variants(*, variant_ids: list[int]) -> list[int]:
    """Queue the sender for each of these variants that is in stock and has someone waiting."""
    ready = list(
        StockAlert.objects.filter(
            variant_id__in=variant_ids,
            status=AlertStatus.ACTIVE,
            variant__stock_on_hand__gt=F("variant__stock_allocated"),
        )
        .values_list("variant_id", flat=True)
        .distinct()
        .order_by("variant_id")
    )
    from emporium.alerts.tasks import send_back_in_stock_alerts_task

    for variant_id in ready:
        send_back_in_stock_alerts_task.delay(variant_id=variant_id)
    return ready
