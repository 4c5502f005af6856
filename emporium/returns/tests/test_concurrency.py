"""Two requests to return the last units of a line at once: one wins, the other is refused.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from emporium.core.tests.concurrency import needs_postgresql
from emporium.returns.exceptions import ReturnQuantityExceeded
from emporium.returns.models import ReturnLine, ReturnReason
from emporium.returns.services import ReturnItem, request_return
from emporium.returns.tests.factories import make_delivered_order

pytestmark = needs_postgresql


@pytest.mark.django_db(transaction=True)
def test_two_returns_at_once_cannot_take_back_more_than_was_bought():
    order = make_delivered_order(lines=[("10.00", 3)])
    line = order.lines.get()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def customer_tab() -> None:
        try:
            barrier.wait()
            request_return(order=order, items=[ReturnItem(line.pk, 2, ReturnReason.CHANGED_MIND)])
            outcomes.append("created")
        except ReturnQuantityExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=customer_tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused"]
    assert sum(ReturnLine.objects.values_list("quantity", flat=True)) == 2
