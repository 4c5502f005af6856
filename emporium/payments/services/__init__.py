"""Every change to a payment goes through here, whoever asks: a page, the API, a webhook, staff.

Three rules keep the shop paid exactly once:

* **Amounts come from the order.** A payment copies the order's total when it starts; what the
  provider later reports is checked against it, and a mismatch flags the payment for staff
  instead of marking the order paid.
* **Provider calls happen outside database transactions**, carry the payment's idempotency key
  and are logged (:class:`PaymentLogEntry`) whatever happens. A timeout leaves the payment as
  it was; the retry sends the same key, so the provider does the work at most once.
* **State moves only forwards, under the payment's row lock** (then the order's, always in that
  order). Provider events are recorded once by id and may arrive late, early, or three times:
  applying one twice, or after a later one, changes nothing.

One module per concern: ``paying`` (start, confirm, mark received), ``capture``, ``refunds``
(and ``refund_records``, what a refund changes), ``events`` (webhooks), ``progress`` (moving a
payment and its order forwards), ``workflows`` (an order's steps that span apps: pay, fulfil,
ship, cancel, refund, the expiry sweep), ``order_actions`` (what staff do to an order's money),
``emails``, ``review`` (flags and notes) and ``provider_calls`` (the logged call). Callers
import from this package.
"""

from emporium.payments.services.capture import cancel_open_payment, cancel_payment, capture_payment
from emporium.payments.services.emails import (
    PAYMENT_CONFIRMATION,
    send_payment_confirmation,
    send_unsent_payment_confirmations,
)
from emporium.payments.services.events import deliver_events, receive_provider_event
from emporium.payments.services.order_actions import (
    cancel_order_and_refund,
    mark_order_paid_by_staff,
    refund_order_payment,
)
from emporium.payments.services.paying import confirm_payment, mark_payment_received, start_payment
from emporium.payments.services.refunds import (
    check_pending_refunds,
    complete_refund,
    refund_payment,
    retry_pending_refunds,
)
from emporium.payments.services.review import clear_review_flag
from emporium.payments.services.workflows import (
    cancel_order_and_release,
    fulfil_order,
    pay_order,
    refund_order_and_release,
    release_expired_orders,
    ship_order,
)

__all__ = [
    "PAYMENT_CONFIRMATION",
    "cancel_open_payment",
    "cancel_order_and_refund",
    "cancel_order_and_release",
    "cancel_payment",
    "capture_payment",
    "check_pending_refunds",
    "clear_review_flag",
    "complete_refund",
    "confirm_payment",
    "deliver_events",
    "fulfil_order",
    "mark_order_paid_by_staff",
    "mark_payment_received",
    "pay_order",
    "receive_provider_event",
    "refund_order_and_release",
    "refund_order_payment",
    "refund_payment",
    "release_expired_orders",
    "retry_pending_refunds",
    "send_payment_confirmation",
    "send_unsent_payment_confirmations",
    "ship_order",
    "start_payment",
]
