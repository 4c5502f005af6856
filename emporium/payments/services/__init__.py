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
payment and its order forwards), ``order_actions`` (what staff do to an order's money),
``emails``, ``review`` (flags and notes) and ``provider_calls`` (the logged call). Callers
import from this package.
"""

from emporium.payments.services.capture import cancel_open_payment, cancel_payment, capture_payment
from emporium.payments.services.emails import PAYMENT_CONFIRMATION, send_payment_confirmation
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

__all__ = [
    "PAYMENT_CONFIRMATION",
    "cancel_open_payment",
    "cancel_order_and_refund",
    "cancel_payment",
    "capture_payment",
    "check_pending_refunds",
    "clear_review_flag",
    "complete_refund",
    "confirm_payment",
    "deliver_events",
    "mark_order_paid_by_staff",
    "mark_payment_received",
    "receive_provider_event",
    "refund_order_payment",
    "refund_payment",
    "retry_pending_refunds",
    "send_payment_confirmation",
    "start_payment",
]
