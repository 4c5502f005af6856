"""What the orders app tells the others, so it never has to import them.

``order_status_changed`` is sent by every status change the orders services make (sender
``Order``; arguments ``order``, ``source``, ``target`` and ``actor``; ``source == target`` when
a transition records something without moving the status). It is sent inside the order's
transaction, before the order is saved: receivers that act outside the database (call a
payment provider, queue a task) must wait for the commit with ``transaction.on_commit``.
"""

from django.dispatch import Signal

order_status_changed = Signal()
