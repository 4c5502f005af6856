"""What the orders app tells the others, so it never has to import them.

For side effects no business rule depends on (the webhooks outbox, analytics' refresh): a step
of the business that follows an order's change in another app is a call a reader can follow
(emporium.payments.services.workflows), never a receiver of these.

``order_status_changed`` is sent by every status change the orders services make (sender
``Order``; arguments ``order``, ``source``, ``target``, ``actor`` and ``transition``, the name
of the state machine's transition: ``pay``, ``fulfil``, ``ship``, ``deliver``, ``cancel``,
``refund``, ``refund_partially``; ``source == target`` when a transition records something
without moving the status, as paying a cash-on-delivery order already shipped). It is sent
inside the order's transaction, once the order is saved: receivers that act outside the
database (call a payment provider, queue a task) must wait for the commit with
``transaction.on_commit``.

``order_placed`` is sent when checkout places an order, through
``emporium.orders.placing.announce_order_placed`` (sender ``Order``; argument ``order``), inside
the transaction that creates the order, once its lines and its "placed" event are written.
"""

from django.dispatch import Signal

order_status_changed = Signal()
order_placed = Signal()
