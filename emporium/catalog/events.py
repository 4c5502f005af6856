"""What the catalog tells other apps about its stock, so it never has to import them.

- ``stock_moved`` (sender ``Variant``, argument ``variant_ids``) is sent inside the transaction
  that moved these variants' stock with plain UPDATEs (checkout reserving, orders shipping or
  giving stock back), after the UPDATEs: receivers read the new figures (the webhooks app
  writes its outbox rows in that transaction). Staff edits save the variant, and Django's own
  ``post_save`` tells of those.
- ``stock_returned`` (argument ``variant_ids``) is sent after the commit of a change that gave
  variants sellable units again: a staff edit raising stock (admin, staff API), an unpaid
  order's reservation released, a cancelled order's goods given back. It is a notice, not a
  step of changing stock: the alerts app queues its back-in-stock e-mails. Listeners read the
  rows again: a variant may have sold out again by the time they run.
- ``product_viewed`` (arguments ``request``, ``product_id``) is sent once for every product
  page a shopper opens, whether it was rendered or served from the page cache
  (emporium.catalog.cache): the recommendations app records the view. Not for the buy box
  that a variant choice swaps in (the same page, looked at again).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

stock_moved = Signal()
stock_returned = Signal()
product_viewed = Signal()


def announce_stock_returned(*, variant_ids: Iterable[int]) -> None:
    ids = sorted(set(variant_ids))
    if ids:
        stock_returned.send(sender=None, variant_ids=ids)
