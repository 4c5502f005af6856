"""What the catalog tells other apps about its stock.

``stock_returned`` is sent after the commit of a change that gave variants sellable units
again: a staff edit raising stock (admin, staff API), an unpaid order's reservation released,
a cancelled order's goods given back. Argument ``variant_ids``. It is a notice, not a step of
changing stock: no rule of the catalog depends on who listens (the alerts app queues its
back-in-stock e-mails), so the catalog imports none of its listeners. Listeners read the rows
again: a variant may have sold out again by the time they run.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

stock_returned = Signal()


def announce_stock_returned(*, variant_ids: Iterable[int]) -> None:
    ids = sorted(set(variant_ids))
    if ids:
        stock_returned.send(sender=None, variant_ids=ids)
