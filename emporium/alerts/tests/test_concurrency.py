"""Two workers sending the same variant's alerts at once: each alert is e-mailed exactly once.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connections

from emporium.alerts.models import AlertStatus, StockAlert
from emporium.alerts.services import send_back_in_stock_alerts
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.core.tests.concurrency import needs_postgresql

ALERTS = 120


pytestmark = needs_postgresql


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_alert_exactly_once():
    variant = VariantFactory.create(stock_on_hand=0)
    StockAlert.objects.bulk_create(
        StockAlert(variant=variant, email=f"w{number}@example.com", status=AlertStatus.ACTIVE)
        for number in range(ALERTS)
    )
    Variant.objects.filter(pk=variant.pk).update(stock_on_hand=3)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            counts.append(send_back_in_stock_alerts(variant_id=variant.pk, batch_size=10))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    recipients = Counter(message.to[0] for message in mail.outbox)
    assert len(recipients) == ALERTS
    assert set(recipients.values()) == {1}
    assert sum(counts) == ALERTS
    assert StockAlert.objects.filter(status=AlertStatus.SENT).count() == ALERTS
